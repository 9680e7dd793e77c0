"""Migration 039_amd_person_after_silence.py: at the AMD classifier's cap, a callee silent this
many seconds after speaking, with no beep heard, is a person (issue 20; NULL: off)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign', amd_person_after_silence=pw.FloatField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('campaign', 'amd_person_after_silence')
