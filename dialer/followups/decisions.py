r"""Scheduled followups: wall-clock entry, the status machine, expiry, and what blocks one.

Pure functions of plain values and an explicit `now` (aware UTC; naive datetimes are taken
as UTC, as the database stores them), so the runtime can run them on a simulated clock.
`dialer.followups.store` stores what they decide.

    scheduled -> offered -> launched -> completed
        |           |  \-> scheduled (offer withdrawn: the agent left; offered again)
        \-----------+-> expired | cancelled | incompatible_channel_type | suppressed
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Iterable, Mapping, Sequence, TypeVar

from ..core.tz import load_zone

UTC = dt.timezone.utc
EXPIRY = dt.timedelta(minutes=5)  # not launched within 5 min of its start: expired
PREVIEW = "preview"
DIALING_MODES = ("preview", "progressive", "predictive")


class Status(StrEnum):
    SCHEDULED = "scheduled"
    OFFERED = "offered"
    LAUNCHED = "launched"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    INCOMPATIBLE_CHANNEL_TYPE = "incompatible_channel_type"
    SUPPRESSED = "suppressed"


_ENDINGS = {Status.EXPIRED, Status.CANCELLED, Status.INCOMPATIBLE_CHANNEL_TYPE,
            Status.SUPPRESSED}
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SCHEDULED: frozenset({Status.OFFERED, *_ENDINGS}),
    Status.OFFERED: frozenset({Status.LAUNCHED, Status.SCHEDULED, *_ENDINGS}),
    Status.LAUNCHED: frozenset({Status.COMPLETED}),
    **{s: frozenset() for s in (Status.COMPLETED, *_ENDINGS)},
}
TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
OPEN = frozenset({Status.SCHEDULED, Status.OFFERED})  # may still expire


class FollowupError(ValueError):
    """A followup request that cannot be honoured; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC; a naive value is taken to be UTC already (the database's form)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- wall-clock entry -----------------------------------------------------------------


def _zone(name: str) -> dt.tzinfo:
    zone = load_zone(name) if isinstance(name, str) else None
    if zone is None:
        raise FollowupError("timezone", f"{name!r} is not an IANA time zone")
    return zone


def local_to_utc(wall: dt.datetime, zone: str) -> dt.datetime:
    """The aware UTC instant at which clocks in `zone` show `wall` (a naive datetime).

    A time the clocks skip when daylight saving time starts does not exist: FollowupError
    (field "local_time"), since guessing would call an hour off. A time shown twice when it
    ends is ambiguous: the FIRST occurrence is taken (fold=0, the earlier instant, still on
    summer time), so the callback is never later than promised; see `is_ambiguous`.
    """
    if wall.tzinfo is not None:
        raise FollowupError("local_time", "give a wall-clock time without a UTC offset")
    tz = _zone(zone)
    wall = wall.replace(fold=0)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:  # a skipped wall time
        raise FollowupError("local_time", f"{wall:%Y-%m-%d %H:%M} does not exist in {zone}: "
                                          "the clocks skip it for daylight saving time")
    return instant


def is_ambiguous(wall: dt.datetime, zone: str) -> bool:
    """True when clocks in `zone` show `wall` twice (the hour repeated when DST ends)."""
    tz = _zone(zone)
    first, second = (wall.replace(tzinfo=tz, fold=f).utcoffset() for f in (0, 1))
    return first != second and not is_nonexistent(wall, zone)


def is_nonexistent(wall: dt.datetime, zone: str) -> bool:
    try:
        local_to_utc(wall.replace(tzinfo=None), zone)
    except FollowupError as exc:
        if exc.field == "timezone":
            raise
        return True
    return False


def utc_to_local(instant: dt.datetime, zone: str) -> dt.datetime:
    """The naive wall-clock time in `zone` at `instant` (for display)."""
    return utc(instant).astimezone(_zone(zone)).replace(tzinfo=None)


# --- status machine and expiry ----------------------------------------------------------


def transition(current: str, new: str) -> Status:
    """`new` if the machine allows current -> new, else FollowupError (field "status")."""
    try:
        cur, nxt = Status(current), Status(new)
    except ValueError:
        raise FollowupError("status", f"unknown status {current!r} or {new!r}") from None
    if nxt not in TRANSITIONS[cur]:
        raise FollowupError("status", f"a {cur} followup cannot become {nxt}")
    return nxt


def expiry_at(start: dt.datetime) -> dt.datetime:
    """When a followup starting at `start` expires unless launched (aware UTC)."""
    return utc(start) + EXPIRY


@dataclass(frozen=True)
class Slot:
    """The part of a followup the timing decisions need."""

    id: int
    agent_id: int
    status: str
    scheduled_at: dt.datetime


S = TypeVar("S", bound=Slot)


def is_due(slot: Slot, now: dt.datetime) -> bool:
    """Scheduled, started, and not yet expired: to be offered to its agent now."""
    now = utc(now)
    return (slot.status == Status.SCHEDULED
            and utc(slot.scheduled_at) <= now < expiry_at(slot.scheduled_at))


def is_expired(slot: Slot, now: dt.datetime) -> bool:
    """Not launched (still scheduled or offered) 5 minutes after its start."""
    return slot.status in OPEN and utc(now) >= expiry_at(slot.scheduled_at)


def due_followups(slots: Iterable[S], now: dt.datetime) -> list[S]:
    """Those to offer now, oldest start first (ties by id)."""
    return sorted((s for s in slots if is_due(s, now)),
                  key=lambda s: (utc(s.scheduled_at), s.id))


def expired(slots: Iterable[S], now: dt.datetime) -> list[S]:
    """Those to close as expired now, oldest start first."""
    return sorted((s for s in slots if is_expired(s, now)),
                  key=lambda s: (utc(s.scheduled_at), s.id))


# --- what blocks a followup -------------------------------------------------------------


def validate_passes(passes: Any) -> list[str]:
    """A strategy's passes: a non-empty list of dialing modes."""
    if not isinstance(passes, (list, tuple)) or not passes:
        raise FollowupError("passes", "must be a non-empty list of dialing modes")
    for mode in passes:
        if mode not in DIALING_MODES:
            raise FollowupError("passes", f"{mode!r} is not one of {', '.join(DIALING_MODES)}")
    return list(passes)


def first_pass_status(passes: Sequence[str]) -> Status | None:
    """None if the on-demand strategy starts with a preview pass (followups are preview
    calls), else INCOMPATIBLE_CHANNEL_TYPE: the status its followups are completed with."""
    return None if passes and passes[0] == PREVIEW else Status.INCOMPATIBLE_CHANNEL_TYPE


def suppression_reason(*, phones: Iterable[str], client_id: str | None,
                       devices: Mapping[str, str], client_ids: Mapping[str, str]) -> str | None:
    """Why this contact may not be called, or None. `devices`/`client_ids` map suppressed
    values to the name of the list holding them (only those that may match are needed)."""
    for phone in phones:
        if phone in devices:
            return f"{phone} is on do-not-call list {devices[phone]!r}"
    if client_id is not None and client_id in client_ids:
        return f"client id {client_id!r} is on do-not-call list {client_ids[client_id]!r}"
    return None


@dataclass(frozen=True)
class OfferVerdict:
    """`status`: OFFERED, SCHEDULED (not due yet: leave it) or the ending to record."""

    status: Status
    reason: str | None = None


def offer_verdict(slot: Slot, *, now: dt.datetime, passes: Sequence[str],
                  suppressed: str | None, followups_allowed: bool) -> OfferVerdict:
    """May this scheduled followup be offered to its agent now? Checks, in order: not due
    yet, expired, suppressed (`suppressed` is a `suppression_reason`), a strategy whose
    first pass is not preview, and the agent's groups no longer allowing followups."""
    if slot.status != Status.SCHEDULED:
        raise FollowupError("status", f"a {slot.status} followup cannot be offered")
    now = utc(now)
    if now < utc(slot.scheduled_at):
        start = utc(slot.scheduled_at)
        return OfferVerdict(Status.SCHEDULED, f"not due before {start:%Y-%m-%d %H:%M} UTC")
    if now >= expiry_at(slot.scheduled_at):
        return OfferVerdict(Status.EXPIRED, "not launched within 5 minutes of its start")
    if suppressed:
        return OfferVerdict(Status.SUPPRESSED, suppressed)
    incompatible = first_pass_status(passes)
    if incompatible:
        first = passes[0] if passes else "none"
        return OfferVerdict(incompatible, f"the on-demand strategy's first pass is {first}, "
                                          "not preview")
    if not followups_allowed:
        return OfferVerdict(Status.CANCELLED, "the agent's groups do not allow followups")
    return OfferVerdict(Status.OFFERED)


# --- the data a followup carries ----------------------------------------------------------


class Source(StrEnum):
    """Where the agent scheduled it: in a call, in wrap-up after one, or on the dedicated
    manual form while idle."""

    CALL = "call"
    WRAP_UP = "wrap_up"
    MANUAL = "manual"


@dataclass(frozen=True)
class Carried:
    """`data`: stored with the followup; `form`: what the agent's form shows afterwards."""

    data: dict[str, Any]
    form: dict[str, Any]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def carried_data(source: str, entered: Mapping[str, Any],
                 contact: Mapping[str, Any]) -> Carried:
    """What a followup carries, and what stays on the agent's form.

    manual: what was entered, and the form is cleared (it was for this followup only).
    call / wrap_up: what the agent entered stays (on the form and in the data); fields left
    blank are filled from the current contact's data.
    """
    if source not in tuple(Source):
        raise FollowupError("source", f"{source!r} is not one of {', '.join(Source)}")
    typed = {k: v for k, v in entered.items() if not _blank(v)}
    if source == Source.MANUAL:
        return Carried(data=typed, form={})
    return Carried(data={**{k: v for k, v in contact.items() if not _blank(v)}, **typed},
                   form=dict(entered))
