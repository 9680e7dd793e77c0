"""Carriers' trunks (dialer/trunks): system-wide, optionally open to some accounts only."""

from __future__ import annotations

import peewee as pw

from ..fields import JSONField, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel


class Trunk(BaseModel):
    name = pw.CharField(max_length=64, unique=True)
    target = pw.CharField(max_length=120)  # dialer.trunks.model.parse_target's text
    priority = pw.IntegerField(default=100)  # lower first
    weight = pw.IntegerField(default=1)      # spread among equals
    max_channels = pw.IntegerField(null=True)
    max_cps = pw.IntegerField(null=True)     # new calls per second
    destinations = JSONField(default=list)   # "+44", "US"; empty: anywhere
    cost_per_minute = pw.DecimalField(max_digits=10, decimal_places=5, null=True,
                                      auto_round=True)
    enabled = pw.BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)


class TrunkAccount(BaseModel):
    """A trunk open to this account only (with its other rows); none: to every account."""

    trunk = pw.ForeignKeyField(Trunk, backref="accounts", on_delete=CASCADE)
    trunk_id: int
    account = pw.ForeignKeyField(Account, backref="trunks", on_delete=CASCADE)
    account_id: int

    class Meta:
        indexes = ((("trunk", "account"), True),)


class TrunkLeg(BaseModel):
    """A channel a node opened through a trunk, live until `ended_at`: every node counts a
    trunk's channels and its calls of the last second here, so caps hold across nodes."""

    trunk = pw.ForeignKeyField(Trunk, backref="legs", on_delete=CASCADE)
    trunk_id: int
    node = pw.CharField(max_length=64)
    channel_id = pw.CharField(max_length=255)
    attempt_id = pw.IntegerField(null=True)
    started_at = UTCDateTimeField()
    ended_at = UTCDateTimeField(null=True)
    healthy = pw.BooleanField(null=True)  # how it ended for the trunk (None: live, or lost)

    class Meta:
        indexes = ((("trunk", "ended_at"), False), (("trunk", "started_at"), False),
                   (("node", "ended_at"), False))
