"""Migration 027_agent_pauses.py: the account's not-ready reasons (issue 18), the reason
an agent in not_ready gave, kept on the agent's row across a dialer restart, and the agent
session log (a row per state entered); which due contacts a campaign dials first.""" 

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

    migrator.add_fields('campaign', dial_first=pw.CharField(max_length=32, default='fresh'))

    @migrator.create_model
    class AgentSessionEntry(pw.Model):
        id = pw.AutoField()
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['agent'], on_delete='CASCADE')
        state = pw.CharField(max_length=16)
        at = pw.DateTimeField()
        pause_reason = pw.CharField(max_length=255, null=True)
        attempt_id = pw.IntegerField(null=True)

        class Meta:
            table_name = "agent_session_entry"
            indexes = [(('agent', 'at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('agent_session_entry')
    migrator.remove_fields('campaign', 'dial_first')
    migrator.drop_index('agent', 'pause_reason')  # SQLite drops no column an index names
    migrator.remove_fields('agent', 'pause_reason')
    migrator.remove_model('pause_reason')
