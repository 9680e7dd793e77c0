"""Scheduled followups: create, list, cancel, and the steps the runtime takes them through.

Decisions come from `dialer.followups.decisions`; this module reads what they need and stores what they decide.
Permission (the agent's groups) and suppression (lists applied to the account's on-demand strategy) are checked
at creation and again at offer time. One transaction per function; plain dicts out; datetimes as ISO 8601 UTC.

The runtime's part, on its clock `now`:
    for f in due_followups(now, agent_ids=free_agents): offer_followup(f["id"], now)
    launch_followup(id, now, attempt_id=...) when the agent dials; complete_followup after;
    withdraw_offer(id, now) if the agent leaves; expire_due(now) every few seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Iterable

from . import decisions as core
from .decisions import EXPIRY, FollowupError, Slot, Status
from ..core.phones import PhoneError, zones_for
from ..db.models import Account, Agent, Attempt, Campaign, Contact, ContactPhone, Followup
from ..db.rows import tuples
from ..db.permissions import agent_may
from ..db.listing import paged
from ..db.queries import Visible, campaign_scope
from ..db.suppression import is_suppressed, on_demand_strategy
from ..compliance.store import listed_reason
from ..db.validation import ConflictError, FieldError, integer, transaction
from ..webhooks import outbox as webhooks

ZONE_CHOICES = ("agent", "contact")
_STEP_COLUMN = {Status.OFFERED: "offered_at", Status.LAUNCHED: "launched_at"}


@contextlib.contextmanager
def _field_errors(conflict: bool = False):
    """The core's FollowupError as the web layer's FieldError (or ConflictError)."""
    try:
        yield
    except FollowupError as exc:
        raise (ConflictError if conflict else FieldError)(exc.field, str(exc)) from None


def _iso(value: dt.datetime | None) -> str | None:
    return core.utc(value).isoformat() if value is not None else None


def followup_dict(f: Followup) -> dict:
    local = core.utc_to_local(f.scheduled_at, f.timezone)
    return {"id": f.id, "account_id": f.account_id, "agent_id": f.agent_id,
            "contact_id": f.contact_id, "campaign_id": f.campaign_id,
            "scheduled_at": _iso(f.scheduled_at), "timezone": f.timezone,
            "local_time": local.isoformat(timespec="minutes"),
            "expires_at": _iso(core.expiry_at(f.scheduled_at)),
            "status": f.status, "status_reason": f.status_reason, "source": f.source,
            "origin_attempt_id": f.origin_attempt_id, "attempt_id": f.attempt_id,
            "data": f.data or {}, "created_at": _iso(f.created_at),
            "offered_at": _iso(f.offered_at), "launched_at": _iso(f.launched_at),
            "closed_at": _iso(f.closed_at)}


def _slot(f: Followup) -> Slot:
    return Slot(f.id, f.agent_id, f.status, f.scheduled_at)


def _phones(contact_id: int) -> list[str]:
    return [n for (n,) in tuples(ContactPhone.select(ContactPhone.number)
            .where(ContactPhone.contact == contact_id)
            .order_by(ContactPhone.position, ContactPhone.id))]


def _contact_view(contact: Contact) -> dict:
    return {"id": contact.id, "name": contact.name, "phones": _phones(contact.id),
            "email": contact.email, "client_id": contact.client_id,
            "timezone": contact.timezone, "fields": contact.fields or {}}


def _suppressed(contact: Contact, campaign_id: int | None) -> str | None:
    """The dialled number is the contact's first, as in campaigns (eligibility): on a list
    of the on-demand strategy, or a do-not-call list of the account or the campaign."""
    phones = _phones(contact.id)[:1]
    return is_suppressed(phones=phones, client_id=contact.client_id,
                         account_id=contact.account_id) or listed_reason(
        contact.account_id, campaign_id, phones, contact.client_id)


def _passes(account_id: int) -> list[str]:
    return list(on_demand_strategy(account_id).passes or [])


def _move(f: Followup, new: Status, now: dt.datetime, reason: str | None = None) -> None:
    """Apply one step of the status machine (ConflictError if it does not allow it)."""
    with _field_errors(conflict=True):
        f.status = core.transition(f.status, new).value  # plain str for any driver
    f.status_reason = reason
    column = _STEP_COLUMN.get(new)
    if column:
        setattr(f, column, now)
    elif new in core.TERMINAL:
        f.closed_at = now
    f.save()
    webhooks.followup_moved(f, new is Status.EXPIRED, now)


# --- scheduling -------------------------------------------------------------------------

def _agent_zone(agent: Agent) -> str:
    return agent.user.timezone or agent.user.account.timezone or "UTC"


def _contact_zone(contact: Contact) -> str:
    """The contact's own zone, else the one its first number rings in (if only one)."""
    if contact.timezone:
        return contact.timezone
    phones = _phones(contact.id)
    try:
        zones = zones_for(phones[0]) if phones else ()
    except PhoneError:
        zones = ()
    if len(zones) != 1:
        found = f"its number may ring in {', '.join(zones)}" if zones else "no zone is known"
        raise FieldError("zone", f"the contact has no time zone and {found}: "
                                 "enter the time in the agent's zone")
    return zones[0]


def _local_time(value: Any) -> dt.datetime:
    try:
        wall = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        wall = None
    if wall is None or wall.tzinfo is not None:
        raise FieldError("local_time", f"{value!r} is not a local date and time as "
                                       "YYYY-MM-DDTHH:MM (no UTC offset)")
    return wall.replace(second=0, microsecond=0)


def _origin(agent: Agent, attempt_id: Any, contact_id: Any) -> tuple[Attempt | None, Contact]:
    """The call the followup is scheduled from (if any) and the followup's contact."""
    attempt = None
    if attempt_id is not None:
        attempt = Attempt.get_or_none(Attempt.id == integer("attempt_id", attempt_id, minimum=1))
        if attempt is None:
            raise FieldError("attempt_id", "no such attempt")
        if attempt.agent_id is not None and attempt.agent_id != agent.id:
            raise ConflictError("attempt_id", "another agent took that call")
        if contact_id is None:
            contact_id = attempt.contact_id
        elif contact_id != attempt.contact_id:
            raise FieldError("contact_id", "is not the contact of attempt_id")
    if contact_id is None:
        raise FieldError("contact_id", "required (or attempt_id, for a call)")
    contact = Contact.get_or_none((Contact.id == integer("contact_id", contact_id, minimum=1))
                                  & (Contact.account == agent.user.account_id))
    if contact is None:
        raise FieldError("contact_id", "no such contact in the agent's account")
    return attempt, contact


def _campaign_id(agent: Agent, campaign_id: Any, attempt: Attempt | None) -> int | None:
    if campaign_id is None:
        return attempt.campaign_id if attempt else None
    if not Campaign.select().where((Campaign.id == integer("campaign_id", campaign_id, minimum=1))
                                   & (Campaign.account == agent.user.account_id)).exists():
        raise FieldError("campaign_id", "no such campaign in the agent's account")
    return campaign_id


@transaction
def create_followup(agent_id: int, /, *, local_time: Any, now: dt.datetime,
                    zone: Any = "agent", contact_id: Any = None, attempt_id: Any = None,
                    campaign_id: Any = None, source: Any = "manual", data: Any = None) -> dict:
    """Schedule a followup owned by `agent_id`.

    `local_time` ("YYYY-MM-DDTHH:MM") is read in the agent's zone (user, else account,
    else UTC) or, with zone="contact", the contact's. `source`: "call" or "wrap_up" (give
    `attempt_id`: the contact and campaign come from that call) or "manual" (give
    `contact_id`). `data` is the agent's form; see `core.carried_data`.

    Returns the followup, plus "form" (what the agent's form shows now) and
    "ambiguous_time" (the wall time happens twice; the first was taken). Refused
    (ConflictError) if no group of the agent allows followups or the contact is suppressed;
    created already closed as incompatible_channel_type if the strategy's first pass is
    not preview.
    """
    agent = Agent.get_by_id(agent_id)
    if not agent_may(agent.id, "followups"):
        raise ConflictError("agent_id", "none of the agent's groups allows followups")
    if source not in tuple(core.Source):
        raise FieldError("source", f"{source!r} is not one of {', '.join(core.Source)}")
    if source == core.Source.MANUAL and attempt_id is not None:
        raise FieldError("attempt_id", "a manual followup is not scheduled from a call")
    if source != core.Source.MANUAL and attempt_id is None:
        raise FieldError("attempt_id", f"required for a followup scheduled in {source}")
    attempt, contact = _origin(agent, attempt_id, contact_id)
    campaign = _campaign_id(agent, campaign_id, attempt)
    if zone not in ZONE_CHOICES:
        raise FieldError("zone", f"{zone!r} is not one of {', '.join(ZONE_CHOICES)}")
    zone_name = _agent_zone(agent) if zone == "agent" else _contact_zone(contact)
    wall = _local_time(local_time)
    with _field_errors():
        start = core.local_to_utc(wall, zone_name)
        ambiguous = core.is_ambiguous(wall, zone_name)
    if start < core.utc(now).replace(second=0, microsecond=0):
        raise FieldError("local_time", f"{wall:%Y-%m-%d %H:%M} in {zone_name} is in the past")
    reason = _suppressed(contact, campaign)
    if reason:
        raise ConflictError("contact_id", reason)
    if data is not None and not isinstance(data, dict):
        raise FieldError("data", "must be an object")
    contact_data = {**(contact.fields or {}), "name": contact.name, "email": contact.email,
                    "client_id": contact.client_id}
    carried = core.carried_data(source, data or {}, contact_data)
    f = Followup.create(account=contact.account_id, agent=agent, contact=contact,
                        campaign=campaign, scheduled_at=start, timezone=zone_name,
                        source=source, origin_attempt=attempt, data=carried.data,
                        created_at=now)
    incompatible = core.first_pass_status(_passes(contact.account_id))
    if incompatible:
        _move(f, incompatible, now, "the on-demand strategy's first pass is not preview")
    webhooks.followup_moved(f, f.status == Status.SCHEDULED, now)
    return followup_dict(f) | {"form": carried.form, "ambiguous_time": ambiguous}


@transaction
def get_followup(followup_id: int) -> dict:
    return followup_dict(Followup.get_by_id(followup_id))


@transaction
def list_followups(*, agent_id: int | None = None, account_id: int | None = None,
                   contact_id: int | None = None, status: str | None = None,
                   visible: Visible = None) -> list[dict]:
    """Followups by start time, filtered by any of the arguments (`visible`: of these
    campaigns, or of none)."""
    query = campaign_scope(Followup.select().order_by(Followup.scheduled_at, Followup.id),
                           Followup.campaign, visible)
    for column, value in ((Followup.agent, agent_id), (Followup.account, account_id),
                          (Followup.contact, contact_id)):
        if value is not None:
            query = query.where(column == value)
    if status is not None:
        if status not in tuple(Status):
            raise FieldError("status", f"{status!r} is not one of {', '.join(Status)}")
        query = query.where(Followup.status == status)
    return [followup_dict(f) for f in query]


def _owned(followup_id: int, agent_id: int | None) -> Followup:
    f = Followup.get_by_id(followup_id)
    if agent_id is not None and f.agent_id != agent_id:
        raise ConflictError("agent_id", "the followup belongs to another agent")
    return f


@transaction
def cancel_followup(followup_id: int, *, now: dt.datetime, agent_id: int | None = None,
                    reason: str = "cancelled by the agent") -> dict:
    """Cancel a scheduled or offered followup (by its agent, when `agent_id` is given)."""
    f = _owned(followup_id, agent_id)
    _move(f, Status.CANCELLED, now, reason)
    return followup_dict(f)


# --- the runtime's steps ------------------------------------------------------------------


@transaction
def due_followups(now: dt.datetime, agent_ids: Iterable[int] | None = None) -> list[dict]:
    """Scheduled followups whose start has come and that have not expired, oldest first
    (only those of `agent_ids` when given). Offer each with `offer_followup`."""
    query = Followup.select().where((Followup.status == Status.SCHEDULED.value)
                                    & (Followup.scheduled_at <= now)
                                    & (Followup.scheduled_at > core.utc(now) - EXPIRY))
    if agent_ids is not None:
        query = query.where(Followup.agent.in_(list(agent_ids)))
    rows = {f.id: f for f in query}
    return [followup_dict(rows[s.id])
            for s in core.due_followups((_slot(f) for f in rows.values()), now)]


@transaction
def offer_followup(followup_id: int, now: dt.datetime) -> dict:
    """Offer a scheduled followup to its agent, re-checking expiry, suppression, the
    strategy's first pass and the agent's permission; a failed check closes it with the
    status and reason. Returns the followup with "offered" (bool) and, when offered,
    "contact" (name, phones: dial the first, fields...) for the preview screen."""
    f = Followup.get_by_id(followup_id)
    with _field_errors(conflict=True):
        verdict = core.offer_verdict(_slot(f), now=now, passes=_passes(f.account_id),
                                     suppressed=_suppressed(f.contact, f.campaign_id),
                                     followups_allowed=agent_may(f.agent_id, "followups"))
    if verdict.status != Status.SCHEDULED:
        _move(f, verdict.status, now, verdict.reason)
    offered = verdict.status == Status.OFFERED
    return followup_dict(f) | {"offered": offered, "reason": verdict.reason,
                               "contact": _contact_view(f.contact) if offered else None}


@transaction
def withdraw_offer(followup_id: int, now: dt.datetime) -> dict:
    """Back to scheduled (the agent left or went not ready): offered again while not expired."""
    f = Followup.get_by_id(followup_id)
    _move(f, Status.SCHEDULED, now)
    return followup_dict(f)


@transaction
def launch_followup(followup_id: int, now: dt.datetime, *, agent_id: int | None = None,
                    attempt_id: int | None = None) -> dict:
    """The agent dials an offered followup. Past its expiry it is recorded as expired
    instead: check the returned "status" is "launched" before dialling."""
    f = _owned(followup_id, agent_id)
    if core.is_expired(_slot(f), now):
        _move(f, Status.EXPIRED, now, "not launched within 5 minutes of its start")
    else:
        _move(f, Status.LAUNCHED, now)
        if attempt_id is not None:
            f.attempt_id = attempt_id
            f.save()
    return followup_dict(f)


@transaction
def complete_followup(followup_id: int, now: dt.datetime, *,
                      attempt_id: int | None = None) -> dict:
    """The followup's call is over."""
    f = Followup.get_by_id(followup_id)
    if attempt_id is not None:
        f.attempt_id = attempt_id
    _move(f, Status.COMPLETED, now)
    return followup_dict(f)


@transaction
def expire_due(now: dt.datetime) -> list[dict]:
    """Close as expired (status, reason, closed_at=now) every scheduled or offered followup
    not launched within 5 minutes of its start. Returns them, so the runtime can take
    offered ones off their agents' screens."""
    query = Followup.select().where(Followup.status.in_([s.value for s in core.OPEN])
                                    & (Followup.scheduled_at <= core.utc(now) - EXPIRY))
    rows = {f.id: f for f in query}
    done = []
    for slot in core.expired((_slot(f) for f in rows.values()), now):
        f = rows[slot.id]
        _move(f, Status.EXPIRED, now, "not launched within 5 minutes of its start")
        done.append(followup_dict(f))
    return done


# --- the on-demand strategy ---------------------------------------------------------------


def _strategy_dict(account_id: int) -> dict:
    strategy = on_demand_strategy(account_id)
    passes = list(strategy.passes or [])
    return {"account_id": account_id, "passes": passes,
            "followups_compatible": core.first_pass_status(passes) is None,
            "suppression_list_ids": sorted(link.list_id for link in strategy.suppressions)}


@transaction
def get_strategy(account_id: int) -> dict:
    """The account's on-demand strategy (services followups): passes and applied lists."""
    Account.get_by_id(account_id)
    return _strategy_dict(account_id)


@transaction
def set_strategy(account_id: int, passes: Any) -> dict:
    """Set its passes (dialing modes in order). A first pass other than preview makes
    followups incompatible_channel_type when created or offered."""
    Account.get_by_id(account_id)
    with _field_errors():
        passes = core.validate_passes(passes)
    strategy = on_demand_strategy(account_id)
    strategy.passes = passes
    strategy.save()
    return _strategy_dict(account_id)


def list_account_followups(account_id: int, limit: int, offset: int, visible: Visible,
                           status: str | None = None, agent_id: int | None = None,
                           contact_id: int | None = None) -> dict:
    """The account's followups by start time, in the campaigns the caller sees (and those
    of no campaign)."""
    Account.get_by_id(account_id)
    query = Followup.select().where(Followup.account == account_id)
    if status:
        if status not in Followup.status.values:
            raise FieldError("status", f"one of {', '.join(Followup.status.values)}")
        query = query.where(Followup.status == status)
    if agent_id is not None:
        query = query.where(Followup.agent == agent_id)
    if contact_id is not None:
        query = query.where(Followup.contact == contact_id)
    query = campaign_scope(query, Followup.campaign, visible)
    return paged(query.order_by(Followup.scheduled_at, Followup.id), limit, offset,
                 followup_dict)
