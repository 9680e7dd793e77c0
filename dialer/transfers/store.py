"""The transfer legs' rows (dialer/db/models/transfers.py): the machine's `RecordLeg`
effects kept, one row per leg, its status current, with the call's record (its attempt or
its inbound call); a call's legs for its views; external targets checked."""

from __future__ import annotations

import datetime as dt

from typing import Any

from ..compliance.store import listed_reason
from ..core.phones import PhoneError, is_international, normalise
from ..db.asterisk_fields import home_region
from ..db.attempts import get_attempt
from ..db.listing import iso
from ..db.models import Account, Attempt, Contact, InboundCall, RingGroup, TransferLeg
from ..db.suppression import is_suppressed
from ..db.validation import FieldError, text
from .events import CallKind, CallRecord, RecordLeg, ToAgent, ToNumber


def external_target(record: CallRecord, number: Any) -> ToNumber:
    """`number` checked like the call's campaign calls (FieldError "number"): E.164 in the
    account's region, the plan's international rule, suppression and do-not-call lists
    (the campaign's; an inbound call, or a call of no campaign: the account's); with the
    attempt's caller ID, or an inbound call's (`inbound_caller_id`), else the company
    number."""
    if record.kind is CallKind.INBOUND:
        inbound = InboundCall.get_by_id(record.id)
        account, campaign = inbound.account, None
        caller_id = inbound_caller_id(inbound)
    else:
        attempt = Attempt.get_by_id(record.id)
        account = Contact.get_by_id(attempt.contact_id).account
        campaign, caller_id = attempt.campaign_id, attempt.caller_id
    e164 = _allowed(account, campaign, number)
    plan = account.plan
    return ToNumber(e164, caller_id or account.company_number, bool(plan and plan.training))


def inbound_caller_id(inbound: InboundCall) -> str | None:
    """What an external target of an inbound call is shown, as the ring group's own legs
    (its forward number among them): the caller's number when the group shows the caller's
    (`caller_id_mode` "caller") and it is one, else None (the company number)."""
    group = RingGroup.select().where(RingGroup.account == inbound.account_id).order_by(
        RingGroup.id).first()
    if group is None or group.caller_id_mode != "caller":
        return None
    try:
        return normalise(inbound.caller, home_region(inbound.account))
    except PhoneError:
        return None  # withheld, or not a number


def _allowed(account: Account, campaign: int | None, number: Any) -> str:
    region = home_region(account)
    try:
        e164 = normalise(text("number", number, max_length=64), region)
    except PhoneError as exc:
        raise FieldError("number", exc.reason) from None
    plan = account.plan
    if not (plan and plan.international_allowed) and is_international(e164, region):
        raise FieldError("number", f"{e164} is outside {region} and the plan does not allow "
                                   "international calls")
    reason = (is_suppressed(phones=[e164], campaign_id=campaign) if campaign
              else is_suppressed(phones=[e164], account_id=account.id)) or listed_reason(
        account.id, campaign, [e164])
    if reason:
        raise FieldError("number", reason)
    return e164


def _of(record: CallRecord) -> Any:
    """The legs of the call's record (a peewee condition)."""
    if record.kind is CallKind.INBOUND:
        return TransferLeg.inbound_call == record.id
    return TransferLeg.attempt == record.id


def record_leg(effect: RecordLeg, now: dt.datetime) -> None:
    """The leg's row made on its first record, its status updated on the next ones."""
    updated = (TransferLeg.update(status=effect.status, updated_at=now)
               .where(_of(effect.record) & (TransferLeg.leg_no == effect.leg_no)).execute())
    if updated:
        return
    target = effect.target
    to_agent = target.agent_id if isinstance(target, ToAgent) else None
    inbound = effect.record.kind is CallKind.INBOUND
    TransferLeg.insert(
        attempt=None if inbound else effect.record.id,
        inbound_call=effect.record.id if inbound else None,
        leg_no=effect.leg_no, mode=effect.mode.value,
        by_agent=effect.by, to_agent=to_agent,
        to_group=target.group_id if isinstance(target, ToAgent) else None,
        to_number=None if isinstance(target, ToAgent) else target.number,
        status=effect.status, started_at=now, updated_at=now).execute()


def legs_of(record: CallRecord) -> list[dict]:
    """The call's legs, in order, as the API shows them."""
    rows = TransferLeg.select().where(_of(record)).order_by(TransferLeg.leg_no)
    return [{"leg": r.leg_no, "mode": r.mode, "status": r.status, "by_agent_id": r.by_agent_id,
             "to_agent_id": r.to_agent_id, "to_group_id": r.to_group_id,
             "to_number": r.to_number, "started_at": iso(r.started_at),
             "updated_at": iso(r.updated_at)} for r in rows]


def attempt_with_legs(attempt_id: int) -> dict:
    """The attempt as the API shows it, with its transfer legs ("transfers")."""
    return get_attempt(attempt_id) | {"transfers": legs_of(CallRecord(CallKind.ATTEMPT,
                                                                      attempt_id))}


def held_customers(node: str, channels: list[str]) -> list[tuple[int, str, int | None, int | None]]:
    """Of these channels, the customers of this node's open attempts that had reached an
    agent: (attempt, channel, agent, campaign), for the resync after a restart."""
    return [(a.id, a.channel_id, a.agent_id, a.campaign_id) for a in Attempt.select().where(
        (Attempt.node == node) & Attempt.ended_at.is_null() & Attempt.bridged_at.is_null(False)
        & Attempt.agent.is_null(False) & Attempt.channel_id.in_(channels))]
