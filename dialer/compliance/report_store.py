"""The compliance report's reads (run through `Store.read`: a reader process, one snapshot).

Per campaign: humans answered and abandoned per local day (one GROUP BY over the days'
bounds joined to the attempts: range seeks on (campaign, outcome, started_at)), the
do-not-call hits recorded at claim time per day and per list, the consent announcements
if attempts record them, and every attempt of the shown days read once (id, number,
start, the contact's zone) to recompute its calling hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

import peewee as pw

from ..amd.abandonment import with_amd_estimate
from ..amd.store import false_positive_shares
from ..core.tz import load_zone
from ..db.models import Account, Attempt, Campaign, Contact, DncPrevented
from ..db.rows import tuples
from ..outbound.store import campaign_settings
from .report import (LIMIT_PERCENT, ROLLING_DAYS, AccountReport, AttemptTime, CampaignReport, DayCounts,
                     DaySlice, ListHits, day_figures, day_slices, local_today, outside_hours,
                     outside_per_day)

MAX_DAYS = 366


class TimeRange(Protocol):
    @property
    def start(self) -> dt.datetime: ...

    @property
    def end(self) -> dt.datetime: ...


def count_per_slice(model: type[pw.Model], where: pw.Expression, slices: Sequence[TimeRange],
                    at: pw.Field, *group: pw.Node) -> list[tuple]:
    """(slice index, *group, count) of `model`'s rows matching `where` per slice (days, or
    anything with naive UTC `start` and `end`): the slices as a VALUES list joined on the
    range [start, end) of `at` (range seeks on an index of `at`)."""
    bounds = pw.ValuesList([(i, s.start, s.end) for i, s in enumerate(slices)]
                           ).cte("day", columns=("i", "lo", "hi"))
    return list(tuples(model.select(bounds.c.i, *group, pw.fn.COUNT(pw.SQL("*")))
                  .with_cte(bounds).from_(bounds)
                  .join(model, on=(where & (at >= bounds.c.lo) & (at < bounds.c.hi)))
                  .group_by(bounds.c.i, *group)))


def _consent_field() -> pw.Field | None:
    """Attempt.consent_announced (issue 17, recording consent) where this version has it."""
    return Attempt._meta.fields.get("consent_announced")


def _amd_estimates(campaign_id: int, slices: list[DaySlice]) -> dict[int, float]:
    """Per slice: the people the campaign's AMD is estimated to have hung up on as machines
    (the attempts each detector ended as machines x its false-positive share)."""
    hung_up: dict[int, dict[str, int]] = {}
    for i, detector, n in count_per_slice(
            Attempt, (Attempt.campaign == campaign_id) & (Attempt.outcome == "machine")
            & Attempt.amd_detector.is_null(False), slices, Attempt.started_at, Attempt.amd_detector):
        hung_up.setdefault(i, {})[detector] = n
    shares = false_positive_shares(campaign_id)
    return {i: with_amd_estimate(0, 0, n, shares).amd_false_positives for i, n in hung_up.items()}


def _counts(campaign_id: int, slices: list[DaySlice]) -> list[DayCounts]:
    in_campaign = Attempt.campaign == campaign_id
    answered: dict[tuple[int, str], int] = {
        (i, outcome): n for i, outcome, n in count_per_slice(
            Attempt, in_campaign & Attempt.outcome.in_(("human", "abandoned")), slices,
            Attempt.started_at, Attempt.outcome)}
    amd = _amd_estimates(campaign_id, slices)
    prevented = dict(count_per_slice(DncPrevented, DncPrevented.campaign == campaign_id, slices,
                              DncPrevented.at))
    consent_field = _consent_field()
    consent = None if consent_field is None else dict(count_per_slice(
        Attempt, in_campaign & (consent_field == True), slices,  # noqa: E712
        Attempt.started_at))
    return [DayCounts(s.day, answered.get((i, "human"), 0) + answered.get((i, "abandoned"), 0),
                      answered.get((i, "abandoned"), 0), prevented.get(i, 0),
                      None if consent is None else consent.get(i, 0), amd.get(i, 0.0))
            for i, s in enumerate(slices)]


def _attempt_times(campaign_id: int, start: dt.datetime, end: dt.datetime) -> list[AttemptTime]:
    return [AttemptTime(*row) for row in tuples(
        Attempt.select(Attempt.id, Attempt.phone, Contact.timezone, Attempt.started_at)
        .join(Contact, on=(Attempt.contact == Contact.id))
        .where((Attempt.campaign == campaign_id) & (Attempt.started_at >= start)
               & (Attempt.started_at < end)).order_by(Attempt.started_at, Attempt.id))]


def _hits_by_list(campaign_id: int, start: dt.datetime, end: dt.datetime) -> tuple[ListHits, ...]:
    return tuple(ListHits(name, n) for name, n in tuples(
        DncPrevented.select(DncPrevented.list_name, pw.fn.COUNT(pw.SQL("*")))
        .where((DncPrevented.campaign == campaign_id) & (DncPrevented.at >= start)
               & (DncPrevented.at < end))
        .group_by(DncPrevented.list_name).order_by(DncPrevented.list_name)))


def account_zone(account_id: int) -> ZoneInfo:
    """The account's time zone (UTC when unset or unknown)."""
    name = Account.select(Account.timezone).where(Account.id == account_id).scalar()
    return load_zone(name or "UTC") or ZoneInfo("UTC")


def campaign_report(campaign_id: int, days: int, now: dt.datetime) -> CampaignReport | None:
    """The campaign's report over the `days` local days ending today (None: no campaign)."""
    if not Campaign.select().where(Campaign.id == campaign_id).exists():
        return None
    settings = campaign_settings(campaign_id)
    zone = account_zone(settings.account_id)
    measured_over = "24h" if settings.abandon_window == dt.timedelta(hours=24) else "30d"
    slices = day_slices(zone, local_today(zone, now), days + ROLLING_DAYS - 1)
    shown = slices[-days:]
    start, end = shown[0].start, shown[-1].end
    outside = outside_hours(_attempt_times(campaign_id, start, end), settings.schedule,
                            settings.plan)
    return CampaignReport(
        campaign_id=campaign_id, campaign_name=settings.name, account_id=settings.account_id,
        timezone=zone.key, measured_over=measured_over,
        limit_percent=LIMIT_PERCENT,
        days=day_figures(_counts(campaign_id, slices), days, measured_over,
                         outside_per_day(outside, shown)),
        outside_hours=tuple(outside), dnc_by_list=_hits_by_list(campaign_id, start, end),
        consent_recorded=_consent_field() is not None)


def account_report(account_id: int, campaign_ids: tuple[int, ...] | None, days: int,
                   now: dt.datetime) -> AccountReport:
    """Every campaign of the account (`campaign_ids`: only those), each as above."""
    query = Campaign.select(Campaign.id).where(Campaign.account == account_id)
    if campaign_ids is not None:
        query = query.where(Campaign.id.in_(campaign_ids))
    reports = (campaign_report(cid, days, now) for (cid,) in tuples(query.order_by(Campaign.id)))
    return AccountReport(account_id, days, tuple(r for r in reports if r is not None))
