"""The console's heavy reads on both databases (SQLite file, real PostgreSQL): no query
they run scans the attempts table (EXPLAIN: an index of the campaign, or the primary key
for a narrow range of ids), and on PostgreSQL
the chart and the report equal the former Python implementations.

PostgreSQL needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings

from bench.reads import seed_history
from dialer.amd.store import abandonment_with_amd
from dialer.db import attempts, migrate, open_database, reports
from dialer.outbound import store as dialing
from dialer.db.database import is_postgres
from dialer.db.attempts import AttemptFilters
from dialer.db.models import Attempt, Campaign
from tests.campaign_seed import seed_campaign
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401  (pg: fixture)
from tests.web.test_console_data import (
    ATTEMPTS,
    create_attempts,
    full_report,
    old_attempts_report,
    old_outcomes_over_time,
    people,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path}/reads.db")
        migrate(db)
        yield db
        db.close()
    else:
        if not PG_URL:
            pytest.skip("DIALER_TEST_PG_URL is not set (export DIALER_TEST_PG_URL=$(tests/pg_up.sh))")
        yield request.getfixturevalue("pg")


def plan(db, sql: str, params) -> list[str]:
    if is_postgres(db):
        return [row[0] for row in db.execute_sql("EXPLAIN " + sql, params)]
    return [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]


INDEX_ONLY = ("chart", "progress", "abandonment")


def test_every_heavy_read_reaches_attempts_through_a_campaign_index(database):
    # Another campaign's 20,000 attempts first (lower ids), then the one read: 4,000.
    with database.atomic():
        other = seed_campaign([], agents=["PJSIP/a1", "PJSIP/a2"])
        mine = seed_campaign([], agents=["PJSIP/a3"])
    seed_history(database, other["campaign_id"], other["account_id"], other["agent_ids"],
                 20_000, 2_000)
    seed_history(database, mine["campaign_id"], mine["account_id"], mine["agent_ids"],
                 4_000, 400)
    if is_postgres(database):
        database.execute_sql("VACUUM ANALYZE attempt")  # as autovacuum would
    c = mine["campaign_id"]
    newest = Attempt.select(Attempt.id).where(Attempt.campaign == c).order_by(
        Attempt.id.desc()).scalar()
    reads = {
        "chart": lambda: reports.outcomes_over_time(c),
        "report": lambda: reports.report_rows(c, AttemptFilters(), 0),
        "report, next chunk": lambda: reports.report_rows(c, AttemptFilters(), newest - 3000),
        "report of humans": lambda: reports.report_rows(c, AttemptFilters(outcome="human"), 0),
        "list": lambda: attempts.list_campaign_attempts(c, 100, 0),
        "list by keyset": lambda: attempts.list_campaign_attempts(c, 100, 0,
                                                                  before=newest - 2000),
        "progress": lambda: dialing.progress(c),
        "abandonment": lambda: abandonment_with_amd(c, dt.datetime.now() - dt.timedelta(days=30)),
    }
    for name, read in reads.items():
        statements: list = []
        database.query_hooks.append(statements.append)
        try:
            assert read() is not None
        finally:
            database.query_hooks.clear()
        on_attempts = [e for e in statements if '"attempt" AS' in e.sql]
        assert on_attempts, name
        for event in on_attempts:
            lines = plan(database, event.sql, event.params)
            text = "\n".join(lines)
            if is_postgres(database):
                assert "Seq Scan on attempt" not in text, (name, event.sql, text)
            else:
                alias = re.findall(r'"attempt" AS "(\w+)"', event.sql)
                scans = [line for line in lines
                         if any(re.match(rf"SCAN {a}\b", line) for a in alias)]
                assert not scans, (name, event.sql, text)
            if name in INDEX_ONLY and not is_postgres(database):
                # migration 015: the counts never read the table (PostgreSQL's planner
                # weighs an index-only scan against the others by its statistics)
                assert "COVERING INDEX" in text, (name, event.sql, text)
            # an index of the campaign's, or the primary key for a narrow range of ids
            assert re.search(r"attempt_campaign_id|attempt_pkey|PRIMARY KEY", text), \
                (name, event.sql, text)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set")
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=ATTEMPTS)
def test_chart_and_report_equal_the_former_ones_on_postgres(pg, attempts):  # noqa: F811  (fixture)
    """As tests/web/test_console_data.py on SQLite."""
    with pg.atomic() as txn:
        account, agents, contacts = people()
        campaign = Campaign.create(account=account, name="Spring")
        create_attempts(campaign, agents, contacts, attempts)
        for buckets in (1, 7, 40):
            assert reports.outcomes_over_time(campaign.id, buckets) == \
                old_outcomes_over_time(campaign.id, buckets)
        assert full_report(campaign.id, size=5) == old_attempts_report(campaign.id)
        txn.rollback()
