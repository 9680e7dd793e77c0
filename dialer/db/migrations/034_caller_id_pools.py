"""Migration 034_caller_id_pools.py: caller-ID pools (issue 21), an account's or a
campaign's, and their numbers with the day's call count each node raises against the
daily cap (dialer/db/models/callerids.py); attempts' figures per caller id (an index) and
why an attempt ended undialled (`end_reason`: no trunk serves the destination)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class CallerIdPool(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], null=True, on_delete='CASCADE')
        name = pw.CharField(max_length=64)
        daily_cap = pw.IntegerField(null=True)
        rest_days = pw.IntegerField(default=7)
        checked_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "caller_id_pool"
            indexes = [(('account', 'campaign'), True)]

    @migrator.create_model
    class PoolNumber(pw.Model):
        id = pw.AutoField()
        pool = pw.ForeignKeyField(column_name='pool_id', field='id', model=migrator.orm["caller_id_pool"], on_delete='CASCADE')
        number = pw.CharField(max_length=16)
        day = pw.DateField(null=True)
        calls = pw.IntegerField(default=0)
        rested_since = pw.DateTimeField(null=True)
        rested_why = pw.CharField(max_length=255, null=True)

        class Meta:
            table_name = "caller_id_pool_number"
            indexes = [(('pool', 'number'), True)]

    migrator.add_fields('attempt', end_reason=pw.CharField(max_length=255, null=True))
    migrator.add_index('attempt', 'caller_id', 'started_at', unique=False)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('attempt', 'caller_id', 'started_at')
    migrator.remove_fields('attempt', 'end_reason')
    migrator.remove_model('caller_id_pool_number')
    migrator.remove_model("caller_id_pool")
