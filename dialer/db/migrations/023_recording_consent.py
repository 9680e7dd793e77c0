"""Migration 023_recording_consent.py: a recording campaign's consent announcement (when
the callee hears it, and which prompt), and whether each attempt's callee heard it
(dialer/compliance/consent.py). Campaigns already recording announce "always"."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign',
                        consent_announcement=pw.CharField(max_length=32, default='always'),
                        consent_prompt=pw.CharField(max_length=255, null=True))
    migrator.add_fields('attempt', consent_announced=pw.BooleanField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('attempt', 'consent_announced')
    migrator.remove_fields('campaign', 'consent_announcement', 'consent_prompt')
