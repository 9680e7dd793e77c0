"""Migration 009_action_call_node.py: the dialer node that took an action call, so that a
node's restart rings again only its own and nodes never take the same one."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('action_call', node=pw.CharField(max_length=255, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('action_call', 'node')
