"""Migration 032_amd_classifier.py: the AMD classifier wired into the dialer (issue 20): a
campaign's detector (app_amd or the classifier), its machine threshold (NULL: the shipped
one) and what a call-screening assistant gets (the name-and-reason prompt, or a hang-up);
an attempt's detector that decided and its confidence."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign',
                        amd_detector=pw.CharField(max_length=32, default='app_amd'),
                        amd_machine_threshold=pw.FloatField(null=True),
                        screening_action=pw.CharField(max_length=32, default='hangup'),
                        screening_message=pw.CharField(max_length=255, null=True))
    migrator.add_fields('attempt',
                        amd_detector=pw.CharField(max_length=32, null=True),
                        amd_confidence=pw.FloatField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('attempt', 'amd_detector', 'amd_confidence')
    migrator.remove_fields('campaign', 'amd_detector', 'amd_machine_threshold',
                           'screening_action', 'screening_message')
