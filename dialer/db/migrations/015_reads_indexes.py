"""Migration 015_reads_indexes.py: indexes of the console's heavy reads on attempts (issue 15).

- (campaign, started_at, outcome) replaces (campaign, started_at): the outcomes chart
  counts a campaign's attempts per time slice and outcome from the index alone, and the
  same prefix still serves the per-hour counts.
- (campaign, outcome, started_at): progress counts per outcome (index-only), and the
  predictive runner's abandonment over its window (a seek on human and abandoned).
- (campaign, id): keyset pages and the streamed report, in id order within a campaign.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('attempt', 'campaign', 'started_at')
    migrator.add_index('attempt', 'campaign', 'id', unique=False)
    migrator.add_index('attempt', 'campaign', 'outcome', 'started_at', unique=False)
    migrator.add_index('attempt', 'campaign', 'started_at', 'outcome', unique=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('attempt', 'campaign', 'id')
    migrator.drop_index('attempt', 'campaign', 'outcome', 'started_at')
    migrator.drop_index('attempt', 'campaign', 'started_at', 'outcome')
    migrator.add_index('attempt', 'campaign', 'started_at', unique=False)
