"""Migration 035_amd_decided.py: AMD's verdicts as abandonment needs them (issue 20).

- attempt.amd_seconds: seconds from the call's answer to its detector's verdict.
- (campaign, outcome, started_at, amd_detector) replaces (campaign, outcome, started_at):
  the abandonment over a window counts humans, abandoned and, per detector, the machines
  it hung up on (dialer.amd.abandonment) from the index alone; the prefix still serves
  progress counts.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('attempt', amd_seconds=pw.FloatField(null=True))
    migrator.drop_index('attempt', 'campaign', 'outcome', 'started_at')
    migrator.add_index('attempt', 'campaign', 'outcome', 'started_at', 'amd_detector', unique=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('attempt', 'campaign', 'outcome', 'started_at', 'amd_detector')
    migrator.add_index('attempt', 'campaign', 'outcome', 'started_at', unique=False)
    migrator.remove_fields('attempt', 'amd_seconds')
