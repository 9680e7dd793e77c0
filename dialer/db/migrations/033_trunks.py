"""Migration 033_trunks.py: carriers' trunks (issue 21), system-wide or open to some
accounts, and the legs dialled through them, which every node counts against a trunk's
caps (dialer/db/models/trunks.py). With no trunk defined the config's `[ari] trunk` is
the default, so an existing install dials as before."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Trunk(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=64, unique=True)
        target = pw.CharField(max_length=120)
        priority = pw.IntegerField(default=100)
        weight = pw.IntegerField(default=1)
        max_channels = pw.IntegerField(null=True)
        max_cps = pw.IntegerField(null=True)
        destinations = pw.TextField()
        cost_per_minute = pw.DecimalField(auto_round=True, decimal_places=5, max_digits=10, null=True)
        enabled = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "trunk"

    @migrator.create_model
    class TrunkAccount(pw.Model):
        id = pw.AutoField()
        trunk = pw.ForeignKeyField(column_name='trunk_id', field='id', model=migrator.orm['trunk'], on_delete='CASCADE')
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')

        class Meta:
            table_name = "trunk_account"
            indexes = [(('trunk', 'account'), True)]

    @migrator.create_model
    class TrunkLeg(pw.Model):
        id = pw.AutoField()
        trunk = pw.ForeignKeyField(column_name='trunk_id', field='id', model=migrator.orm['trunk'], on_delete='CASCADE')
        node = pw.CharField(max_length=64)
        channel_id = pw.CharField(max_length=255)
        attempt_id = pw.IntegerField(null=True)
        started_at = pw.DateTimeField()
        ended_at = pw.DateTimeField(null=True)
        healthy = pw.BooleanField(null=True)

        class Meta:
            table_name = "trunk_leg"
            indexes = [(('trunk', 'ended_at'), False), (('trunk', 'started_at'), False), (('node', 'ended_at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('trunk_leg')
    migrator.remove_model('trunk_account')
    migrator.remove_model('trunk')
