"""Data layer on a real PostgreSQL (pooled psycopg 3): migrate, CRUD, SKIP LOCKED claims.

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
Each test gets a fresh schema (via search_path), dropped afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import peewee as pw
import pytest
from peewee_migrate.router import compile_migrations
from playhouse.pool import PooledPostgresqlDatabase

from dialer.db import Store, claim_contacts, migrate, open_database, utcnow
from tests.unit.test_db_models import (
    test_a_campaign_can_dial_due_retries_before_fresh_contacts as retries_first)
from dialer.db.migrate import router
from tests.unit.test_transfer_store import (
    test_a_leg_row_is_made_once_then_follows_its_status as legs_kept,
    test_reads_of_transferred_calls as transferred_reads)
from dialer.db.models import (
    MODELS, Account, Agent, Attempt, Campaign, CampaignContact, Contact, ContactPhone,
    ServicePlan, User,
)

PG_URL = os.environ.get("DIALER_TEST_PG_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set "
                       "(start a server with: export DIALER_TEST_PG_URL=$(tests/pg_up.sh))"),
]


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def pg():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    db = open_database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}&max_connections=12")
    try:
        migrate(db)
        yield db
    finally:
        db.close_all()
        admin(f'DROP SCHEMA "{schema}" CASCADE')


def seed():
    plan = ServicePlan.create(name="basic", window_start=dt.time(9), window_stop=dt.time(20))
    account = Account.create(name="Acme", company_number="+33123456789", plan=plan)
    user = User.create(account=account, username="alice", password_hash="x")
    agent = Agent.create(user=user, endpoint="PJSIP/agent1")
    campaign = Campaign.create(account=account, name="spring")
    contact = Contact.create(account=account, name="Bob", client_id="C1", fields={"k": [1, "é"]})
    ContactPhone.create(contact=contact, number="+33612345678")
    return account, agent, campaign, contact


def seed_queue(n: int) -> int:
    account, _, campaign, _ = seed()
    for i in range(n):
        contact = Contact.create(account=account, name=f"c{i}")
        CampaignContact.create(campaign=campaign, contact=contact)
    return campaign.id


def test_pool_uses_psycopg3(pg):
    import psycopg

    assert isinstance(pg, PooledPostgresqlDatabase)
    with pg.connection_context():
        assert isinstance(pg.connection(), psycopg.Connection)


def test_migrate_creates_every_table_and_column_and_is_idempotent(pg):
    assert set(pg.get_tables()) == {m._meta.table_name for m in MODELS} | {"migratehistory"}
    for model in MODELS:
        columns = {c.name for c in pg.get_columns(model._meta.table_name)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model
    assert migrate(pg) == []
    assert compile_migrations(router(pg).migrator, list(MODELS)) == ""


def test_crud_and_constraints(pg):
    account, agent, campaign, contact = seed()
    paris = dt.datetime(2024, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    Attempt.create(campaign=campaign, contact=contact, phone="+33612345678", channel_id="ch-1",
                   agent=agent, started_at=paris, script_answers={"q": None})

    row = Attempt.select(Attempt, Campaign).join(Campaign).where(Attempt.channel_id == "ch-1").get()
    assert row.campaign.ring_timeout_seconds == 30
    assert row.started_at == dt.datetime(2024, 7, 1, 12, 30)
    assert row.script_answers == {"q": None}
    assert Contact.get(Contact.client_id == "C1").fields == {"k": [1, "é"]}
    assert Account.get_by_id(account.id).plan.window_stop == dt.time(20)

    for duplicate in (
        lambda: Attempt.create(campaign=campaign, contact=contact, phone="+1", channel_id="ch-1"),
        lambda: Contact.create(account=account, client_id="C1"),
        lambda: User.create(account=account, username="alice", password_hash="y"),
        lambda: Campaign.create(account=9999, name="orphan"),
    ):
        with pytest.raises(pw.IntegrityError), pg.atomic():
            duplicate()
    Contact.create(account=account)
    Contact.create(account=account)  # NULL client_ids never collide


def test_skip_locked_claims_from_two_connections_never_overlap(pg):
    campaign_id = seed_queue(10)
    now = utcnow()
    a_claimed, b_claimed = threading.Event(), threading.Event()

    def node_a():
        with pg.connection_context(), pg.atomic():
            pid = pg.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
            ids = claim_contacts(campaign_id, "node-a", 5, now)
            a_claimed.set()
            assert b_claimed.wait(10), "node B never claimed"  # keep A's row locks meanwhile
            return pid, ids

    def node_b():
        assert a_claimed.wait(10)
        with pg.connection_context(), pg.atomic():
            # Without SKIP LOCKED this would wait on A's rows: fail fast instead of hanging.
            pg.execute_sql("SET LOCAL lock_timeout = '5s'")
            pid = pg.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
            ids = claim_contacts(campaign_id, "node-b", 5, now)
        b_claimed.set()
        return pid, ids

    with ThreadPoolExecutor(2) as pool:
        fa, fb = pool.submit(node_a), pool.submit(node_b)
        (pid_a, ids_a), (pid_b, ids_b) = fa.result(20), fb.result(20)

    assert pid_a != pid_b  # really two connections
    assert len(ids_a) == len(ids_b) == 5
    assert not set(ids_a) & set(ids_b)
    owners = dict(CampaignContact.select(CampaignContact.id, CampaignContact.claimed_by).tuples())
    assert {i for i, node in owners.items() if node == "node-a"} == set(ids_a)
    assert {i for i, node in owners.items() if node == "node-b"} == set(ids_b)


def test_many_nodes_racing_claim_each_row_exactly_once(pg):
    campaign_id = seed_queue(60)
    now = utcnow()
    start = threading.Barrier(6)

    def node(name):
        got = []
        start.wait(10)
        with pg.connection_context():
            while batch := claim_contacts(campaign_id, name, 3, now):
                got.extend(batch)
        return got

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(node, [f"n{i}" for i in range(6)], timeout=60))

    claimed = [i for got in results for i in got]
    assert len(claimed) == 60
    assert len(set(claimed)) == 60
    assert CampaignContact.select().where(CampaignContact.state == "in_progress").count() == 60


async def test_store_on_postgres_fifty_concurrent_inserts(pg):
    store = Store(pg, threads=4)
    try:
        account_id = await store.run(lambda: seed()[0].id)

        def insert(i):
            return Contact.create(account=account_id, name=f"n{i}", client_id=f"K{i}").id

        ids = await asyncio.gather(*(store.run(insert, i) for i in range(50)))
        assert len(set(ids)) == 50
        count = await store.run(
            lambda: Contact.select().where(Contact.client_id.startswith("K")).count())
        assert count == 50
    finally:
        await store.close()


def test_nodes_racing_for_the_hourly_cap_never_exceed_it(pg):
    """The cap is counted where the attempt is written, under a lock on the campaign's
    row: six nodes writing their attempts at the same instant, round after round, into a
    cap of 10 write exactly 10 (without the lock the second round writes 12)."""
    from dialer.outbound.store import claim_due, start_attempt

    campaign_id = seed_queue(40)
    now = utcnow()
    together = threading.Barrier(6)

    def node(name):
        written = 0
        with pg.connection_context():
            for _ in range(3):
                with pg.atomic():
                    [claim] = claim_due(campaign_id, name, 1, now)
                together.wait(10)
                with pg.atomic():
                    if start_attempt(cc_id=claim.cc_id, phone="+33612345678",
                                     caller_id=None, channel_id=f"{name}-{uuid.uuid4().hex}",
                                     node=name, now=now, hourly_cap=10) is not None:
                        written += 1
        return written

    with ThreadPoolExecutor(6) as pool:
        written = list(pool.map(node, [f"n{i}" for i in range(6)], timeout=60))

    assert sum(written) == 10 == Attempt.select().count()
    assert len({a.contact_id for a in Attempt.select()}) == 10


@pytest.mark.parametrize("check", [
    "test_claims_past_their_lease_go_back_unless_dialled_or_renewed",
    "test_a_call_that_ended_with_its_agent_unseen_is_recorded_as_human"])
def test_claim_leases_and_recovery_of_bridged_calls_on_postgres(pg, check):
    """The same checks as on SQLite: the lease sweep's correlated UPDATE, ClaimLost, and
    a restart's recovery of a call that ended with its agent."""
    from tests.unit import test_recover

    getattr(test_recover, check)(pg)


def test_nodes_racing_for_a_numbers_cap_across_campaigns_never_exceed_it(pg):
    """Florida's 3 calls per number per 24 h is counted where the attempt is written,
    under a lock on the account's row: six nodes of six campaigns of one account dial the
    same Miami number at the same instant and write exactly 3 attempts."""
    from dialer.compliance.calling import CallingPolicy
    from dialer.outbound.eligibility import CampaignRules, PlanRules
    from dialer.outbound.model import RulesCheck
    from dialer.outbound.store import claim_due, start_attempt

    account, _, _, _ = seed()
    campaigns = []
    for i in range(6):
        campaign = Campaign.create(account=account, name=f"c{i}")
        contact = Contact.create(account=account, name=f"p{i}")
        ContactPhone.create(contact=contact, number="+13055550123")
        CampaignContact.create(campaign=campaign, contact=contact)
        campaigns.append(campaign.id)
    now = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.timezone.utc)  # 11:00 in Miami
    together = threading.Barrier(6)

    def node(i):
        with pg.connection_context():
            with pg.atomic():
                [claim] = claim_due(campaigns[i], f"n{i}", 1, now)
            rules = RulesCheck(claim.state, CampaignRules(home_region="US"), PlanRules(),
                               CallingPolicy())
            together.wait(10)
            with pg.atomic():
                return start_attempt(cc_id=claim.cc_id, phone=claim.phone, caller_id=None,
                                     channel_id=f"n{i}-{uuid.uuid4().hex}", node=f"n{i}",
                                     now=now, rules=rules) is not None

    with ThreadPoolExecutor(6) as pool:
        written = list(pool.map(node, range(6), timeout=60))

    assert sum(written) == 3 == Attempt.select().count()


def test_a_campaign_can_dial_due_retries_first_on_postgres(pg):
    """NULLS LAST/FIRST on PostgreSQL too (issue 18's dial_first)."""
    retries_first(pg)


def test_transfer_legs_on_postgres(pg):
    """Issue 18's transfer legs: one row per leg, its status current."""
    legs_kept(pg)


def test_transferred_calls_reads_on_postgres(pg):
    """The receiving agent's reads and the resync's held customers."""
    transferred_reads(pg)
