"""Migration 029_voicemail_inbox.py: the voicemail inbox (issue 19): how long each
voicemail is, and who marked it handled and when (null: not handled)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'voicemail',
        duration_seconds=pw.IntegerField(null=True),
        handled_at=pw.DateTimeField(null=True),
        handled_by=pw.ForeignKeyField(column_name='handled_by_id', field='id',
                                      model=migrator.orm['users'], null=True,
                                      on_delete='SET NULL'))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('voicemail', 'handled_by')  # SQLite drops no column an index names
    migrator.remove_fields('voicemail', 'handled_by', 'handled_at', 'duration_seconds')
