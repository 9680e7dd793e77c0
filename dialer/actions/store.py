"""Action-plan calls in the database: scheduling, taking the due ones, their attempt.

One transaction per function; the runtime gets records, the API dicts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ..db.database import is_postgres
from ..db.listing import paged
from ..db.models import Account, ActionCall, Attempt, Contact, ContactPhone, database_proxy
from ..db.validation import FieldError, integer, transaction
from ..inbound.ringing import ActionPlan, business_due
from ..inbound.store import ring_plan
from ..webhooks import outbox as webhooks


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


def list_action_calls(account_id: int, limit: int, offset: int,
                      status: str | None = None) -> dict:
    """The account's action calls, newest first."""
    Account.get_by_id(account_id)
    query = ActionCall.select().where(ActionCall.account == account_id)
    if status:
        if status not in ActionCall.status.values:
            raise FieldError("status", f"one of {', '.join(ActionCall.status.values)}")
        query = query.where(ActionCall.status == status)
    return paged(query.order_by(ActionCall.id.desc()), limit, offset, action_call_dict)


def due_action_calls(now: dt.datetime, node: str) -> list[ActionPlan]:
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
            out.append(ActionPlan(call.id, dataclasses.replace(
                plan, contact_id=contact.id, contact_name=contact.name, caller=phone.number)))
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
        close_attempt(attempt_id, outcome, now, cause)


def close_attempt(attempt_id: int, outcome: str | None, now: dt.datetime,
                  cause: int | None) -> None:
    """The contact's attempt ends (once: a closed one stays as it is)."""
    if (Attempt.update(outcome=outcome, ended_at=now, hangup_cause=cause)
            .where((Attempt.id == attempt_id) & Attempt.ended_at.is_null()).execute()):
        webhooks.attempt_finished(attempt_id, now)
