"""Inbound calls to the company number: the ring plan, voicemail, ring-group settings.

One transaction per function; plain values out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..core.phones import PhoneError, normalise
from .ringing import business_due, ring_steps
from ..db import asterisk_fields
from ..db.database import is_postgres
from ..db.models import (Account, ActionCall, Agent, Attempt, Contact, ContactPhone, RingGroup, RingGroupMember,
                     User, Voicemail, database_proxy)
from ..db.validation import (FieldError, boolean, fmt_time, hhmm, integer, reject_unknown, text,
                         transaction)

SETTINGS = ("name", "strategy", "ring_seconds", "caller_id_mode", "pass_through",
            "forward_number", "route_to_assigned_user", "status_message")


def _e164(raw: str) -> str | None:
    try:
        return normalise(raw, "US")
    except PhoneError:
        return None


def ring_plan(dialled: str, caller: str) -> dict | None:
    """What to do with a call to `dialled` from `caller`; None if no account has that
    company number."""
    number = _e164(dialled)
    account = Account.get_or_none(Account.company_number == number) if number else None
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
    users = [targets[u.id] for u in members if targets[u.id]]
    assigned = targets[assigned_user.id] if assigned_user else None
    steps = ring_steps(strategy=group.strategy, ring_seconds=group.ring_seconds, users=users,
                       default_target=account.phone, assigned_target=assigned,
                       forward_number=group.forward_number)
    return {"account_id": account.id, "company_number": account.company_number,
            "caller": caller_e164 or caller, "contact_id": contact.id if contact else None,
            "contact_name": contact.name if contact else None,
            "caller_id_mode": group.caller_id_mode, "pass_through": group.pass_through,
            "forwarded": bool(group.forward_number), "status_message": group.status_message,
            "steps": steps,
            # numbers are then simulated in [dialer-training], never sent to the trunk
            "training": bool(account.plan and account.plan.training),
            # Users who are agents: rung through their dialer session when logged in.
            "agents": {targets[u]: a.id for u, a in agents.items() if targets.get(u)}}


def store_voicemail(account_id: int, contact_id: int | None, caller: str,
                    recording_name: str) -> int:
    return Voicemail.insert(account=account_id, contact=contact_id, caller=caller,
                            recording_name=recording_name).execute()


def list_voicemails(account_id: int) -> list[dict]:
    return [{"id": v.id, "contact_id": v.contact_id, "caller": v.caller,
             "recording_name": v.recording_name, "created_at": v.created_at.isoformat()}
            for v in Voicemail.select().where(Voicemail.account == account_id)
            .order_by(Voicemail.id)]


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



# --- action-plan calls: the same ring options, then the contact ----------------------------


@transaction
def schedule_action_call(account_id: int, /, *, contact_id: Any, now: dt.datetime,
                         delay_minutes: Any = 0) -> dict:
    """Immediate (delay 0), or delayed: then only in the account's business hours."""
    account = Account.get_by_id(account_id)
    contact = Contact.get_or_none((Contact.id == integer("contact_id", contact_id, minimum=1))
                                  & (Contact.account == account.id))
    if contact is None or not contact.phones.exists():
        raise FieldError("contact_id", "no contact with a phone number in this account")
    delay = integer("delay_minutes", delay_minutes)
    due = now + dt.timedelta(minutes=delay)
    if delay:
        due = business_due(due, account.timezone or "UTC", account.business_start,
                           account.business_stop)
    call = ActionCall.create(account=account, contact=contact, due_at=due)
    return action_call_dict(call)


def action_call_dict(call: ActionCall) -> dict:
    return {"id": call.id, "account_id": call.account_id, "contact_id": call.contact_id,
            "due_at": call.due_at.replace(tzinfo=dt.UTC).isoformat(), "status": call.status,
            "attempt_id": call.attempt_id}


def get_action_call(call_id: int) -> dict:
    return action_call_dict(ActionCall.get_by_id(call_id))


def due_action_calls(now: dt.datetime, node: str) -> list[dict]:
    """Scheduled action calls whose time has come, each marked ringing by `node`, with its
    ring plan (the contact is the party to reach once a user accepts). On PostgreSQL the
    rows are taken with SKIP LOCKED, so two nodes never take the same call."""
    out = []
    query = (ActionCall.select().where((ActionCall.status == "scheduled")
                                       & (ActionCall.due_at <= now))
             .order_by(ActionCall.due_at))
    if is_postgres(database_proxy):
        query = query.for_update(skip_locked=True)
    for call in query:
        call.node = node
        account, contact = call.account, call.contact
        phone = contact.phones.order_by(ContactPhone.position, ContactPhone.id).first()
        plan = ring_plan(account.company_number or "", phone.number)
        if plan is None:  # the account has no company number: nothing to show or ring
            call.status = "no_user"
        else:
            call.status = "ringing"
            out.append(plan | {"action_call_id": call.id, "contact_id": contact.id,
                               "contact_name": contact.name, "caller": phone.number})
        call.save()
    return out


def set_action_status(call_id: int, status: str, attempt_id: int | None = None) -> None:
    values = {"status": status} | ({"attempt": attempt_id} if attempt_id else {})
    ActionCall.update(**values).where(ActionCall.id == call_id).execute()


def start_action_attempt(call_id: int, *, phone: str, channel_id: str,
                         now: dt.datetime) -> int:
    call = ActionCall.get_by_id(call_id)
    attempt_id = Attempt.insert(contact=call.contact_id, phone=phone, channel_id=channel_id,
                                caller_id=call.account.company_number, started_at=now).execute()
    set_action_status(call_id, call.status, attempt_id)
    return attempt_id


def finish_action_call(call_id: int, status: str, attempt_id: int | None,
                       outcome: str | None, now: dt.datetime, cause: int | None) -> None:
    set_action_status(call_id, status)
    if attempt_id is not None:
        (Attempt.update(outcome=outcome, ended_at=now, hangup_cause=cause)
         .where((Attempt.id == attempt_id) & Attempt.ended_at.is_null()).execute())


@transaction
def set_business_hours(account_id: int, start: Any, stop: Any) -> dict:
    """Monday to Friday, in the account's zone; both null: none (delays are not moved)."""
    account = Account.get_by_id(account_id)
    account.business_start, account.business_stop = hhmm("start", start), hhmm("stop", stop)
    if (account.business_start is None) != (account.business_stop is None):
        raise FieldError("stop" if account.business_stop is None else "start",
                         "start and stop are set together (or neither)")
    if account.business_start is not None and account.business_start >= account.business_stop:
        raise FieldError("stop", "must be after start")
    account.save()
    return {"account_id": account.id, "start": fmt_time(account.business_start),
            "stop": fmt_time(account.business_stop), "timezone": account.timezone}
