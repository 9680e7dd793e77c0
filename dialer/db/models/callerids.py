"""Caller-ID pools (dialer/callerids): an account's, or one campaign's."""

from __future__ import annotations

import peewee as pw

from ..fields import E164Field, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel
from .campaigns import Campaign


class CallerIdPool(BaseModel):
    """The account's pool (no campaign: every campaign of the account without its own) or
    a campaign's; a campaign with neither shows its plain caller ids in turn."""

    account = pw.ForeignKeyField(Account, backref="caller_id_pools", on_delete=CASCADE)
    account_id: int
    campaign = pw.ForeignKeyField(Campaign, null=True, backref="caller_id_pools",
                                  on_delete=CASCADE)
    campaign_id: int | None
    name = pw.CharField(max_length=64)
    daily_cap = pw.IntegerField(null=True)  # calls per number per day (None: no cap)
    rest_days = pw.IntegerField(default=7)  # how long a low-answering number rests
    checked_at = UTCDateTimeField(null=True)  # the last look for numbers to rest
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "campaign"), True),)


class PoolNumber(BaseModel):
    """A pool's number. `calls` counts its calls of `day` (UTC), raised in the same
    statement that checks the cap, so nodes sharing the database never pass it."""

    pool = pw.ForeignKeyField(CallerIdPool, backref="numbers", on_delete=CASCADE)
    pool_id: int
    number = E164Field()
    day = pw.DateField(null=True)
    calls = pw.IntegerField(default=0)
    rested_since = UTCDateTimeField(null=True)
    rested_why = pw.CharField(null=True)

    class Meta:
        table_name = "caller_id_pool_number"
        indexes = ((("pool", "number"), True),)
