"""Calling rules an account and a campaign set, and the verdict each attempt was dialled
under (issue 17, dialer/compliance/calling.py). The shipped jurisdiction rules are data in
dialer/compliance/jurisdictions.py, not rows: they change with the law, by release."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, JSONField, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel
from .calls import Attempt
from .campaigns import Campaign

PURPOSES = ("telemarketing", "debt_collection", "informational")


class AccountCallingPolicy(BaseModel):
    """Calls to one number across all the account's campaigns (NULL: no cap of its own)."""

    account = pw.ForeignKeyField(Account, unique=True, backref="calling_policy",
                                 on_delete=CASCADE)
    account_id: int
    max_per_number_day = pw.IntegerField(null=True)
    max_per_number_week = pw.IntegerField(null=True)


class AccountClosedDay(BaseModel):
    """The account's calendar: a date (callee-local) it does not call."""

    account = pw.ForeignKeyField(Account, backref="closed_days", on_delete=CASCADE)
    account_id: int
    day = pw.DateField()
    note = pw.CharField(default="")

    class Meta:
        indexes = ((("account", "day"), True),)


class CampaignCallingPolicy(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, unique=True, backref="calling_policy",
                                  on_delete=CASCADE)
    campaign_id: int
    purpose = EnumField(PURPOSES, default="telemarketing")


class AttemptCompliance(BaseModel):
    """What the attempt was dialled under (dialer/compliance/evidence.py), written with it."""

    attempt = pw.ForeignKeyField(Attempt, unique=True, backref="compliance", on_delete=CASCADE)
    attempt_id: int
    verdict = JSONField()
    created_at = UTCDateTimeField(default=utcnow)
