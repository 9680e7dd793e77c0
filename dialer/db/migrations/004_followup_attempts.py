"""Migration 004_followup_attempts.py (peewee-migrate; `python -m dialer.db.migrate make NAME`)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    # A followup without a campaign still has its attempt record. (Only the NOT NULL goes:
    # change_fields on a foreign key is not supported on SQLite.)
    migrator.drop_not_null('attempt', 'campaign')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.add_not_null('attempt', 'campaign')
