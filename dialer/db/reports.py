"""The console's heavy reads on a campaign's attempts, done by the database: the outcomes
chart aggregated in SQL over a bounded number of time slices, and the attempts report
read in keyset chunks with its joins (a query per chunk, never one per row).

Both run through `Store.read` (a reader process, beside the writer).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

import peewee as pw

from .attempts import AttemptFilters
from .models import Agent, Attempt, Contact, User
from .rows import tuples

CHART_BUCKETS = 40  # time slices drawn by the campaign page
MAX_CHART_BUCKETS = 200
MICROSECOND = dt.timedelta(microseconds=1)


def bucket_seconds(first: dt.datetime, last: dt.datetime, buckets: int) -> int:
    """Whole seconds per slice so that `buckets` slices from `first` hold `last`."""
    span = (last - first).total_seconds()
    return max(1, math.ceil((span + 1) / buckets))


def outcomes_over_time(campaign_id: int, buckets: int = CHART_BUCKETS) -> dict:
    """The campaign's attempts counted per time slice by outcome: at most `buckets`
    slices (capped at MAX_CHART_BUCKETS) from its first attempt, each a whole number of
    seconds wide. Three queries whatever the number of attempts: the first and the last
    start, then one GROUP BY over the slices' bounds joined to the attempts, each slice a
    range seek on (campaign, started_at, outcome) read from the index alone (timestamps
    are compared, never converted row by row)."""
    buckets = max(1, min(buckets, MAX_CHART_BUCKETS))
    in_campaign = Attempt.campaign == campaign_id
    # Apart: SQLite reads a lone MIN() or MAX() off the index's end; both in one SELECT
    # would scan the campaign's entries.
    first, last = (Attempt.select(edge(Attempt.started_at)).where(in_campaign).scalar()
                   for edge in (pw.fn.MIN, pw.fn.MAX))
    if first is None:
        return {"start": None, "bucket_seconds": 0, "series": []}
    first, last = _datetime(first), _datetime(last)
    width = bucket_seconds(first, last, buckets)
    step = dt.timedelta(seconds=width)
    count = int((last - first) // step) + 1
    # The last slice ends at `last` (included): PostgreSQL reads each statement in a new
    # snapshot, and attempts started since the first query stay out of every slice.
    bounds = pw.ValuesList(
        [(i, first + i * step, min(first + (i + 1) * step, last + MICROSECOND))
         for i in range(count)]).cte("slice", columns=("i", "lo", "hi"))
    counts = tuples(Attempt.select(bounds.c.i, Attempt.outcome, pw.fn.COUNT(pw.SQL("*")))
              .with_cte(bounds).from_(bounds)
              .join(Attempt, on=(in_campaign & (Attempt.started_at >= bounds.c.lo)
                                 & (Attempt.started_at < bounds.c.hi)))
              .group_by(bounds.c.i, Attempt.outcome).order_by(bounds.c.i))
    series: dict[int, dict] = {}
    for index, outcome, n in counts:
        point = series.setdefault(index, {"attempts": 0, "outcomes": {}})
        point["attempts"] += n
        point["outcomes"][outcome or "in_progress"] = n
    return {"start": first.isoformat(), "bucket_seconds": width,
            "series": [{"t": (first + index * step).isoformat(), **p}
                       for index, p in sorted(series.items())]}


def _datetime(value) -> dt.datetime:
    """A MIN()/MAX() of a timestamp: SQLite gives its text."""
    return Attempt.started_at.python_value(value) if isinstance(value, str) else value


class ReportRow(NamedTuple):
    """One attempt of the report, its contact's name and its agent's name joined in."""

    id: int
    contact_id: int
    contact_name: str | None
    phone: str
    outcome: str | None
    disposition: str | None
    agent_name: str | None
    started_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    consent_announced: bool | None  # raw: SQLite answers 1/0


REPORT_CHUNK = 2000


def report_rows(campaign_id: int, filters: AttemptFilters, after_id: int = 0,
                size: int = REPORT_CHUNK) -> list[ReportRow]:
    """The next `size` attempts of the report after attempt `after_id`, by id: one query
    (keyset on (campaign, id), the contact and the agent's user joined)."""
    agent_name = pw.fn.COALESCE(pw.fn.NULLIF(User.full_name, ""), User.username)
    query = (Attempt.select(Attempt.id, Attempt.contact, Contact.name, Attempt.phone,
                            Attempt.outcome, Attempt.disposition, agent_name,
                            Attempt.started_at, Attempt.answered_at, Attempt.ended_at,
                            Attempt.consent_announced)
             .join(Contact, on=(Attempt.contact == Contact.id))
             .switch(Attempt).join(Agent, pw.JOIN.LEFT_OUTER)
             .join(User, pw.JOIN.LEFT_OUTER)
             .where((Attempt.campaign == campaign_id) & (Attempt.id > after_id)))
    query = filters.apply(query).order_by(Attempt.id).limit(size)
    return [ReportRow(*r) for r in tuples(query)]
