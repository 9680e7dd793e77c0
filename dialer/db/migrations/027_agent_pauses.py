"""Migration 027_agent_pauses.py: the account's not-ready reasons (issue 18), and the
reason an agent in not_ready gave, kept on the agent's row across a dialer restart."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class PauseReason(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        name = pw.CharField(max_length=255)

        class Meta:
            table_name = "pause_reason"
            indexes = [(('account', 'name'), True)]

    migrator.add_fields('agent', pause_reason=pw.ForeignKeyField(
        column_name='pause_reason_id', field='id', model=migrator.orm['pause_reason'], null=True,
        on_delete='SET NULL'))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('agent', 'pause_reason')
    migrator.remove_model('pause_reason')
