"""Agents and agent groups."""

from __future__ import annotations

import peewee as pw

from ..fields import EnumField, UTCDateTimeField, utcnow
from .base import CASCADE, BaseModel
from .accounts import Account, User


class AgentGroup(BaseModel):
    account = pw.ForeignKeyField(Account, backref="agent_groups")
    account_id: int
    name = pw.CharField()
    manual_dial_allowed = pw.BooleanField(default=False)
    followups_allowed = pw.BooleanField(default=True)
    wrap_up_seconds = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("account", "name"), True),)


class PauseReason(BaseModel):
    """Why an agent is not ready (break, lunch, training...): the account's list."""

    account = pw.ForeignKeyField(Account, backref="pause_reasons", on_delete=CASCADE)
    account_id: int
    name = pw.CharField()

    class Meta:
        indexes = ((("account", "name"), True),)


class Agent(BaseModel):
    """The dialing side of a user: one per user."""

    user = pw.ForeignKeyField(User, unique=True, backref="agents", on_delete=CASCADE)
    user_id: int
    endpoint = pw.CharField()  # e.g. "PJSIP/agent1"
    state = EnumField(("logged_out", "logging_in", "available", "preview", "dialling", "on_call",
                       "wrap_up", "not_ready", "phone_lost"), default="logged_out")
    state_since = UTCDateTimeField(default=utcnow)
    # why not ready (None: no reason given, or not in not_ready)
    pause_reason = pw.ForeignKeyField(PauseReason, null=True, on_delete="SET NULL")
    pause_reason_id: int | None


class AgentGroupMember(BaseModel):
    group = pw.ForeignKeyField(AgentGroup, backref="members", on_delete=CASCADE)
    group_id: int
    agent = pw.ForeignKeyField(Agent, backref="memberships", on_delete=CASCADE)
    agent_id: int

    class Meta:
        indexes = ((("group", "agent"), True),)
