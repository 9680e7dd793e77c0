"""The console's own data: the chart's time slices and the attempts CSV (no browser)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from dialer.db import migrate, open_database
from dialer.db.models import Account, Agent, Attempt, Campaign, Contact, User
from dialer.web.console import REPORT_COLUMNS, attempts_report, outcomes_over_time

T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def campaign(tmp_path):
    database = open_database(f"sqlite:///{tmp_path}/console.db")
    migrate(database)
    account = Account.create(name="Acme", company_number="+12125550100")
    user = User.create(account=account, username="ann", password_hash="x", full_name="Ann A")
    agent = Agent.create(user=user, endpoint="PJSIP/agent1")
    campaign = Campaign.create(account=account, name="Spring", mode="progressive")
    alice = Contact.create(account=account, name="Alice")
    bob = Contact.create(account=account, name="Bob, Jr.")
    calls = [(0, alice, "human", agent, "sale"), (5, bob, "busy", None, None),
             (70, bob, "human", agent, None), (79, alice, None, None, None)]
    for n, (second, contact, outcome, who, disposition) in enumerate(calls):
        Attempt.create(campaign=campaign, contact=contact, phone=f"+1212555100{n}",
                       channel_id=f"c{n}", started_at=T0 + dt.timedelta(seconds=second),
                       outcome=outcome, agent=who, disposition=disposition)
    yield campaign.id
    database.close()


def test_attempts_are_counted_per_time_slice_by_outcome(campaign):
    chart = outcomes_over_time(campaign, buckets=4)
    assert chart["bucket_seconds"] == 20  # 80 s of attempts in 4 slices
    assert [(p["t"][11:19], p["attempts"], p["outcomes"]) for p in chart["series"]] == [
        ("14:00:00", 2, {"human": 1, "busy": 1}),
        ("14:01:00", 2, {"human": 1, "in_progress": 1})]
    assert outcomes_over_time(campaign + 1) == {"start": None, "bucket_seconds": 0, "series": []}


def test_the_report_lists_every_attempt_with_contact_agent_and_times(campaign):
    rows = list(csv.reader(io.StringIO(attempts_report(campaign))))
    assert tuple(rows[0]) == REPORT_COLUMNS
    by_column = [dict(zip(REPORT_COLUMNS, r)) for r in rows[1:]]
    assert [(r["contact"], r["phone"], r["outcome"], r["disposition"], r["agent"])
            for r in by_column] == [
        ("Alice", "+12125551000", "human", "sale", "Ann A"),
        ("Bob, Jr.", "+12125551001", "busy", "", ""),
        ("Bob, Jr.", "+12125551002", "human", "", "Ann A"),
        ("Alice", "+12125551003", "", "", "")]
    assert by_column[2]["started_at"].startswith("2026-03-02T14:01:10")
