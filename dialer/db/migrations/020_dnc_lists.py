"""Migration 020_dnc_lists.py: do-not-call lists at registry scale (issue 17, dialer/compliance).

dnc_number has no id column (primary_key = False): 20 million rows need only the unique
(list_id, number) index, which also serves the cascade when a list is deleted.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class DncCampaignSetting(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE', unique=True)
        max_age_days = pw.IntegerField(default=31)

        class Meta:
            table_name = "dnc_campaign_setting"

    @migrator.create_model
    class DncList(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255)
        source = pw.CharField(max_length=255)
        format = pw.CharField(max_length=32)
        scope = pw.CharField(max_length=32)
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], null=True, on_delete='CASCADE')
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], null=True, on_delete='CASCADE')
        registry = pw.BooleanField(default=True)
        default_region = pw.CharField(default='US', max_length=2)
        as_of = pw.DateField(null=True)
        count = pw.BigIntegerField(default=0)
        status = pw.CharField(default='empty', max_length=32)
        lines_read = pw.BigIntegerField(default=0)
        bad_lines = pw.BigIntegerField(default=0)
        errors = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "dnc_list"

    @migrator.create_model
    class DncNumber(pw.Model):
        dnc_list = pw.ForeignKeyField(column_name='list_id', field='id', model=migrator.orm['dnc_list'], on_delete='CASCADE', index=False)
        number = pw.BigIntegerField()

        class Meta:
            table_name = "dnc_number"
            primary_key = False
            indexes = [(('dnc_list', 'number'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('dnc_number')

    migrator.remove_model('dnc_list')

    migrator.remove_model('dnc_campaign_setting')
