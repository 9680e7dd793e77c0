"""Migration 008_amd_settings.py: a campaign's own AMD() settings (NULL: the shipped default)."""

import peewee as pw
from peewee_migrate import Migrator

FIELDS = ("initial_silence", "greeting", "after_greeting_silence", "total_analysis_time",
          "min_word_length", "between_words_silence", "maximum_number_of_words",
          "silence_threshold", "maximum_word_length")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign', **{f"amd_{f}": pw.IntegerField(null=True) for f in FIELDS})


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('campaign', *(f"amd_{f}" for f in FIELDS))
