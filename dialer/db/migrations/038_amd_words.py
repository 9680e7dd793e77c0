"""Migration 038_amd_words.py: whether the AMD classifier listens for its (US English) phrases
on a campaign's calls (issue 20): off where callees answer in another language."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign', amd_words=pw.BooleanField(default=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('campaign', 'amd_words')
