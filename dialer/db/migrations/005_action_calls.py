"""Migration 005_action_calls.py (peewee-migrate; `python -m dialer.db.migrate make NAME`)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'account',

        business_start=pw.TimeField(null=True),
        business_stop=pw.TimeField(null=True))

    @migrator.create_model
    class ActionCall(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'])
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'])
        due_at = pw.DateTimeField()
        status = pw.CharField(default='scheduled', max_length=32)
        attempt = pw.ForeignKeyField(column_name='attempt_id', field='id', model=migrator.orm['attempt'], null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "action_call"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_fields('account', 'business_start', 'business_stop')

    migrator.remove_model('action_call')
