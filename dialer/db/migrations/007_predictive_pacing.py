"""Migration 007_predictive_pacing.py: predictive pacing settings of a campaign."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'campaign',

        abandon_target_percent=pw.FloatField(default=3.0),
        abandon_window=pw.CharField(default='30d', max_length=32),
        max_lines_per_agent=pw.FloatField(default=3.0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('campaign', 'abandon_target_percent', 'abandon_window',
                           'max_lines_per_agent')
