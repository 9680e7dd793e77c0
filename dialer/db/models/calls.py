"""Outbound calls (attempts) and the followups agents schedule."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, JSONField, UTCDateTimeField, utcnow
from .base import BaseModel
from .accounts import Account
from .agents import Agent
from .campaigns import Campaign
from .contacts import Contact


class Attempt(BaseModel):
    """One outbound call. `channel_id` is our own id given to ARI at originate."""

    campaign = pw.ForeignKeyField(Campaign, null=True, backref="attempts")  # null: a followup without one
    campaign_id: int | None
    contact = pw.ForeignKeyField(Contact, backref="attempts")
    contact_id: int
    phone = pw.CharField(max_length=32)  # as dialled (a rule may have added a prefix)
    channel_id = pw.CharField(unique=True)
    caller_id = pw.CharField(null=True)
    started_at = UTCDateTimeField(default=utcnow)
    answered_at = UTCDateTimeField(null=True)
    bridged_at = UTCDateTimeField(null=True)  # with its agent (talk time: to ended_at)
    ended_at = UTCDateTimeField(null=True)
    # human, machine, busy, no_answer, failed, abandoned, congestion, ...: open-ended
    outcome = pw.CharField(max_length=32, null=True)
    amd_status = pw.CharField(max_length=32, null=True)  # AMDSTATUS
    amd_cause = pw.CharField(null=True)  # AMDCAUSE
    amd_detector = pw.CharField(max_length=32, null=True)  # app_amd or classifier: who decided
    amd_confidence = pw.FloatField(null=True)  # the classifier's probability of its verdict
    amd_seconds = pw.FloatField(null=True)  # from the answer to the AMD verdict
    hangup_cause = pw.IntegerField(null=True)  # Q.850 cause code
    end_reason = pw.CharField(null=True)  # why it ended undialled: no trunk serves it...
    agent = pw.ForeignKeyField(Agent, null=True, backref="attempts")
    agent_id: int | None
    disposition = pw.CharField(null=True)
    disposition_at = UTCDateTimeField(null=True)
    recording_name = pw.CharField(null=True)
    # the callee heard the consent announcement to its end (NULL: not to be recorded)
    consent_announced = pw.BooleanField(null=True)
    script_answers = JSONField(null=True)  # {item id: answer}, checked against the script
    script_answers_at = UTCDateTimeField(null=True)
    node = pw.CharField(null=True)  # dialer node that placed the call

    class Meta:
        indexes = (
            (("campaign", "started_at", "outcome"), False),  # the chart: index-only scan
            # progress, abandonment over a window with AMD's machines by detector (index-only)
            (("campaign", "outcome", "started_at", "amd_detector"), False),
            (("campaign", "id"), False),  # a campaign's attempts by id: keyset pages, report
            (("phone", "started_at"), False),  # calls to a number: its caps (compliance)
            (("caller_id", "started_at"), False),  # a pool number's figures of the day
        )


class Followup(BaseModel):
    """A callback an agent promised; only that agent is offered it, as a preview call.

    `scheduled_at` is the UTC start; `timezone` the zone it was entered in (for display).
    Statuses and expiry: dialer.followups.decisions. `status_reason` says why one ended without
    a call; `offered_at`/`launched_at`/`closed_at` time each step (the contact's timeline).
    """

    account = pw.ForeignKeyField(Account, backref="followups")
    account_id: int
    agent = pw.ForeignKeyField(Agent, backref="followups")
    agent_id: int
    contact = pw.ForeignKeyField(Contact, backref="followups")
    contact_id: int
    campaign = pw.ForeignKeyField(Campaign, null=True, backref="followups")
    campaign_id: int | None
    scheduled_at = UTCDateTimeField()
    timezone = pw.CharField(max_length=64)
    status = EnumField(("scheduled", "offered", "launched", "completed", "expired",
                        "cancelled", "incompatible_channel_type", "suppressed"),
                       default="scheduled")
    status_reason = pw.CharField(null=True)
    source = EnumField(("call", "wrap_up", "manual"), default="manual")  # where it was entered
    origin_attempt = pw.ForeignKeyField(Attempt, null=True, backref="followups_scheduled")
    origin_attempt_id: int | None
    attempt = pw.ForeignKeyField(Attempt, null=True, backref="followups")  # the call it became
    attempt_id: int | None
    data = JSONField(default=dict)
    created_at = UTCDateTimeField(default=utcnow)
    offered_at = UTCDateTimeField(null=True)
    launched_at = UTCDateTimeField(null=True)
    closed_at = UTCDateTimeField(null=True)  # completed, expired, cancelled, ...

    class Meta:
        indexes = ((("status", "scheduled_at"), False),)
