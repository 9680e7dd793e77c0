"""Inbound: ring groups, inbound calls, action-plan calls, voicemails."""

from __future__ import annotations

import peewee as pw

from ..fields import E164Field, EnumField, UTCDateTimeField, utcnow
from .base import CASCADE, BaseModel
from .accounts import Account, User
from .agents import Agent
from .calls import Attempt
from .contacts import Contact


class RingGroup(BaseModel):
    account = pw.ForeignKeyField(Account, backref="ring_groups")
    account_id: int
    name = pw.CharField()
    strategy = EnumField(("default", "ordered", "simultaneous"), default="default")
    ring_seconds = pw.IntegerField(default=20)
    caller_id_mode = EnumField(("company", "caller"), default="company")
    pass_through = pw.BooleanField(default=False)
    forward_number = E164Field(null=True)
    route_to_assigned_user = pw.BooleanField(default=False)
    status_message = pw.BooleanField(default=False)
    # prompt references (dialer/prompts): what the caller hears while waiting (NULL: the
    # shipped pls-hold-while-try), and what an answering user hears before who calls
    status_prompt = pw.CharField(null=True)
    whisper_prompt = pw.CharField(null=True)
    members: pw.ModelSelect[RingGroupMember]  # backref, declared for the type checker


class RingGroupMember(BaseModel):
    ring_group = pw.ForeignKeyField(RingGroup, backref="members", on_delete=CASCADE)
    ring_group_id: int
    user = pw.ForeignKeyField(User, backref="ring_groups", on_delete=CASCADE)
    user_id: int
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("ring_group", "user"), True),)


class InboundCall(BaseModel):
    """A call to the company number of an account (dialer/inbound): opened when it arrives,
    `agent` and `connected_at` once an agent (through their session) or a user takes it,
    closed once when the caller's channel is gone. Its transfers are `TransferLeg` rows."""

    account = pw.ForeignKeyField(Account, backref="inbound_calls", on_delete=CASCADE)
    account_id: int
    channel_id = pw.CharField(unique=True)  # the caller's channel
    caller = pw.CharField()  # caller ID as received (E.164 when it is one)
    contact = pw.ForeignKeyField(Contact, null=True, backref="inbound_calls")
    contact_id: int | None
    agent = pw.ForeignKeyField(Agent, null=True, backref="inbound_calls")  # who took it
    agent_id: int | None
    started_at = UTCDateTimeField(default=utcnow)
    connected_at = UTCDateTimeField(null=True)
    ended_at = UTCDateTimeField(null=True)
    node = pw.CharField(null=True)  # whose PBX holds the caller's channel
    transfer_legs: pw.ModelSelect  # backref (models/transfers.py)

    class Meta:
        indexes = ((("account", "id"), False),)


class ActionCall(BaseModel):
    """An automated call of an action plan: ring the account's users (the ring group's
    options); the first to accept is connected to the contact. Delayed ones wait for
    business hours when the account has them."""

    account = pw.ForeignKeyField(Account, backref="action_calls")
    account_id: int
    contact = pw.ForeignKeyField(Contact, backref="action_calls")
    contact_id: int
    due_at = UTCDateTimeField()
    status = EnumField(("scheduled", "ringing", "calling", "connected", "completed",
                        "no_user", "no_answer"), default="scheduled")
    attempt = pw.ForeignKeyField(Attempt, null=True, backref="action_calls")
    attempt_id: int | None
    created_at = UTCDateTimeField(default=utcnow)
    node = pw.CharField(null=True)  # the dialer node that took it (rings, calls)


class Voicemail(BaseModel):
    account = pw.ForeignKeyField(Account, backref="voicemails")
    account_id: int
    contact = pw.ForeignKeyField(Contact, null=True, backref="voicemails")
    contact_id: int | None
    caller = pw.CharField()  # caller ID as received
    recording_name = pw.CharField()
    created_at = UTCDateTimeField(default=utcnow)
    duration_seconds = pw.IntegerField(null=True)  # as Asterisk measured the recording
    handled_at = UTCDateTimeField(null=True)  # marked handled in the inbox (null: not yet)
    handled_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL",
                                    backref="handled_voicemails")
    handled_by_id: int | None
