"""Migration 026_transfer_legs.py: the legs of an attempt's transfers (issue 18), one row
per try (dialer/db/models/transfers.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class TransferLeg(pw.Model):
        id = pw.AutoField()
        attempt = pw.ForeignKeyField(column_name='attempt_id', field='id', model=migrator.orm['attempt'], on_delete='CASCADE')
        leg_no = pw.IntegerField()
        mode = pw.CharField(max_length=32)
        by_agent = pw.ForeignKeyField(column_name='by_agent_id', field='id', model=migrator.orm['agent'], null=True)
        to_agent = pw.ForeignKeyField(column_name='to_agent_id', field='id', model=migrator.orm['agent'], null=True)
        to_group = pw.ForeignKeyField(column_name='to_group_id', field='id', model=migrator.orm['agent_group'], null=True)
        to_number = pw.CharField(max_length=32, null=True)
        status = pw.CharField(max_length=32)
        started_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "transfer_leg"
            indexes = [(('attempt', 'leg_no'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('transfer_leg')
