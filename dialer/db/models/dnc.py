"""Do-not-call lists at registry scale (issue 17).

A `DncList` is one imported file or an account's internal list: where it came from, whom it
applies to (scope: the whole system, an account, a campaign), the date its publisher says it
is true of (`as_of`), and how many numbers it holds. Its numbers are `DncNumber` rows: the
E.164 digits as a 64-bit integer (no "+"), unique per list, so that a claim looks a batch of
numbers up with one seek per number on the (list, number) index and nothing is ever loaded
whole. Registry lists go stale: a campaign whose freshness limit (`DncCampaignSetting`,
31 days when absent) is shorter than a registry list's age does not dial.
"""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, JSONField, UTCDateTimeField, utcnow
from .accounts import Account
from .base import CASCADE, BaseModel
from .campaigns import Campaign

FORMATS = ("us", "uk", "e164", "csv", "internal")
SCOPES = ("system", "account", "campaign")
STATUSES = ("empty", "importing", "ready", "failed")
DEFAULT_MAX_AGE_DAYS = 31  # the US registry must be re-scrubbed at least every 31 days


class DncList(BaseModel):
    name = pw.CharField()
    source = pw.CharField()  # who published it, e.g. "US National DNC Registry"
    format = EnumField(FORMATS)
    scope = EnumField(SCOPES)
    account = pw.ForeignKeyField(Account, null=True, backref="dnc_lists", on_delete=CASCADE)
    account_id: int | None
    campaign = pw.ForeignKeyField(Campaign, null=True, backref="dnc_lists", on_delete=CASCADE)
    campaign_id: int | None
    registry = pw.BooleanField(default=True)  # a published registry: it goes stale
    default_region = pw.CharField(max_length=2, default="US")  # national numbers read here
    as_of = pw.DateField(null=True)
    count = pw.BigIntegerField(default=0)
    status = EnumField(STATUSES, default="empty")
    lines_read = pw.BigIntegerField(default=0)  # progress of the running or last import
    bad_lines = pw.BigIntegerField(default=0)
    errors = JSONField(default=list)  # the first bad lines: [{"line", "reason"}]
    created_at = UTCDateTimeField(default=utcnow)


class DncNumber(BaseModel):
    dnc_list = pw.ForeignKeyField(DncList, backref="numbers", on_delete=CASCADE,
                                  column_name="list_id", index=False)
    list_id: int  # column_name
    number = pw.BigIntegerField()  # E.164 digits: +12125550100 is 12125550100

    class Meta:
        primary_key = False  # no id: 20 million rows need only the (list, number) index
        indexes = ((("dnc_list", "number"), True),)


class DncCampaignSetting(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, unique=True, backref="dnc_setting",
                                  on_delete=CASCADE)
    campaign_id: int
    max_age_days = pw.IntegerField(default=DEFAULT_MAX_AGE_DAYS)



class DncPrevented(BaseModel):
    """A claimed contact screened out because its number or client id was on a list (the
    compliance report's "do-not-call hits prevented"): the list as named then."""

    campaign = pw.ForeignKeyField(Campaign, backref="dnc_prevented", on_delete=CASCADE)
    campaign_id: int
    list_name = pw.CharField()
    value = pw.CharField()  # the E.164 number or the client id
    at = UTCDateTimeField()

    class Meta:
        indexes = ((("campaign", "at"), False),)
