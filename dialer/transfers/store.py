"""The transfer legs' rows (dialer/db/models/transfers.py): the machine's `RecordLeg`
effects kept, one row per leg, its status current; an attempt's legs for its views."""

from __future__ import annotations

import datetime as dt

from typing import Any

from ..compliance.store import listed_reason
from ..core.phones import PhoneError, is_international, normalise
from ..db.asterisk_fields import home_region
from ..db.attempts import get_attempt
from ..db.listing import iso
from ..db.models import Attempt, Contact, TransferLeg
from ..db.suppression import is_suppressed
from ..db.validation import FieldError, text
from .events import RecordLeg, ToAgent, ToNumber


def external_target(attempt_id: int, number: Any) -> ToNumber:
    """`number` checked like the attempt's campaign calls (FieldError "number"): E.164 in
    the account's region, the plan's international rule, suppression and do-not-call
    lists; with the attempt's caller ID (else the company number)."""
    attempt = Attempt.get_by_id(attempt_id)
    account = Contact.get_by_id(attempt.contact_id).account
    region = home_region(account)
    try:
        e164 = normalise(text("number", number, max_length=64), region)
    except PhoneError as exc:
        raise FieldError("number", exc.reason) from None
    plan = account.plan
    if not (plan and plan.international_allowed) and is_international(e164, region):
        raise FieldError("number", f"{e164} is outside {region} and the plan does not allow "
                                   "international calls")
    campaign = attempt.campaign_id
    reason = (is_suppressed(phones=[e164], campaign_id=campaign) if campaign
              else is_suppressed(phones=[e164], account_id=account.id)) or listed_reason(
        account.id, campaign, [e164])
    if reason:
        raise FieldError("number", reason)
    return ToNumber(e164, attempt.caller_id or account.company_number,
                    bool(plan and plan.training))


def record_leg(effect: RecordLeg, now: dt.datetime) -> None:
    """The leg's row made on its first record, its status updated on the next ones."""
    updated = (TransferLeg.update(status=effect.status, updated_at=now)
               .where((TransferLeg.attempt == effect.attempt_id)
                      & (TransferLeg.leg_no == effect.leg_no)).execute())
    if updated:
        return
    target = effect.target
    to_agent = target.agent_id if isinstance(target, ToAgent) else None
    TransferLeg.insert(
        attempt=effect.attempt_id, leg_no=effect.leg_no, mode=effect.mode.value,
        by_agent=effect.by, to_agent=to_agent,
        to_group=target.group_id if isinstance(target, ToAgent) else None,
        to_number=None if isinstance(target, ToAgent) else target.number,
        status=effect.status, started_at=now, updated_at=now).execute()


def legs_of(attempt_id: int) -> list[dict]:
    """The attempt's legs, in order, as the API shows them."""
    rows = TransferLeg.select().where(TransferLeg.attempt == attempt_id).order_by(
        TransferLeg.leg_no)
    return [{"leg": r.leg_no, "mode": r.mode, "status": r.status, "by_agent_id": r.by_agent_id,
             "to_agent_id": r.to_agent_id, "to_group_id": r.to_group_id,
             "to_number": r.to_number, "started_at": iso(r.started_at),
             "updated_at": iso(r.updated_at)} for r in rows]


def attempt_with_legs(attempt_id: int) -> dict:
    """The attempt as the API shows it, with its transfer legs ("transfers")."""
    return get_attempt(attempt_id) | {"transfers": legs_of(attempt_id)}


def held_customers(node: str, channels: list[str]) -> list[tuple[int, str, int | None, int | None]]:
    """Of these channels, the customers of this node's open attempts that had reached an
    agent: (attempt, channel, agent, campaign), for the resync after a restart."""
    return [(a.id, a.channel_id, a.agent_id, a.campaign_id) for a in Attempt.select().where(
        (Attempt.node == node) & Attempt.ended_at.is_null() & Attempt.bridged_at.is_null(False)
        & Attempt.agent.is_null(False) & Attempt.channel_id.in_(channels))]
