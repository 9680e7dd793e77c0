"""Migration 024_dnc_prevented.py: the claims screened out by a do-not-call list (issue 17,
the compliance report's "do-not-call hits prevented"), a row per contact screened out."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class DncPrevented(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        list_name = pw.CharField(max_length=255)
        value = pw.CharField(max_length=255)
        at = pw.DateTimeField()

        class Meta:
            table_name = "dnc_prevented"
            indexes = [(('campaign', 'at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('dnc_prevented')
