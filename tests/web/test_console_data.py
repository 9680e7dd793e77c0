"""The console's own data: the chart's time slices and the attempts CSV (no browser).

Both are computed by the database now (dialer.db.reports); the implementations they
replaced, which read every attempt into Python (and the report a query per row), are kept
below as oracles: on generated data sets the results must be equal.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import math
import os
import signal
import threading

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.db import Store, attempts, listing, migrate, open_database, reports
from dialer.db.attempts import AttemptFilters
from dialer.db.models import Account, Agent, Attempt, Campaign, Contact, User
from dialer.db.validation import FieldError
from dialer.web.console import (
    REPORT_COLUMNS,
    report_chunks,
    report_csv,
    spreadsheet_safe,
)
from dialer.web.shared_reads import SharedReads

T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


# ---- the former implementations, verbatim but for their names --------------------------
def old_outcomes_over_time(campaign_id: int, buckets: int = 40) -> dict:
    rows = list(Attempt.select(Attempt.started_at, Attempt.outcome)
                .where(Attempt.campaign == campaign_id).order_by(Attempt.started_at).tuples())
    if not rows:
        return {"start": None, "bucket_seconds": 0, "series": []}
    start = rows[0][0]
    span = (rows[-1][0] - start).total_seconds()
    width = max(1, math.ceil((span + 1) / buckets))
    series: dict[int, dict] = {}
    for started, outcome in rows:
        index = int((started - start).total_seconds() // width)
        point = series.setdefault(index, {"attempts": 0, "outcomes": {}})
        point["attempts"] += 1
        key = outcome or "in_progress"
        point["outcomes"][key] = point["outcomes"].get(key, 0) + 1
    return {"start": start.isoformat(), "bucket_seconds": width,
            "series": [{"t": (start + dt.timedelta(seconds=i * width)).isoformat(), **p}
                       for i, p in sorted(series.items())]}


def old_attempts_report(campaign_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    query = Attempt.select().where(Attempt.campaign == campaign_id).order_by(Attempt.id)
    for a in query:
        agent = a.agent.user.full_name or a.agent.user.username if a.agent_id else ""
        writer.writerow([a.id, a.contact_id, spreadsheet_safe(a.contact.name or ""), a.phone,
                         a.outcome or "", spreadsheet_safe(a.disposition or ""),
                         spreadsheet_safe(agent)] +
                        [t.isoformat() if t else "" for t in
                         (a.started_at, a.answered_at, a.ended_at)] +
                        ["" if a.consent_announced is None else str(a.consent_announced).lower()])
    return out.getvalue()


def full_report(campaign_id: int, size: int = 7) -> str:
    """The new report read chunk by chunk, as the HTTP handler does (small chunks)."""
    out, after_id = [], 0
    while True:
        rows = reports.report_rows(campaign_id, AttemptFilters(), after_id, size)
        out.append(report_csv(rows, header=after_id == 0))
        if len(rows) < size:
            return b"".join(out).decode()
        after_id = rows[-1].id


# ---- data --------------------------------------------------------------------------------
@pytest.fixture
def database(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/console.db")
    migrate(db)
    yield db
    db.close()


def people():
    account = Account.create(name="Acme", company_number="+12125550100")
    ann = User.create(account=account, username="ann", password_hash="x", full_name="Ann A")
    bob = User.create(account=account, username="bob", password_hash="x", full_name="")
    agents = [Agent.create(user=ann, endpoint="PJSIP/agent1"),
              Agent.create(user=bob, endpoint="PJSIP/agent2")]
    contacts = [Contact.create(account=account, name=name)
                for name in ("Alice", "Bob, Jr.", "=HYPERLINK()", "")]
    return account, agents, contacts


@pytest.fixture
def campaign(database):
    account, (agent, _), (alice, bob, *_) = people()
    campaign = Campaign.create(account=account, name="Spring", mode="progressive")
    calls = [(0, alice, "human", agent, "sale", True), (5, bob, "busy", None, None, None),
             (70, bob, "human", agent, None, False), (79, alice, None, None, None, None)]
    for n, (second, contact, outcome, who, disposition, consent) in enumerate(calls):
        Attempt.create(campaign=campaign, contact=contact, phone=f"+1212555100{n}",
                       channel_id=f"c{n}", started_at=T0 + dt.timedelta(seconds=second),
                       outcome=outcome, agent=who, disposition=disposition,
                       consent_announced=consent)
    return campaign.id


def test_attempts_are_counted_per_time_slice_by_outcome(campaign):
    chart = reports.outcomes_over_time(campaign, buckets=4)
    assert chart["bucket_seconds"] == 20  # 80 s of attempts in 4 slices
    assert [(p["t"][11:19], p["attempts"], p["outcomes"]) for p in chart["series"]] == [
        ("14:00:00", 2, {"human": 1, "busy": 1}),
        ("14:01:00", 2, {"human": 1, "in_progress": 1})]
    assert reports.outcomes_over_time(campaign + 1) == {
        "start": None, "bucket_seconds": 0, "series": []}


def test_the_report_lists_every_attempt_with_contact_agent_and_times(campaign):
    rows = list(csv.reader(io.StringIO(full_report(campaign))))
    assert tuple(rows[0]) == REPORT_COLUMNS
    by_column = [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert [(r["contact"], r["phone"], r["outcome"], r["disposition"], r["agent"])
            for r in by_column] == [
        ("Alice", "+12125551000", "human", "sale", "Ann A"),
        ("Bob, Jr.", "+12125551001", "busy", "", ""),
        ("Bob, Jr.", "+12125551002", "human", "", "Ann A"),
        ("Alice", "+12125551003", "", "", "")]
    assert by_column[2]["started_at"].startswith("2026-03-02T14:01:10")
    assert [r["consent_announced"] for r in by_column] == ["true", "", "false", ""]


OUTCOMES = st.sampled_from([None, "human", "machine", "busy", "no_answer", "abandoned"])
ATTEMPTS = st.lists(st.tuples(
    st.one_of(st.integers(0, 3 * 86400 * 10**6),  # microseconds after T0, and whole
              st.integers(0, 3 * 86400).map(lambda s: s * 10**6)),  # seconds (slice edges)
    OUTCOMES, st.integers(0, 3), st.sampled_from([None, 0, 1]),
    st.sampled_from([None, "sale", "-call back", "@me"]), st.booleans()), max_size=60)


def create_attempts(campaign, agents, contacts, attempts) -> None:
    """The attempts ATTEMPTS draws, in `campaign`."""
    for n, (us, outcome, contact, agent, disposition, ended) in enumerate(attempts):
        started = T0 + dt.timedelta(microseconds=us)
        Attempt.create(campaign=campaign, contact=contacts[contact], outcome=outcome,
                       phone=f"+1212555{n:04d}", channel_id=f"a{n}", started_at=started,
                       agent=None if agent is None else agents[agent],
                       disposition=disposition,
                       answered_at=started + dt.timedelta(seconds=2) if ended else None,
                       ended_at=started + dt.timedelta(seconds=9.5) if ended else None)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=ATTEMPTS, buckets=st.integers(1, 60), size=st.integers(1, 9))
def test_chart_and_report_equal_the_former_python_ones(database, attempts, buckets, size):
    with database.atomic() as txn:
        account, agents, contacts = people()
        campaign = Campaign.create(account=account, name="Spring")
        other = Campaign.create(account=account, name="Other")  # never counted
        Attempt.create(campaign=other, contact=contacts[0], phone="+12125550000",
                       channel_id="other", started_at=T0 - dt.timedelta(days=1))
        create_attempts(campaign, agents, contacts, attempts)
        assert reports.outcomes_over_time(campaign.id, buckets) == \
            old_outcomes_over_time(campaign.id, buckets)
        assert full_report(campaign.id, size=size) == old_attempts_report(campaign.id)
        txn.rollback()


@pytest.mark.parametrize("span", [dt.timedelta(seconds=1), dt.timedelta(hours=20),
                                  dt.timedelta(days=3 * 365)])
def test_the_chart_has_a_bounded_number_of_slices_whatever_the_range(database, span):
    account, _, contacts = people()
    campaign = Campaign.create(account=account, name="Spring")
    steps = 500
    Attempt.insert_many([
        {"campaign": campaign, "contact": contacts[0], "phone": "+12125550000",
         "channel_id": f"a{i}", "started_at": T0 + span * i / steps, "outcome": "busy"}
        for i in range(steps + 1)]).execute()
    for asked, bound in ((40, 40), (7, 7), (10_000, reports.MAX_CHART_BUCKETS)):
        chart = reports.outcomes_over_time(campaign.id, asked)
        assert 1 <= len(chart["series"]) <= bound
        assert sum(p["attempts"] for p in chart["series"]) == steps + 1
        assert chart["bucket_seconds"] * bound >= span.total_seconds()


def test_report_filters_run_in_sql(campaign):
    agent = Agent.select().first().id
    human = AttemptFilters(outcome="human")
    assert [r.outcome for r in reports.report_rows(campaign, human)] == ["human", "human"]
    assert len(reports.report_rows(campaign, AttemptFilters(agent_id=agent))) == 2
    late = AttemptFilters(started_from=T0 + dt.timedelta(seconds=5),
                          started_to=T0 + dt.timedelta(seconds=79))
    assert [r.phone for r in reports.report_rows(campaign, late)] == [
        "+12125551001", "+12125551002"]


class QueryCounter:
    """Every statement peewee runs on this database (its query hook), by thread."""

    def __init__(self, db):
        self.sql: list[str] = []
        db.query_hooks.append(lambda event: self.sql.append(event.sql))


async def test_the_report_streams_in_chunks_with_a_query_per_chunk(campaign, database):
    contact = Contact.select().first()
    Attempt.insert_many([
        {"campaign": campaign, "contact": contact, "phone": "+12125550000",
         "channel_id": f"bulk{i}", "started_at": T0, "outcome": "no_answer"}
        for i in range(996)]).execute()  # 1000 attempts in all
    queries = QueryCounter(database)
    store = Store(database)
    chunks = report_chunks(store, campaign, AttemptFilters(), size=100)
    first = await anext(chunks)
    # The first chunk reaches the client after one query of 100 rows: nothing else read.
    assert len(queries.sql) == 1 and "LIMIT" in queries.sql[0]
    assert first.decode().count("\n") == 101  # header + 100 attempts
    rest = [chunk async for chunk in chunks]
    assert len(rest) == 9
    # A query per chunk (10 full ones and the empty last), none per row: not 1000.
    assert len(queries.sql) == 11
    body = (first + b"".join(rest)).decode()
    assert body == old_attempts_report(campaign)
    await store.close()


async def test_reads_do_not_wait_for_the_writer(database):
    """A read runs while a write holds the writer thread (and SQLite's write lock)."""
    store = Store(database)
    writing, release = threading.Event(), threading.Event()

    def long_write():
        Account.create(name="held")
        writing.set()
        release.wait(10)

    write = asyncio.ensure_future(store.run(long_write))
    await asyncio.to_thread(writing.wait, 10)
    # The writer is busy inside its transaction: a read still answers, from the last commit.
    assert await asyncio.wait_for(store.read(lambda: Account.select().count()), 5) == 0
    release.set()
    await write
    assert await store.read(lambda: Account.select().count()) == 1
    await store.close()



class CountingStore:
    """A Store whose reads take `seconds` of the fake clock and are counted."""

    def __init__(self, clock: list[float], seconds: float):
        self.clock, self.seconds, self.calls = clock, seconds, []
        self.gate = asyncio.Event()

    async def read(self, fn, *args):
        self.calls.append(args)
        await self.gate.wait()
        self.clock[0] += self.seconds
        if args == ("fail",):
            raise RuntimeError("database down")
        return {"n": len(self.calls)}


async def test_polled_reads_are_shared_and_kept_longer_when_they_are_slow():
    now = [100.0]
    store = CountingStore(now, seconds=0.5)
    shared = SharedReads(store, ttl=1.0, reuse_factor=4.0, clock=lambda: now[0])

    def read(*args):
        return asyncio.ensure_future(shared.read(reports.outcomes_over_time, *args))

    five = [read(7) for _ in range(5)]  # five browsers at once: one read
    await asyncio.sleep(0)
    store.gate.set()
    assert [await f for f in five] == [{"n": 1}] * 5 and store.calls == [(7,)]
    assert await read(8) == {"n": 2}  # another campaign: its own read
    # The read of 7 took 0.5 s: kept max(ttl, 4 x 0.5 s) = 2 s from its start.
    now[0] = 100.0 + 1.9
    assert await read(7) == {"n": 1}
    now[0] = 100.0 + 2.1
    assert await read(7) == {"n": 3}
    # A failure is not kept: the next request reads again.
    with pytest.raises(RuntimeError):
        await read("fail")
    with pytest.raises(RuntimeError):
        await read("fail")
    assert store.calls.count(("fail",)) == 2


async def test_reads_of_module_functions_run_in_reader_processes(campaign, database, tmp_path):
    store = Store(database, read_url=f"sqlite:///{tmp_path}/console.db")
    try:
        assert await store.read(os.getpid) != os.getpid()
        chunks = [c async for c in report_chunks(store, campaign, AttemptFilters(), size=3)]
        assert b"".join(chunks).decode() == old_attempts_report(campaign)
        assert (await store.read(reports.outcomes_over_time, campaign, 4))["bucket_seconds"] == 20
        # Errors come back as the API maps them: 404, and 400 naming the field.
        with pytest.raises(pw.DoesNotExist):
            await store.read(attempts.get_attempt, 9999)
        with pytest.raises(FieldError) as bad:
            await store.read(listing.list_campaign_contacts, campaign, 10, 0, status="x")
        assert bad.value.field == "status"
        assert await store.read(lambda: os.getpid()) == os.getpid()  # a closure: a thread
    finally:
        await store.close()


async def test_a_reader_process_that_dies_is_replaced(campaign, database, tmp_path):
    store = Store(database, read_url=f"sqlite:///{tmp_path}/console.db")
    try:
        first = await store.read(os.getpid)
        os.kill(first, signal.SIGKILL)
        assert await store.read(reports.outcomes_over_time, campaign, 4)  # new readers
        assert await store.read(os.getpid) != first
    finally:
        await store.close()
