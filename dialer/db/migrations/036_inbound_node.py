"""Migration 036_inbound_node.py: the node whose PBX holds an inbound call.

- inbound_call.node: a call whose caller hung up while that node's dialer was down is
  closed at its next resync (its channel is gone), not left open for ever; other nodes'
  calls are not its to judge.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('inbound_call', node=pw.CharField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('inbound_call', 'node')
