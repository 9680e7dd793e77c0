"""Migration 002_campaign_dialing.py (peewee-migrate; `python -m dialer.db.migrate make NAME`)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'campaign',

        safe_harbour_message=pw.CharField(default='sound:tt-allbusy', max_length=255))

    migrator.add_fields(
        'campaign_contact',

        dial_prefix=pw.CharField(default='', max_length=16),
        last_reason=pw.CharField(max_length=255, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('campaign_contact', 'dial_prefix', 'last_reason')

    migrator.remove_fields('campaign', 'safe_harbour_message')
