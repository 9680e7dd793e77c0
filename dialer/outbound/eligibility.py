"""May this contact be dialled now, and if not, why not and when?

`check()` is a pure function of plain dataclasses and `now`. It lists every reason that
applies (operators ask "why is nobody being called?", and the first reason alone hides the
others) and, when the only obstacles are time-based, the earliest instant they all clear.

Calling hours are judged on the callee's local wall clock, in every zone the number may
ring in: a number phonenumbers maps to several zones is only called when the window holds
in all of them (the windows and the search for `next_possible_at`: `windows.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..compliance.calling import Applied, CallingPolicy, PastCall, evaluate
from ..core.phones import PhoneError, is_international, normalise, region_of, zones_for
from ..core.tz import load_zone
from .windows import (MIDNIGHT, Schedule, Window, after_end, broken_day_rules, local_dates, naive,
                      next_clear, outside, outside_message, utc)

# Regulatory default calling hours, callee-local (FTC TSR / FCC; DESIGN.md section 4).
DEFAULT_WINDOW_START = dt.time(8, 0)
DEFAULT_WINDOW_STOP = dt.time(21, 0)
NO_POLICY = CallingPolicy()  # the shipped jurisdiction rules only
_INACTIVE_STATES = frozenset({"completed", "failed", "deleted"})


class Code(StrEnum):
    """Stable reason codes (API clients and reports match on them)."""

    CAMPAIGN_NOT_RUNNING = "campaign_not_running"  # `with_campaign_status`, never `check`
    NOT_WAITING = "not_waiting"
    INVALID_PHONE = "invalid_phone"
    SUPPRESSED_DEVICE = "suppressed_device"
    SUPPRESSED_CLIENT_ID = "suppressed_client_id"
    MAX_ATTEMPTS = "max_attempts"
    INTERNATIONAL_NOT_ALLOWED = "international_not_allowed"
    AFTER_END_DATE = "after_end_date"
    BEFORE_START_DATE = "before_start_date"
    UNKNOWN_ZONE = "unknown_zone"
    OUTSIDE_WINDOW = "outside_window"
    OUTSIDE_DAILY_HOURS = "outside_daily_hours"
    CLOSED_DAY = "closed_day"  # a jurisdiction's banned weekday or holiday, the account calendar
    JURISDICTION_HOURS = "jurisdiction_hours"
    RETRY_NOT_DUE = "retry_not_due"
    NUMBER_CAP = "number_cap"  # calls to the number per 24 h / 7 days, all campaigns
    RECALL_HOLD = "recall_hold"  # too soon after an abandoned call, a conversation
    HOURLY_CAP = "hourly_cap"


# Reasons that clear by themselves as time passes; next_possible_at is about these.
TIME_CODES = frozenset({Code.OUTSIDE_WINDOW, Code.OUTSIDE_DAILY_HOURS, Code.RETRY_NOT_DUE,
                        Code.BEFORE_START_DATE, Code.CLOSED_DAY, Code.JURISDICTION_HOURS,
                        Code.NUMBER_CAP, Code.RECALL_HOLD})
# Reasons no amount of waiting clears: next_possible_at is None.
PERMANENT_CODES = frozenset({Code.NOT_WAITING, Code.INVALID_PHONE, Code.SUPPRESSED_DEVICE,
                             Code.SUPPRESSED_CLIENT_ID, Code.MAX_ATTEMPTS,
                             Code.INTERNATIONAL_NOT_ALLOWED, Code.AFTER_END_DATE,
                             Code.UNKNOWN_ZONE})


@dataclass(frozen=True, kw_only=True)
class PlanRules:
    """The account's service plan. No window and not all_day: 08:00-21:00 callee-local."""

    window_start: dt.time | None = None
    window_stop: dt.time | None = None
    all_day: bool = False
    max_attempts_per_hour: int | None = None
    international_allowed: bool = False
    training: bool = False  # carried for the shell; no effect on eligibility


@dataclass(frozen=True, kw_only=True)
class CampaignRules:
    """Campaign schedule. Dates and daily hours are read in `timezone`, else callee-local."""

    start_date: dt.date | None = None
    end_date: dt.date | None = None  # inclusive: the campaign still dials on that day
    daily_start: dt.time | None = None
    daily_stop: dt.time | None = None
    timezone: str | None = None
    max_attempts: int = 3
    home_region: str


@dataclass(frozen=True, kw_only=True)
class ContactState:
    """A contact's progress in one campaign. A naive `next_attempt_at` is taken as UTC."""

    phone: str
    explicit_zone: str | None = None
    client_id: str | None = None
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    state: str = "waiting"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """`next_possible_at`: earliest instant the time-based reasons all clear (`now` when
    they already have); None when a permanent reason applies or nothing within reach.
    The hourly cap is the account's budget, not the contact's, so it is not forecast.
    `applied`: the calling rules that held for the number (None: an invalid number);
    `zones`: the callee's zones the rules were read in."""

    eligible: bool
    reasons: tuple[Reason, ...]
    next_possible_at: dt.datetime | None
    applied: Applied | None = field(default=None, compare=False)  # the evidence, not
    zones: tuple[str, ...] = field(default=(), compare=False)      # the verdict itself

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def hourly_cap_left(max_per_hour: int | None, attempts_last_hour: int) -> int | None:
    """Attempts still allowed this hour; None means unlimited."""
    if max_per_hour is None:
        return None
    return max(0, max_per_hour - attempts_last_hour)


def plan_window(plan: PlanRules) -> Window | None:
    """The callee-local window a plan imposes (None: all day). Missing sides default."""
    if plan.all_day:
        return None
    start = DEFAULT_WINDOW_START if plan.window_start is None else naive(plan.window_start)
    stop = DEFAULT_WINDOW_STOP if plan.window_stop is None else naive(plan.window_stop)
    return Window(start, stop)


def daily_window(campaign: CampaignRules) -> Window | None:
    if campaign.daily_start is None and campaign.daily_stop is None:
        return None
    start = MIDNIGHT if campaign.daily_start is None else naive(campaign.daily_start)
    stop = None if campaign.daily_stop is None else naive(campaign.daily_stop)
    return Window(start, stop)


# --- the check ------------------------------------------------------------------------


def check(contact: ContactState, campaign: CampaignRules, plan: PlanRules, *,
          now: dt.datetime, attempts_last_hour: int,
          suppressed_devices: frozenset[str] = frozenset(),
          suppressed_client_ids: frozenset[str] = frozenset(),
          policy: CallingPolicy = NO_POLICY, history: tuple[PastCall, ...] = ()
          ) -> Verdict:
    """Every reason `contact` may not be dialled at `now` (aware), and when it could be.
    The dialer screens do-not-call and suppression lists by index at claim time
    (dialer/compliance); the sets here serve a caller that holds a few numbers itself.
    `history`: the account's calls to the number in the last 7 days (caps, recall holds)."""
    now = utc(now, "now")
    reasons: list[Reason] = []

    def add(code: Code, message: str) -> None:
        reasons.append(Reason(code, message))

    if contact.state in _INACTIVE_STATES:
        add(Code.NOT_WAITING, f"contact is {contact.state}")
    phone_problem = _phone_problem(contact.phone)
    if phone_problem:
        add(Code.INVALID_PHONE, f"{contact.phone!r} cannot be dialled: {phone_problem}")
    if contact.phone in suppressed_devices:
        add(Code.SUPPRESSED_DEVICE, f"{contact.phone} is on a do-not-call list")
    if contact.client_id is not None and contact.client_id in suppressed_client_ids:
        add(Code.SUPPRESSED_CLIENT_ID, f"client id {contact.client_id!r} is on a do-not-call list")
    if contact.attempts >= campaign.max_attempts:
        add(Code.MAX_ATTEMPTS, f"{contact.attempts} of {campaign.max_attempts} attempts made")
    if not phone_problem and not plan.international_allowed and is_international(
            contact.phone, campaign.home_region):
        add(Code.INTERNATIONAL_NOT_ALLOWED,
            f"{contact.phone} is in {region_of(contact.phone)}, outside "
            f"{campaign.home_region.upper()}, and the plan does not allow international calls")

    schedule, zone_problems = _schedule(contact, campaign, plan)
    applied = None if phone_problem else evaluate(contact.phone, policy, history, now)
    if applied is not None:
        schedule = _with_rules(schedule, applied, contact.phone, zone_problems, reasons)
    for message in zone_problems:
        add(Code.UNKNOWN_ZONE, message)
    ended = after_end(schedule, now)
    if ended:
        add(Code.AFTER_END_DATE, ended)
    reasons.extend(_time_reasons(schedule, now))

    cap_left = hourly_cap_left(plan.max_attempts_per_hour, attempts_last_hour)
    if cap_left == 0:
        add(Code.HOURLY_CAP,
            f"{attempts_last_hour} of {plan.max_attempts_per_hour} attempts in the last hour")

    reasons.sort(key=lambda r: _ORDER[Code(r.code)])
    codes = {r.code for r in reasons}
    if codes & PERMANENT_CODES:
        next_at = None
    elif codes & TIME_CODES:
        next_at = next_clear(schedule, now)
    else:
        next_at = now
    return Verdict(not reasons, tuple(reasons), next_at, applied,
                   tuple(z.key for z in schedule.rule_zones))


def with_campaign_status(verdict: Verdict, status: str) -> Verdict:
    """The verdict an operator reads for one contact: a campaign that is not running is
    the first reason (the contact's own reasons still show, and when they would clear)."""
    if status == "running":
        return verdict
    stopped = Reason(Code.CAMPAIGN_NOT_RUNNING, f"campaign is {status}")
    return replace(verdict, eligible=False, reasons=(stopped, *verdict.reasons))


_ORDER = {code: i for i, code in enumerate(Code)}


def _phone_problem(phone: str) -> str | None:
    try:
        same = normalise(phone, "ZZ") == phone
    except PhoneError as exc:
        return exc.reason
    return None if same else "not in E.164 form"


def _schedule(contact: ContactState, campaign: CampaignRules,
              plan: PlanRules) -> tuple[Schedule, list[str]]:
    """Resolve zones; the returned messages are unknown_zone reasons."""
    problems: list[str] = []
    callee, callee_problem = _callee_zones(contact)  # callee None: unknown
    window = plan_window(plan)
    daily = daily_window(campaign)

    campaign_zone = None
    if campaign.timezone is not None:
        zone = load_zone(campaign.timezone)
        if zone is None:
            problems.append(f"campaign time zone {campaign.timezone!r} is unknown")
        else:
            campaign_zone = (zone,)

    if callee is None and (window is not None or (daily is not None and campaign.timezone
                                                  is None)):
        problems.append(callee_problem)
    schedule = Schedule(
        window=window,
        window_zones=callee or (),
        daily=daily,
        daily_zones=(campaign_zone if campaign.timezone is not None else callee) or (),
        date_zones=campaign_zone or callee or (ZoneInfo("UTC"),),
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        retry_at=None if contact.next_attempt_at is None else utc(contact.next_attempt_at),
        rule_zones=callee or (),
    )
    return schedule, problems


def _with_rules(schedule: Schedule, applied: Applied, phone: str, zone_problems: list[str],
                reasons: list[Reason]) -> Schedule:
    """The schedule with the calling rules' day rules and holds (their reasons added)."""
    if applied.day_rules and not schedule.rule_zones and not zone_problems:
        zone_problems.append(f"no time zone known for {phone} and calling rules apply: "
                             "set the contact's timezone")
    reasons.extend(Reason(Code(h.code), h.message) for h in applied.holds)
    return replace(schedule, day_rules=applied.day_rules,
                   hold_until=max((h.until for h in applied.holds), default=None))


def _callee_zones(contact: ContactState) -> tuple[tuple[ZoneInfo, ...] | None, str]:
    """The zones the callee may be in, or None and why not."""
    if contact.explicit_zone:
        zone = load_zone(contact.explicit_zone)
        if zone is None:
            return None, f"the contact's time zone {contact.explicit_zone!r} is unknown"
        return (zone,), ""
    unknown = (f"no time zone known for {contact.phone} and calling hours apply: "
               "set the contact's timezone")
    try:
        zones = tuple(load_zone(name) for name in zones_for(contact.phone))
    except PhoneError:
        return None, unknown
    if not zones or None in zones:
        return None, unknown
    return zones, ""  # type: ignore[return-value]


def _time_reasons(s: Schedule, at: dt.datetime) -> list[Reason]:
    reasons = []
    if s.window is not None:
        bad = list(outside(s.window, s.window_zones, at))
        if bad:
            reasons.append(Reason(Code.OUTSIDE_WINDOW, outside_message(bad, str(s.window))))
    if s.daily is not None:
        bad = list(outside(s.daily, s.daily_zones, at))
        if bad:
            reasons.append(Reason(Code.OUTSIDE_DAILY_HOURS,
                                  outside_message(bad, f"the campaign's hours {s.daily}")))
    for rule, kind, why, local in broken_day_rules(s, at):
        code = Code.CLOSED_DAY if kind == "closed" else Code.JURISDICTION_HOURS
        reasons.append(Reason(code, f"{why} in {local.tzinfo}: {rule.label}"))
    if s.retry_at is not None and at < s.retry_at:
        reasons.append(Reason(Code.RETRY_NOT_DUE,
                              f"next attempt is due at {s.retry_at:%Y-%m-%d %H:%M} UTC"))
    if s.start_date is not None:
        early = [(z.key, d) for z, d in local_dates(s.date_zones, at) if d < s.start_date]
        if early:
            reasons.append(Reason(Code.BEFORE_START_DATE,
                                  f"the campaign starts on {s.start_date}; it is "
                                  f"{early[0][1]} in {early[0][0]}"))
    return reasons
