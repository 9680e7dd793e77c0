"""Migration 027_inbound_calls.py: a record of each call to a company number (issue 18,
dialer/inbound), and the transfer legs of such a call: `transfer_leg` names either its
attempt or its inbound call (dialer/db/models/transfers.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class InboundCall(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        channel_id = pw.CharField(max_length=255, unique=True)
        caller = pw.CharField(max_length=255)
        contact = pw.ForeignKeyField(column_name='contact_id', field='id', model=migrator.orm['contact'], null=True)
        agent = pw.ForeignKeyField(column_name='agent_id', field='id', model=migrator.orm['agent'], null=True)
        started_at = pw.DateTimeField()
        connected_at = pw.DateTimeField(null=True)
        ended_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "inbound_call"
            indexes = [(('account', 'id'), False)]

    migrator.add_fields('transfer_leg', inbound_call=pw.ForeignKeyField(
        column_name='inbound_call_id', field='id', model=migrator.orm['inbound_call'], null=True,
        on_delete='CASCADE'))
    migrator.drop_not_null('transfer_leg', 'attempt')
    migrator.add_index('transfer_leg', 'inbound_call', 'leg_no', unique=True)
    # named again as the model names them (after its class, TransferLeg, as 026 did)
    for made, unique, columns in (("inbound_call_id", "", "inbound_call_id"),
                                  ("inbound_call_id_leg_no", "UNIQUE ", "inbound_call_id, leg_no")):
        migrator.sql(f"DROP INDEX transfer_leg_{made}")
        migrator.sql(f"CREATE {unique}INDEX transferleg_{made} ON transfer_leg ({columns})")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DELETE FROM transfer_leg WHERE attempt_id IS NULL")
    migrator.sql("DROP INDEX transferleg_inbound_call_id_leg_no")
    migrator.sql("DROP INDEX transferleg_inbound_call_id")
    migrator.orm['transfer_leg']._meta.indexes.pop()  # the unique one, dropped above
    migrator.remove_fields('transfer_leg', 'inbound_call')
    migrator.add_not_null('transfer_leg', 'attempt')
    migrator.remove_model('inbound_call')
