"""The calling rules that hold for one number at one instant: the shipped jurisdiction
rules (jurisdictions.py), the account's calendar and its per-number caps, resolved into
what eligibility checks (outbound/eligibility.py): day rules read on the callee's clock,
and holds (a cap reached, a recall too soon) that clear at a known instant.

Caps count the account's calls to the number across all its campaigns (`PastCall`s);
the dialer counts them again under a lock when it writes the attempt (outbound/store.py
`start_attempt`), so nodes sharing a database never exceed them together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from ..outbound.windows import DayRule, Window
from .jurisdictions import (ALL_PURPOSES, DAY, WEEK, Purpose, Rule, applicable,
                            jurisdictions_of, public_holiday)


@dataclass(frozen=True, kw_only=True)
class CallingPolicy:
    """The account's and the campaign's own calling rules."""

    purpose: Purpose = Purpose.TELEMARKETING
    live_operator: bool = False  # preview mode: an agent is on every call
    closed_dates: frozenset[dt.date] = frozenset()  # the account's calendar
    max_per_number_day: int | None = None  # across the account's campaigns
    max_per_number_week: int | None = None


@dataclass(frozen=True)
class PastCall:
    """A call the account placed to the same number (any campaign)."""

    started_at: dt.datetime
    outcome: str | None  # None: still in progress


@dataclass(frozen=True)
class CapCount:
    """A cap and how many calls it counted (stored with each attempt)."""

    rule: str
    source: str
    limit: int
    period_hours: int
    count: int


@dataclass(frozen=True)
class Hold:
    code: str  # "number_cap" | "recall_hold"
    message: str
    until: dt.datetime


@dataclass(frozen=True)
class Applied:
    """Everything the rules say about one number at one instant."""

    jurisdictions: tuple[str, ...]
    rules: tuple[Rule, ...]
    day_rules: tuple[DayRule, ...]
    caps: tuple[CapCount, ...]
    holds: tuple[Hold, ...]


ACCOUNT_SOURCE = "the account's setting"


def account_rules(policy: CallingPolicy) -> tuple[Rule, ...]:
    caps = ((policy.max_per_number_day, DAY, "24 h"), (policy.max_per_number_week, WEEK, "7 days"))
    return tuple(Rule("account", f"{limit} calls per {label} per number", ACCOUNT_SOURCE,
                      ALL_PURPOSES, cap=(limit, period))
                 for limit, period, label in caps if limit is not None)


def evaluate(phone: str, policy: CallingPolicy, history: tuple[PastCall, ...],
             now: dt.datetime) -> Applied:
    where = jurisdictions_of(phone)
    rules = applicable(where, policy.purpose) + account_rules(policy)
    day_rules = tuple(_day_rule(r) for r in rules if r.hours is not None)
    if policy.closed_dates:
        day_rules += (DayRule(None, partial(_account_closed, policy.closed_dates),
                              "the account's calendar"),)
    caps, holds = [], []
    for rule in rules:
        if rule.cap is not None:
            count, hold = _cap(rule, rule.cap, history, now)
            caps.append(CapCount(rule.name, rule.source, rule.cap[0],
                                 int(rule.cap[1].total_seconds() // 3600), count))
            holds += [hold] if hold else []
        elif rule.recall is not None and not (rule.unless_live_operator and policy.live_operator):
            hold = _recall(rule, rule.recall, history, now)
            holds += [hold] if hold else []
    return Applied(where, rules, day_rules, tuple(caps), tuple(holds))


def _day_rule(rule: Rule) -> DayRule:
    assert rule.hours is not None
    by_weekday = tuple(None if day is None else Window(*day) for day in rule.hours.by_weekday)
    closed = partial(_holiday, rule.jurisdiction) if rule.hours.holidays_closed else _never
    return DayRule(by_weekday, closed, f"{rule.jurisdiction} {rule.name} ({rule.source})")


def _never(day: dt.date) -> str | None:
    return None


def _holiday(jurisdiction: str, day: dt.date) -> str | None:
    name = public_holiday(jurisdiction, day)
    return None if name is None else f"{day} is {name}, a public holiday in {jurisdiction}"


def _account_closed(dates: frozenset[dt.date], day: dt.date) -> str | None:
    return f"the account does not call on {day}" if day in dates else None


def _cap(rule: Rule, cap: tuple[int, dt.timedelta], history: tuple[PastCall, ...],
         now: dt.datetime) -> tuple[int, Hold | None]:
    limit, period = cap
    times = sorted(c.started_at for c in history if now - period < c.started_at <= now)
    if len(times) < limit:
        return len(times), None
    # Clears when the call that makes it `limit` leaves the rolling period.
    until = times[-limit] + period
    return len(times), Hold("number_cap", f"{len(times)} calls to this number in the last "
                            f"{_span(period)}: {rule.name} ({rule.source})", until)


def _recall(rule: Rule, recall: tuple[frozenset[str], dt.timedelta],
            history: tuple[PastCall, ...], now: dt.datetime) -> Hold | None:
    outcomes, hold = recall
    last = max((c.started_at for c in history if c.outcome in outcomes
                and now - hold < c.started_at <= now), default=None)
    if last is None:
        return None
    return Hold("recall_hold", f"{'/'.join(sorted(outcomes))} call at {last:%Y-%m-%d %H:%M} "
                f"UTC: {rule.name} ({rule.source})", last + hold)


def _span(period: dt.timedelta) -> str:
    return f"{period.days} days" if period.days >= 2 else f"{int(period.total_seconds() // 3600)} h"
