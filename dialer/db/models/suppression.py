"""Suppression lists (do-not-call) and the on-demand strategy."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, JSONField
from .base import CASCADE, BaseModel
from .accounts import Account
from .campaigns import Campaign


class SuppressionList(BaseModel):
    """Do-not-call list: `device` entries are E.164 numbers, `client_id` entries are keys."""

    account = pw.ForeignKeyField(Account, backref="suppression_lists")
    account_id: int
    name = pw.CharField()
    kind = EnumField(("device", "client_id"))


class SuppressionEntry(BaseModel):
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="entries",
                                          on_delete=CASCADE, column_name="list_id")
    list_id: int  # column_name
    value = pw.CharField()

    class Meta:
        indexes = ((("suppression_list", "value"), True),)


class CampaignSuppression(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="suppressions", on_delete=CASCADE)
    campaign_id: int
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="campaign_links",
                                          on_delete=CASCADE, column_name="list_id")
    list_id: int  # column_name

    class Meta:
        indexes = ((("campaign", "suppression_list"), True),)


class OnDemandStrategy(BaseModel):
    """How an account's followups are dialled: `passes` are dialing modes, in order.

    Followups are preview calls, so a first pass other than "preview" completes them as
    incompatible_channel_type. One per account, created on first use.
    """

    suppressions: pw.ModelSelect[StrategySuppression]  # backref, declared for the type checker

    account = pw.ForeignKeyField(Account, unique=True, backref="on_demand_strategy",
                                 on_delete=CASCADE)
    account_id: int
    passes = JSONField(default=lambda: ["preview"])


class StrategySuppression(BaseModel):
    strategy = pw.ForeignKeyField(OnDemandStrategy, backref="suppressions", on_delete=CASCADE)
    strategy_id: int
    suppression_list = pw.ForeignKeyField(SuppressionList, backref="strategy_links",
                                          on_delete=CASCADE, column_name="list_id")
    list_id: int  # column_name

    class Meta:
        indexes = ((("strategy", "suppression_list"), True),)
