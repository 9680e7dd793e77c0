"""A report's period, pure: whole local days of the account's zone (from, until, both
included) cut into the local hours they hold.

Bounds are naive UTC, as the database stores times. A day is local midnight to local
midnight (compliance.report.day_slices); its hours start at each local whole hour that
exists that day, so a day when clocks go forward has 23 hours, one when they go back 25
(the repeated hour shows twice, told apart by its UTC offset), and a zone with a 30-minute
change (Lord Howe) gets a half-hour bucket.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Generic, Protocol, Self, TypeVar
from zoneinfo import ZoneInfo

from ..compliance.report import DaySlice, day_slices

MAX_DAYS = 31
UTC = dt.timezone.utc


class Summable(Protocol):
    def __add__(self, other: Self) -> Self: ...


F = TypeVar("F", bound=Summable)


@dataclass(frozen=True)
class Bucket:
    """An hour (or a whole day) of the period: [start, end) in naive UTC."""

    day: dt.date               # the local day it belongs to
    start: dt.datetime
    end: dt.datetime
    local_start: dt.datetime   # aware, in the account's zone: its label

    @property
    def label(self) -> str:
        """"2026-11-01 01:00-04:00": the local start with its UTC offset."""
        return self.local_start.isoformat(sep=" ", timespec="minutes")


@dataclass(frozen=True)
class Period:
    zone: ZoneInfo
    first: dt.date
    last: dt.date
    days: tuple[Bucket, ...]
    hours: tuple[Bucket, ...]

    @property
    def start(self) -> dt.datetime:
        return self.days[0].start

    @property
    def end(self) -> dt.datetime:
        return self.days[-1].end


def _naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _local(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return at.replace(tzinfo=UTC).astimezone(zone)


def hour_starts(zone: ZoneInfo, day: DaySlice) -> list[dt.datetime]:
    """The UTC instants (naive) in the day where the local clock shows a whole hour, and
    the day's own start (a midnight that does not exist starts the day at 01:00)."""
    starts = {day.start}
    for hour in range(24):
        for fold in (0, 1):
            wall = dt.datetime.combine(day.day, dt.time(hour, fold=fold))
            at = wall.replace(tzinfo=zone).astimezone(UTC)
            if at.astimezone(zone).replace(tzinfo=None) == wall:  # it exists
                naive = at.replace(tzinfo=None)
                if day.start <= naive < day.end:
                    starts.add(naive)
    return sorted(starts)


def period(zone: ZoneInfo, first: dt.date, last: dt.date) -> Period:
    """The local days `first` to `last` (included) and their hours."""
    if last < first:
        raise ValueError("the period ends before it starts")
    slices = day_slices(zone, last, (last - first).days + 1)
    days, hours = [], []
    for s in slices:
        days.append(Bucket(s.day, s.start, s.end, _local(s.start, zone)))
        starts = hour_starts(zone, s)
        hours += [Bucket(s.day, a, b, _local(a, zone))
                  for a, b in zip(starts, [*starts[1:], s.end], strict=True)]
    return Period(zone, first, last, tuple(days), tuple(hours))


def today(zone: ZoneInfo, now: dt.datetime) -> dt.date:
    return now.astimezone(zone).date()


def whole_seconds(at: dt.datetime) -> dt.datetime:
    """Naive UTC without its fraction of a second: every span of a report is whole
    seconds, so the hours' figures add up to the day's exactly."""
    return _naive(at if at.tzinfo else at.replace(tzinfo=UTC)).replace(microsecond=0)


def bucket_of(at: dt.datetime, buckets: tuple[Bucket, ...]) -> int | None:
    """The index of the bucket holding `at` (naive UTC), None outside them."""
    i = bisect.bisect_right(buckets, at, key=lambda b: b.start) - 1
    return i if i >= 0 and at < buckets[i].end else None


def spread(start: dt.datetime, seconds: int, buckets: tuple[Bucket, ...]
           ) -> list[tuple[int, int]]:
    """(bucket index, seconds) of [start, start + seconds) over the buckets (sorted,
    contiguous); time outside them is dropped."""
    end = start + dt.timedelta(seconds=seconds)
    out = []
    for i in range(max(0, bisect.bisect_right(buckets, start, key=lambda b: b.start) - 1),
                   len(buckets)):
        b = buckets[i]
        if b.start >= end:
            break
        overlap = int((min(end, b.end) - max(start, b.start)).total_seconds())
        if overlap > 0:
            out.append((i, overlap))
    return out


def sum_by_day(period: Period, hourly: list[F], zero: F) -> list[F]:
    """The hours' figures added up per local day of the period, in order."""
    by_day = {d.day: zero for d in period.days}
    for bucket, figures in zip(period.hours, hourly, strict=True):
        by_day[bucket.day] = by_day[bucket.day] + figures
    return [by_day[d.day] for d in period.days]


@dataclass(frozen=True)
class Row(Generic[F]):
    bucket: Bucket
    figures: F


@dataclass(frozen=True)
class Breakdown(Generic[F]):
    """An agent's or a campaign's figures: over the whole period, per day, per hour."""

    id: int
    name: str
    total: F
    days: tuple[Row[F], ...]
    hours: tuple[Row[F], ...]


def breakdown(id_: int, name: str, period: Period, hourly: list[F], zero: F) -> Breakdown[F]:
    """The hours' figures with their days and total added up."""
    daily = sum_by_day(period, hourly, zero)
    return Breakdown(id_, name, reduce(add, daily, zero),
                     tuple(Row(b, f) for b, f in zip(period.days, daily, strict=True)),
                     tuple(Row(b, f) for b, f in zip(period.hours, hourly, strict=True)))
