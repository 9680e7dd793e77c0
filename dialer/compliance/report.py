"""The compliance report, pure: abandonment per day against the legal limit, calls placed
outside allowed hours (recomputed), do-not-call hits prevented, consent announcements.

Days are the account's local calendar days (its time zone, DST included). Abandonment is
abandoned humans of all humans who answered (as pacing measures it, outbound.pacing), the
people AMD is estimated to have hung up on as machines counted in both (shown apart too;
dialer.amd.abandonment: Ofcom counts them as abandoned calls). The
US rule (FCC, 47 CFR 64.1200(a)(7)) measures it over 30 days per campaign; the UK rule
(Ofcom's persistent misuse policy) over 24 hours: a campaign whose window is "24h" is held
to each day's figure, any other to the rolling 30 days ending that day. Either is at most
LIMIT_PERCENT.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..core.spreadsheet import spreadsheet_safe
from ..outbound.eligibility import CampaignRules, Code, ContactState, PlanRules, check

LIMIT_PERCENT = 3.0  # abandoned humans, of humans answered: US 30 days, UK 24 h
ROLLING_DAYS = 30
_HOURS_CODES = frozenset({Code.OUTSIDE_WINDOW, Code.OUTSIDE_DAILY_HOURS})


@dataclass(frozen=True)
class DaySlice:
    """One local calendar day as a half-open UTC range (naive UTC, as stored)."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class DayCounts:
    """What the database counted on one day."""

    day: dt.date
    humans: int = 0  # answered by a person (bridged or abandoned)
    abandoned: int = 0
    dnc_prevented: int = 0
    consent_announced: int | None = None  # None: attempts do not record it (yet)
    amd_false_positives: float = 0.0  # estimated people hung up on as machines


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    humans: int  # measured, as abandoned
    abandoned: int
    amd_false_positives: float  # estimated; in the percentages, in neither count
    day_percent: float | None  # None: no human answered that day
    rolling_percent: float | None  # over the ROLLING_DAYS ending that day
    over_limit: bool  # the measured figure (the day's or the rolling one) above the limit
    outside_hours: int
    dnc_prevented: int
    consent_announced: int | None


@dataclass(frozen=True)
class AttemptTime:
    """An attempt as the outside-hours recomputation needs it."""

    attempt_id: int
    phone: str
    contact_zone: str | None  # the contact's explicit zone, if any
    started_at: dt.datetime  # naive UTC


@dataclass(frozen=True)
class OutsideCall:
    attempt_id: int
    phone: str
    started_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class ListHits:
    list_name: str
    hits: int


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    campaign_name: str
    account_id: int
    timezone: str  # the account's: the days' calendar
    measured_over: str  # "30d" or "24h": which figure the limit applies to
    limit_percent: float
    days: tuple[DayFigures, ...]
    outside_hours: tuple[OutsideCall, ...]
    dnc_by_list: tuple[ListHits, ...]
    consent_recorded: bool  # False: the attempts carry no consent flag on this version


@dataclass(frozen=True)
class AccountReport:
    account_id: int
    days: int
    campaigns: tuple[CampaignReport, ...]


def day_slices(zone: ZoneInfo, last_day: dt.date, count: int) -> list[DaySlice]:
    """The `count` local days ending with `last_day`, oldest first."""
    def utc_midnight(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    days = [last_day - dt.timedelta(days=i) for i in range(count - 1, -1, -1)]
    return [DaySlice(d, utc_midnight(d), utc_midnight(d + dt.timedelta(days=1))) for d in days]


def local_today(zone: ZoneInfo, now: dt.datetime) -> dt.date:
    return now.astimezone(zone).date()


def _percent(days: list[DayCounts]) -> float | None:
    """Abandoned of humans answered over `days`, the AMD estimate added to both."""
    estimate = sum(d.amd_false_positives for d in days)
    humans = sum(d.humans for d in days) + estimate
    return None if humans <= 0 else round(100 * (sum(d.abandoned for d in days) + estimate) / humans, 3)


def day_figures(counts: list[DayCounts], shown: int, measured_over: str,
                outside_by_day: dict[dt.date, int], limit: float = LIMIT_PERCENT
                ) -> tuple[DayFigures, ...]:
    """The last `shown` days of `counts` (oldest first, one per day, ROLLING_DAYS - 1 more
    before them for the rolling figure) with their percentages and verdict."""
    figures = []
    for i in range(len(counts) - shown, len(counts)):
        c = counts[i]
        window = counts[max(0, i - ROLLING_DAYS + 1):i + 1]
        rolling, day = _percent(window), _percent([c])
        measured = day if measured_over == "24h" else rolling
        figures.append(DayFigures(c.day, c.humans, c.abandoned, round(c.amd_false_positives, 2),
                                  day, rolling,
                                  measured is not None and measured > limit,
                                  outside_by_day.get(c.day, 0), c.dnc_prevented,
                                  c.consent_announced))
    return tuple(figures)


def outside_hours(attempts: list[AttemptTime], campaign: CampaignRules, plan: PlanRules
                  ) -> list[OutsideCall]:
    """The attempts started outside the plan's calling window or the campaign's daily hours,
    judged as the runner judges a claim (outbound.eligibility) at each attempt's start, in
    every zone the callee's number may ring in (or the contact's own zone)."""
    found = []
    for a in attempts:
        at = a.started_at.replace(tzinfo=dt.timezone.utc)
        verdict = check(ContactState(phone=a.phone, explicit_zone=a.contact_zone), campaign,
                        plan, now=at, attempts_last_hour=0)
        reasons = [r.message for r in verdict.reasons if r.code in _HOURS_CODES]
        if reasons:
            found.append(OutsideCall(a.attempt_id, a.phone, a.started_at, "; ".join(reasons)))
    return found


def outside_per_day(calls: list[OutsideCall], slices: list[DaySlice]) -> dict[dt.date, int]:
    per_day: dict[dt.date, int] = {}
    for call in calls:
        for s in slices:
            if s.start <= call.started_at < s.end:
                per_day[s.day] = per_day.get(s.day, 0) + 1
    return per_day


CSV_COLUMNS = ("campaign_id", "campaign", "date", "humans_answered", "abandoned",
               "amd_false_positives_estimated", "abandoned_percent_day", "abandoned_percent_30d", "measured_over",
               "limit_percent", "over_limit", "calls_outside_hours", "dnc_hits_prevented",
               "consent_announced")


def csv_text(reports: tuple[CampaignReport, ...]) -> str:
    """One row per campaign and day; an empty cell: no human answered, or not recorded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in reports:
        for d in r.days:
            writer.writerow([r.campaign_id, spreadsheet_safe(r.campaign_name), d.day.isoformat(), d.humans,
                             d.abandoned, d.amd_false_positives, _cell(d.day_percent), _cell(d.rolling_percent),
                             r.measured_over, r.limit_percent, "yes" if d.over_limit else "no",
                             d.outside_hours, d.dnc_prevented, _cell(d.consent_announced)])
    return out.getvalue()


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)
