"""Outbound webhooks (dialer/webhooks): an account's endpoints, the outbox of deliveries
(one row per event and endpoint, written in the transaction of the change) and the log of
each try."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, JSONField, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel

DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpoint(BaseModel):
    account = pw.ForeignKeyField(Account, backref="webhook_endpoints", on_delete=CASCADE)
    account_id: int
    url = pw.CharField(max_length=2000)
    # The signing key: kept as it is (signing needs it), shown to the API once.
    secret = pw.CharField(max_length=64)
    events = JSONField(default=list)  # the event kinds it subscribes to
    enabled = pw.BooleanField(default=True)
    description = pw.CharField(max_length=255, null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "enabled"), False),)


class WebhookDelivery(BaseModel):
    """One event for one endpoint: pending until delivered or given up (failed). A node
    sends it after claiming it (`claimed_by` until `claimed_until`)."""

    endpoint = pw.ForeignKeyField(WebhookEndpoint, backref="deliveries", on_delete=CASCADE)
    endpoint_id: int
    event_id = pw.CharField(max_length=40)  # the same for every endpoint of one event
    kind = pw.CharField(max_length=40)
    body = pw.TextField()                   # the JSON sent, byte for byte
    status = EnumField(DELIVERY_STATUSES, default="pending")
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(default=utcnow)
    claimed_by = pw.CharField(max_length=64, null=True)
    claimed_until = UTCDateTimeField(null=True)
    last_status_code = pw.IntegerField(null=True)
    last_error = pw.CharField(max_length=255, null=True)
    last_duration_ms = pw.IntegerField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    replay_of = pw.IntegerField(null=True)  # the delivery replayed (no key: it may be gone)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False), (("endpoint", "id"), False))


class WebhookTry(BaseModel):
    """One HTTP request of a delivery: what the receiver answered, or why none came."""

    delivery = pw.ForeignKeyField(WebhookDelivery, backref="tries", on_delete=CASCADE)
    delivery_id: int
    at = UTCDateTimeField(default=utcnow)
    node = pw.CharField(max_length=64)
    status_code = pw.IntegerField(null=True)
    error = pw.CharField(max_length=255, null=True)
    duration_ms = pw.IntegerField()

    class Meta:
        indexes = ((("delivery", "id"), False),)
