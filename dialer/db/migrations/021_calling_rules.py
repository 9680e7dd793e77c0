"""Migration 021_calling_rules.py: calling rules an account and a campaign set, and the
verdict each attempt was dialled under (issue 17, dialer/compliance/calling.py); the
attempts to one number, counted for its caps, on an index."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class AccountCallingPolicy(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE', unique=True)
        max_per_number_day = pw.IntegerField(null=True)
        max_per_number_week = pw.IntegerField(null=True)

        class Meta:
            table_name = "account_calling_policy"

    @migrator.create_model
    class AccountClosedDay(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        day = pw.DateField()
        note = pw.CharField(default='', max_length=255)

        class Meta:
            table_name = "account_closed_day"
            indexes = [(('account', 'day'), True)]

    @migrator.create_model
    class CampaignCallingPolicy(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE', unique=True)
        purpose = pw.CharField(default='telemarketing', max_length=32)

        class Meta:
            table_name = "campaign_calling_policy"

    @migrator.create_model
    class AttemptCompliance(pw.Model):
        id = pw.AutoField()
        attempt = pw.ForeignKeyField(column_name='attempt_id', field='id', model=migrator.orm['attempt'], on_delete='CASCADE', unique=True)
        verdict = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "attempt_compliance"

    migrator.add_index('attempt', 'phone', 'started_at')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index('attempt', 'phone', 'started_at')
    migrator.remove_model('attempt_compliance')
    migrator.remove_model('campaign_calling_policy')
    migrator.remove_model('account_closed_day')
    migrator.remove_model('account_calling_policy')
