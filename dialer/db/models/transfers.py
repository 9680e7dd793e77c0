"""The legs of a call's transfers (issue 18, dialer/transfers): one row per try (blind or
warm, to an agent, an agent group's agent or an external number), its status kept current
from the transfer machine's `RecordLeg` effects. The call stays one record, an attempt
(campaign, preview, followup, manual) or an inbound call, exactly one of the two set: its
agent (the first one) keeps the disposition; the legs say who else had the customer."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, UTCDateTimeField, utcnow
from .agents import Agent, AgentGroup
from .base import CASCADE, BaseModel
from .calls import Attempt
from .inbound import InboundCall

MODES = ("blind", "warm")
STATUSES = ("ringing", "consulting", "conferenced", "completed", "cancelled", "failed",
            "gone", "customer_gone")


class TransferLeg(BaseModel):
    attempt = pw.ForeignKeyField(Attempt, null=True, backref="transfer_legs", on_delete=CASCADE)
    attempt_id: int | None
    inbound_call = pw.ForeignKeyField(InboundCall, null=True, backref="transfer_legs",
                                      on_delete=CASCADE)
    inbound_call_id: int | None
    leg_no = pw.IntegerField()  # 1, 2, ... within the call
    mode = EnumField(MODES)
    by_agent = pw.ForeignKeyField(Agent, null=True, backref="transfers_made")  # who transferred
    by_agent_id: int | None
    to_agent = pw.ForeignKeyField(Agent, null=True, backref="transfers_taken")
    to_agent_id: int | None
    to_group = pw.ForeignKeyField(AgentGroup, null=True, backref="transfers_taken")
    to_group_id: int | None
    to_number = pw.CharField(max_length=32, null=True)  # E.164, as dialled
    status = EnumField(STATUSES)
    started_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("attempt", "leg_no"), True), (("inbound_call", "leg_no"), True))
