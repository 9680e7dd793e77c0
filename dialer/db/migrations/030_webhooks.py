"""Migration 030_webhooks.py: outbound webhooks (issue 19): an account's endpoints, the
outbox of deliveries and the log of each try (dialer/db/models/webhooks.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class WebhookEndpoint(pw.Model):
        id = pw.AutoField()
        account = pw.ForeignKeyField(column_name='account_id', field='id', model=migrator.orm['account'], on_delete='CASCADE')
        url = pw.CharField(max_length=2000)
        secret = pw.CharField(max_length=64)
        events = pw.TextField()
        enabled = pw.BooleanField(default=True)
        description = pw.CharField(max_length=255, null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "webhook_endpoint"
            indexes = [(('account', 'enabled'), False)]

    @migrator.create_model
    class WebhookDelivery(pw.Model):
        id = pw.AutoField()
        endpoint = pw.ForeignKeyField(column_name='endpoint_id', field='id', model=migrator.orm['webhook_endpoint'], on_delete='CASCADE')
        event_id = pw.CharField(max_length=40)
        kind = pw.CharField(max_length=40)
        body = pw.TextField()
        status = pw.CharField(default='pending', max_length=32)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField()
        claimed_by = pw.CharField(max_length=64, null=True)
        claimed_until = pw.DateTimeField(null=True)
        last_status_code = pw.IntegerField(null=True)
        last_error = pw.CharField(max_length=255, null=True)
        last_duration_ms = pw.IntegerField(null=True)
        delivered_at = pw.DateTimeField(null=True)
        replay_of = pw.IntegerField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "webhook_delivery"
            indexes = [(('status', 'next_attempt_at'), False), (('endpoint', 'id'), False)]

    @migrator.create_model
    class WebhookTry(pw.Model):
        id = pw.AutoField()
        delivery = pw.ForeignKeyField(column_name='delivery_id', field='id', model=migrator.orm['webhook_delivery'], on_delete='CASCADE')
        at = pw.DateTimeField()
        node = pw.CharField(max_length=64)
        status_code = pw.IntegerField(null=True)
        error = pw.CharField(max_length=255, null=True)
        duration_ms = pw.IntegerField()

        class Meta:
            table_name = "webhook_try"
            indexes = [(('delivery', 'id'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('webhook_try')
    migrator.remove_model('webhook_delivery')
    migrator.remove_model('webhook_endpoint')
