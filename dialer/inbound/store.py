"""Inbound calls to the company number: the ring plan, the call's record (with its transfer
legs), voicemail, ring-group settings (business hours: the delays of action-plan calls,
dialer/actions/store.py).

One transaction per function; the ring plan as a record, the API's answers as dicts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from ..callerids import store as callerids
from ..core.phones import PhoneError, normalise
from .ringing import STATUS_PROMPT, RingPlan, ring_steps
from ..db import asterisk_fields
from ..prompts import files as prompt_files, model as prompts
from ..prompts.store import RING_GROUP_FIELDS, check_references
from ..db.audit import audited
from ..db.fields import utcnow
from ..webhooks import events as webhook_events, outbox as webhooks
from ..db.listing import iso, paged
from ..db.models import (Account, Agent, Contact, ContactPhone, InboundCall, RingGroup,
                         RingGroupMember, User, Voicemail)
from ..transfers.events import CallKind, CallRecord
from ..transfers.store import legs_of
from ..db.validation import (FieldError, NotFoundError, boolean, fmt_time, hhmm, integer, reject_unknown, text,
                         transaction)

SETTINGS = ("name", "strategy", "ring_seconds", "caller_id_mode", "pass_through",
            "forward_number", "route_to_assigned_user", "status_message", *RING_GROUP_FIELDS)


def _e164(raw: str) -> str | None:
    try:
        return normalise(raw, "US")
    except PhoneError:
        return None


def ring_plan(dialled: str, caller: str) -> RingPlan | None:
    """What to do with a call to `dialled` from `caller`; None if no account has that
    company number nor that number in a caller-ID pool (a callee calling back the number
    a campaign showed reaches the account's ring group)."""
    number = _e164(dialled)
    account = (Account.get_or_none(Account.company_number == number)
               or callerids.account_of_number(number)) if number else None
    if account is None:
        return None
    group = (RingGroup.select().where(RingGroup.account == account.id)
             .order_by(RingGroup.id).first()) or RingGroup(account=account)
    caller_e164 = _e164(caller) if caller else None
    contact = (Contact.select().join(ContactPhone)
               .where((Contact.account == account.id) & (ContactPhone.number == caller_e164))
               .order_by(Contact.id).first()) if caller_e164 else None
    members = [m.user for m in (RingGroupMember.select(RingGroupMember, User).join(User)
                                .where((RingGroupMember.ring_group == group.id)
                                       & (RingGroupMember.active == True)  # noqa: E712  SQL
                                       & (User.active == True))  # noqa: E712
                                .order_by(RingGroupMember.position, RingGroupMember.id))
               ] if group.id else []
    assigned_user = (contact.assigned_user if group.route_to_assigned_user and contact
                     and contact.assigned_user_id and contact.assigned_user.active else None)
    people = members + ([assigned_user] if assigned_user else [])
    agents = {a.user_id: a for a in Agent.select().where(Agent.user.in_([u.id for u in people]))}
    targets = {u.id: u.endpoint or u.phone or (agents[u.id].endpoint if u.id in agents else None)
               for u in people}
    users = [t for t in (targets[u.id] for u in members) if t]
    assigned = targets[assigned_user.id] if assigned_user else None
    steps = ring_steps(strategy=group.strategy, ring_seconds=group.ring_seconds, users=users,
                       default_target=account.phone, assigned_target=assigned,
                       forward_number=group.forward_number)

    def play(value: str | None, default: str) -> str:
        return prompts.media(value, default, account_id=account.id, files=prompt_files.location())
    return RingPlan(
        account_id=account.id, company_number=account.company_number,
        caller=caller_e164 or caller, contact_id=contact.id if contact else None,
        contact_name=contact.name if contact else None, caller_id_mode=group.caller_id_mode,
        pass_through=group.pass_through, forwarded=bool(group.forward_number),
        status_message=group.status_message, steps=steps,
        status_media=play(group.status_prompt, STATUS_PROMPT),
        whisper_media=play(group.whisper_prompt, "") if group.whisper_prompt else None,
        training=bool(account.plan and account.plan.training),
        agents=tuple((t, a.id) for u, a in agents.items() if (t := targets.get(u))))


@transaction
def arrived(dialled: str, caller: str, channel_id: str, now: dt.datetime,
            node: str | None = None) -> tuple[RingPlan | None, int | None]:
    """The call's ring plan (`ring_plan`) and its record, opened now (None: no account has
    the number, no record); a caller taken through the ring group again after a restart
    keeps the record opened before."""
    plan = ring_plan(dialled, caller)
    if plan is None:
        return None, None
    before = InboundCall.get_or_none(InboundCall.channel_id == channel_id)
    if before is not None:
        return plan, before.id
    return plan, InboundCall.insert(account=plan.account_id, channel_id=channel_id,
                                    caller=plan.caller[:255], contact=plan.contact_id,
                                    started_at=now, node=node).execute()


def record_connected(record_id: int, agent_id: int | None, now: dt.datetime) -> None:
    """Who took the call (an agent; None: a user's phone), and when."""
    InboundCall.update(agent=agent_id, connected_at=now).where(
        (InboundCall.id == record_id) & InboundCall.connected_at.is_null()).execute()


def close_record(record_id: int, now: dt.datetime) -> bool:
    """The call is over: its end written once (False: it was already)."""
    return bool(InboundCall.update(ended_at=now).where(
        (InboundCall.id == record_id) & InboundCall.ended_at.is_null()).execute())


def close_records_of(channel_ids: list[str], now: dt.datetime) -> int:
    """Calls taken back talking after a restart are over: their records closed once."""
    return InboundCall.update(ended_at=now).where(
        InboundCall.channel_id.in_(channel_ids) & InboundCall.ended_at.is_null()).execute()


def close_lost_records(node: str, live: set[str], now: dt.datetime) -> int:
    """At a resync: this node's open calls whose caller's channel is gone (they hung up
    while the dialer was down) are over."""
    open_calls = InboundCall.select(InboundCall.id, InboundCall.channel_id).where(
        (InboundCall.node == node) & InboundCall.ended_at.is_null())
    lost = [call.id for call in open_calls if call.channel_id not in live]
    return InboundCall.update(ended_at=now).where(InboundCall.id.in_(lost)).execute() if lost else 0


def inbound_call_dict(call: InboundCall) -> dict:
    return {"id": call.id, "account_id": call.account_id, "caller": call.caller,
            "contact_id": call.contact_id, "agent_id": call.agent_id,
            "started_at": iso(call.started_at), "connected_at": iso(call.connected_at),
            "ended_at": iso(call.ended_at)}


def list_inbound_calls(account_id: int, limit: int, offset: int) -> dict:
    """The account's inbound calls, newest first (their transfers: `get_inbound_call`)."""
    Account.get_by_id(account_id)
    query = InboundCall.select().where(InboundCall.account == account_id)
    return paged(query.order_by(InboundCall.id.desc()), limit, offset, inbound_call_dict)


def get_inbound_call(account_id: int, call_id: int) -> dict | None:
    """The call with its transfer legs ("transfers"); None: the account has no such call."""
    call = InboundCall.get_or_none((InboundCall.id == call_id)
                                   & (InboundCall.account == account_id))
    if call is None:
        return None
    return inbound_call_dict(call) | {"transfers": legs_of(CallRecord(CallKind.INBOUND, call.id))}


def store_voicemail(account_id: int, contact_id: int | None, caller: str,
                    recording_name: str, duration_seconds: int | None = None) -> int:
    now = utcnow()
    voicemail_id = Voicemail.insert(account=account_id, contact=contact_id, caller=caller,
                                    recording_name=recording_name, created_at=now,
                                    duration_seconds=duration_seconds).execute()
    webhooks.record(account_id, webhook_events.VoicemailLeft(
        voicemail_id=voicemail_id, caller=caller, contact_id=contact_id,
        recording_name=recording_name), now)
    return voicemail_id


def voicemail_dict(v: Voicemail) -> dict:
    """A voicemail of the inbox: who called (and their contact), when, how long, and who
    marked it handled when (null: not handled)."""
    return {"id": v.id, "contact_id": v.contact_id, "caller": v.caller,
            "recording_name": v.recording_name, "created_at": iso(v.created_at),
            "duration_seconds": v.duration_seconds, "handled": v.handled_at is not None,
            "handled_at": iso(v.handled_at), "handled_by": v.handled_by_id,
            "handled_by_name": v.handled_by.username if v.handled_by is not None else None}


def list_voicemails(account_id: int, limit: int, offset: int,
                    handled: bool | None = None) -> dict:
    """The account's voicemails, newest first; `handled` True / False: only those."""
    Account.get_by_id(account_id)
    query = (Voicemail.select(Voicemail, User).join(User, pw.JOIN.LEFT_OUTER,
                                                    on=Voicemail.handled_by == User.id)
             .where(Voicemail.account == account_id).order_by(Voicemail.id.desc()))
    if handled is not None:
        query = query.where(Voicemail.handled_at.is_null(not handled))
    return paged(query, limit, offset, voicemail_dict)


def _voicemail(account_id: int, voicemail_id: int) -> Voicemail:
    vm = Voicemail.get_or_none((Voicemail.id == voicemail_id)
                               & (Voicemail.account == account_id))
    if vm is None:
        raise NotFoundError("voicemail_id", "no such voicemail in this account")
    return vm


def get_voicemail(account_id: int, voicemail_id: int) -> dict:
    return voicemail_dict(_voicemail(account_id, voicemail_id))


@transaction
@audited("voicemail", target=lambda args, kwargs: args[1])
def set_voicemail_handled(account_id: int, voicemail_id: int, handled: Any, by_user_id: int,
                          now: dt.datetime) -> dict:
    """Mark the voicemail handled by the user, now (or not handled again)."""
    vm = _voicemail(account_id, voicemail_id)
    if boolean("handled", handled):
        vm.handled_at, vm.handled_by_id = now, by_user_id
    else:
        vm.handled_at, vm.handled_by_id = None, None
    vm.save()
    return get_voicemail(account_id, voicemail_id)


def voicemail_recording(account_id: int, voicemail_id: int) -> str:
    """The voicemail's recording name (404 "voicemail_id" when the account has no such
    voicemail)."""
    return _voicemail(account_id, voicemail_id).recording_name


@transaction
def set_ring_group(account_id: int, /, **values: Any) -> dict:
    """Create or change the account's ring group (one per company number)."""
    reject_unknown(values, SETTINGS)
    account = Account.get_by_id(account_id)
    group = (RingGroup.select().where(RingGroup.account == account.id).first()
             or RingGroup(account=account, name="company number"))
    for name, value in values.items():
        if name in ("strategy", "caller_id_mode"):
            choices = RingGroup._meta.fields[name].values
            if value not in choices:
                raise FieldError(name, f"{value!r} is not one of {', '.join(choices)}")
        elif name == "ring_seconds":
            value = integer(name, value, minimum=5)
        elif name == "forward_number":
            value = asterisk_fields.phone(name, value, account, nullable=True)
        elif name == "name":
            value = text(name, value)
        elif name in RING_GROUP_FIELDS:
            value = asterisk_fields.prompt(name, value, nullable=True)
            check_references(account.id, {name: value})
        else:
            value = boolean(name, value)
        setattr(group, name, value)
    group.save()
    return ring_group_dict(group)


@transaction
def set_members(account_id: int, members: Any) -> dict:
    """The ring group's users in ring order: [{"user_id": 3, "active": true}, ...]."""
    account = Account.get_by_id(account_id)
    group = RingGroup.get(RingGroup.account == account.id)
    if not isinstance(members, list):
        raise FieldError("members", "must be a list of {user_id, active}")
    RingGroupMember.delete().where(RingGroupMember.ring_group == group.id).execute()
    for position, m in enumerate(members):
        if not isinstance(m, dict):
            raise FieldError(f"members[{position}]", "must be an object")
        user = User.get_or_none((User.id == m.get("user_id")) & (User.account == account.id))
        if user is None:
            raise FieldError(f"members[{position}].user_id", "no such user in this account")
        RingGroupMember.create(ring_group=group, user=user, position=position,
                               active=boolean(f"members[{position}].active",
                                              m.get("active", True)))
    return ring_group_dict(group)


def ring_group_dict(group: RingGroup) -> dict:
    body = {name: getattr(group, name) for name in SETTINGS}
    body["id"], body["account_id"] = group.id, group.account_id
    body["members"] = [{"user_id": m.user_id, "active": m.active, "position": m.position}
                       for m in group.members.order_by(RingGroupMember.position)]
    return body


def get_ring_group(account_id: int) -> dict | None:
    """None when the account has no ring group yet."""
    Account.get_by_id(account_id)
    group = RingGroup.select().where(RingGroup.account == account_id).first()
    return ring_group_dict(group) if group is not None else None



@transaction
@audited("account")
def set_business_hours(account_id: int, start: Any, stop: Any) -> dict:
    """Monday to Friday, in the account's zone; both null: none (delays are not moved)."""
    account = Account.get_by_id(account_id)
    account.business_start, account.business_stop = hhmm("start", start), hhmm("stop", stop)
    if (account.business_start is None) != (account.business_stop is None):
        raise FieldError("stop" if account.business_stop is None else "start",
                         "start and stop are set together (or neither)")
    if (account.business_start is not None and account.business_stop is not None
            and account.business_start >= account.business_stop):
        raise FieldError("stop", "must be after start")
    account.save()
    return {"account_id": account.id, "start": fmt_time(account.business_start),
            "stop": fmt_time(account.business_stop), "timezone": account.timezone}
