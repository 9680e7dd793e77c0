"""Migration 037_inbound_service_level.py: a predictive campaign's inbound service level.

- campaign.inbound_service_percent, campaign.inbound_service_seconds: the share of inbound
  callers wanting the campaign's agents to be taken within these seconds (80% in 20 s);
  the pacing holds agents back from new calls while the recent callers fall short.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('campaign', inbound_service_percent=pw.FloatField(default=80.0),
                        inbound_service_seconds=pw.IntegerField(default=20))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('campaign', 'inbound_service_percent', 'inbound_service_seconds')
