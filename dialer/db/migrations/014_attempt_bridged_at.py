"""Migration 014_attempt_bridged_at.py: when an attempt's call was bridged to its agent
(with `agent`, what a restart needs to record a call that ended unseen as it was)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('attempt', bridged_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('attempt', 'bridged_at')
