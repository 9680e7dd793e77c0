"""Calling hours on the callee's wall clock: a window, the time-based part of a contact's
eligibility resolved to zones (`Schedule`), whether it is clear at an instant, and the
earliest instant it clears (`next_clear`).

The wall-clock time of an instant is always well defined, even across DST changes, so DST
needs no special casing here; only `next_clear` has to know that wall clocks jump (see
`_candidates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
MIDNIGHT = dt.time(0, 0)
SEARCH_DAYS = 21  # how far ahead next_clear looks once dates and holds are met


@dataclass(frozen=True)
class Window:
    """Wall-clock interval [start, stop); stop None means midnight; start > stop wraps."""

    start: dt.time
    stop: dt.time | None

    def contains(self, t: dt.time) -> bool:
        if self.stop is None:
            return t >= self.start
        if self.start <= self.stop:  # start == stop is an empty window, not a full day
            return self.start <= t < self.stop
        return t >= self.start or t < self.stop

    def __str__(self) -> str:
        stop = "24:00" if self.stop is None else _hhmm(self.stop)
        return f"{_hhmm(self.start)}-{stop}"


@dataclass(frozen=True)
class DayRule:
    """Callee-local hours by weekday (Monday first; None: no calls that day) and closed
    dates: a jurisdiction's rule or the account's calendar. `label` names it and its source."""

    by_weekday: tuple[Window | None, ...] | None  # None: any hour
    closed: Callable[[dt.date], str | None]  # why a local date is closed, or None
    label: str

    def why_not(self, local: dt.datetime) -> tuple[str, str] | None:
        """("closed" | "hours", why) if no call may be made at this local time."""
        closed = self.closed(local.date())
        if closed:
            return "closed", closed
        if self.by_weekday is not None:
            window = self.by_weekday[local.weekday()]
            if window is None:
                return "closed", f"no calls on {local:%A}s"
            if not window.contains(local.time()):
                return "hours", f"{local:%A} {_hhmm(local.time())} is outside {window}"
        return None

    def bounds(self) -> set[dt.time]:
        return {b for w in self.by_weekday or () if w is not None
                for b in (w.start, w.stop) if b is not None}


@dataclass(frozen=True)
class Schedule:
    """Everything time-based, resolved to zones: what both check and the search need."""

    window: Window | None
    window_zones: tuple[ZoneInfo, ...]
    daily: Window | None
    daily_zones: tuple[ZoneInfo, ...]
    date_zones: tuple[ZoneInfo, ...]
    start_date: dt.date | None
    end_date: dt.date | None
    retry_at: dt.datetime | None
    day_rules: tuple[DayRule, ...] = ()
    rule_zones: tuple[ZoneInfo, ...] = ()  # the callee's: where day rules are read
    hold_until: dt.datetime | None = None  # caps and recall holds: not before this

    def zones(self) -> tuple[ZoneInfo, ...]:
        return tuple(dict.fromkeys(self.window_zones + self.daily_zones + self.date_zones
                                   + self.rule_zones))


def clear(s: Schedule, at: dt.datetime) -> bool:
    """`_time_reasons(s, at) == []`, without building messages (the search calls it a lot)."""
    if s.retry_at is not None and at < s.retry_at:
        return False
    if s.hold_until is not None and at < s.hold_until:
        return False
    if any(True for _ in broken_day_rules(s, at)):
        return False
    if s.start_date is not None and any(d < s.start_date for _, d in local_dates(
            s.date_zones, at)):
        return False
    if s.window is not None and any(True for _ in outside(s.window, s.window_zones, at)):
        return False
    if s.daily is not None and any(True for _ in outside(s.daily, s.daily_zones, at)):
        return False
    return True


def after_end(s: Schedule, at: dt.datetime) -> str | None:
    if s.end_date is None:
        return None
    for zone, day in local_dates(s.date_zones, at):
        if day > s.end_date:
            return f"the campaign ended on {s.end_date}; it is {day} in {zone.key}"
    return None


def broken_day_rules(s: Schedule, at: dt.datetime
                     ) -> Iterator[tuple[DayRule, str, str, dt.datetime]]:
    """(rule, kind, why, local time) for each day rule broken in one of the callee's zones."""
    for rule in s.day_rules:
        for zone in s.rule_zones:
            local = at.astimezone(zone)
            broken = rule.why_not(local)
            if broken:
                yield rule, broken[0], broken[1], local
                break


def outside(window: Window, zones: Iterable[ZoneInfo],
             at: dt.datetime) -> Iterator[tuple[str, dt.datetime]]:
    for zone in zones:
        local = at.astimezone(zone)
        if not window.contains(local.time()):
            yield zone.key, local


def local_dates(zones: Iterable[ZoneInfo], at: dt.datetime) -> Iterator[tuple[ZoneInfo, dt.date]]:
    for zone in zones:
        yield zone, at.astimezone(zone).date()


def outside_message(bad: list[tuple[str, dt.datetime]], window: str, shown: int = 3) -> str:
    parts = ", ".join(f"{local:%H:%M} in {key}" for key, local in bad[:shown])
    if len(bad) > shown:
        parts += f" and {len(bad) - shown} more zones"
    verb = "is" if len(bad) == 1 else "are"
    return f"{parts} {verb} outside {window}"


# --- when could it be dialled? --------------------------------------------------------


def next_clear(s: Schedule, now: dt.datetime) -> dt.datetime | None:
    """Earliest instant >= now when every time-based reason clears, before the end date.

    Exact, not stepped: the answer can only be `now`, the retry time, or an instant where
    some zone's wall clock reaches a boundary (window/daily edges, midnight) or jumps (DST);
    all such instants in the search span are tried in order.
    """
    lower = max([now] + [t for t in (s.retry_at, s.hold_until) if t is not None])
    if s.start_date is not None:
        # No zone is ahead of UTC+14, so nowhere is it start_date before this instant.
        first = dt.datetime.combine(s.start_date, MIDNIGHT, UTC) - dt.timedelta(hours=15)
        lower = max(lower, first)
    upper = lower + dt.timedelta(days=SEARCH_DAYS)
    for at in sorted(_candidates(s, lower, upper)):
        if clear(s, at):
            return None if after_end(s, at) else at
    return None


def _candidates(s: Schedule, lower: dt.datetime, upper: dt.datetime) -> set[dt.datetime]:
    found = {lower}
    if s.retry_at is not None and lower <= s.retry_at <= upper:
        found.add(s.retry_at)
    bounds = {MIDNIGHT}.union(*(rule.bounds() for rule in s.day_rules))
    for w in (s.window, s.daily):
        if w is not None:
            bounds.add(w.start)
            if w.stop is not None:
                bounds.add(w.stop)
    for zone in s.zones():
        day = lower.astimezone(zone).date() - dt.timedelta(days=1)
        last = upper.astimezone(zone).date() + dt.timedelta(days=1)
        while day <= last:
            for b in bounds:
                for fold in (0, 1):  # both occurrences of a wall time repeated at fall-back
                    at = dt.datetime.combine(day, b, zone).replace(fold=fold).astimezone(UTC)
                    if lower <= at <= upper:
                        found.add(at)
            day += dt.timedelta(days=1)
        found.update(_transitions(zone, lower, upper))
    return found


def _transitions(zone: ZoneInfo, lower: dt.datetime, upper: dt.datetime,
                 step: dt.timedelta = dt.timedelta(hours=6)) -> Iterator[dt.datetime]:
    """Instants in [lower, upper] where the zone's UTC offset changes (to the second)."""
    a = lower
    while a < upper:
        b = min(a + step, upper)
        if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset():
            lo, hi = a, b  # offset(lo) == offset(a) != offset(hi)
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == a.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            # tzdata transitions fall on whole seconds
            yield max(lower, hi.replace(microsecond=0))
        a = b


# --- small helpers --------------------------------------------------------------------


def utc(value: dt.datetime, name: str | None = None) -> dt.datetime:
    if value.tzinfo is None:
        if name is not None:
            raise ValueError(f"{name} must be an aware datetime")
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def naive(t: dt.time) -> dt.time:
    return t.replace(tzinfo=None)


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M:%S" if t.second or t.microsecond else "%H:%M")
