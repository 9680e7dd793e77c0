"""Migration 003_agents_side.py (peewee-migrate; `python -m dialer.db.migrate make NAME`)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'script',

        dispositions=pw.TextField(default='[]'))  # existing scripts: any disposition

    migrator.add_fields(
        'attempt',

        disposition_at=pw.DateTimeField(null=True),
        script_answers_at=pw.DateTimeField(null=True))

    migrator.add_fields(
        'followup',

        status_reason=pw.CharField(max_length=255, null=True),
        source=pw.CharField(default='manual', max_length=32),
        origin_attempt=pw.ForeignKeyField(column_name='origin_attempt_id', field='id', model=migrator.orm['attempt'], null=True),
        attempt=pw.ForeignKeyField(column_name='attempt_id', field='id', model=migrator.orm['attempt'], null=True),
        offered_at=pw.DateTimeField(null=True),
        launched_at=pw.DateTimeField(null=True),
        closed_at=pw.DateTimeField(null=True))

    @migrator.create_model
    class OnDemandStrategy(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE', unique=True)
        passes = pw.TextField()

        class Meta:
            table_name = "on_demand_strategy"

    @migrator.create_model
    class StrategySuppression(pw.Model):
        id = pw.AutoField()
        strategy = pw.ForeignKeyField(column_name='strategy_id', field='id', model=migrator.orm['on_demand_strategy'], on_delete='CASCADE')
        suppression_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['suppression_list'], on_delete='CASCADE')

        class Meta:
            table_name = "strategy_suppression"
            indexes = [(('strategy', 'suppression_list'), True)]

    # The first status was renamed: "pending" is now "scheduled" (dialer.core.followups).
    migrator.sql("UPDATE followup SET status = 'scheduled' WHERE status = 'pending'")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql("UPDATE followup SET status = 'pending' WHERE status IN ('scheduled', 'offered')")

    migrator.remove_fields('followup', 'status_reason', 'source', 'origin_attempt', 'attempt', 'offered_at', 'launched_at', 'closed_at')

    migrator.remove_fields('attempt', 'disposition_at', 'script_answers_at')

    migrator.remove_fields('script', 'dispositions')

    migrator.remove_model('strategy_suppression')

    migrator.remove_model('on_demand_strategy')
