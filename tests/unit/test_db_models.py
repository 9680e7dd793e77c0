"""Data layer on SQLite: migrations, models, constraints, Store, claim_contacts."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee as pw
import pytest

import dialer.db.migrations
from peewee_migrate.router import compile_migrations

from dialer.db import Store, claim_contacts, migrate, open_database, utcnow
from dialer.db.migrate import router
from dialer.db.models import (
    MODELS, Account, Agent, Attempt, Campaign, CampaignContact, Contact, ContactPhone,
    Role, ServicePlan, SuppressionEntry, SuppressionList, User,
)

MIGRATIONS_DIR = Path(dialer.db.migrations.__file__).parent


@pytest.fixture
async def store(db):
    s = Store(db)
    yield s
    await s.close()


def seed():
    """A plan, account, user/agent, campaign and one contact with a phone."""
    plan = ServicePlan.create(name="basic", window_start=dt.time(9), window_stop=dt.time(20),
                              max_attempts_per_hour=2)
    account = Account.create(name="Acme", company_number="+33123456789", plan=plan,
                             timezone="Europe/Paris")
    user = User.create(account=account, username="alice", password_hash="x")
    agent = Agent.create(user=user, endpoint="PJSIP/agent1")
    campaign = Campaign.create(account=account, name="spring", amd_enabled=True)
    contact = Contact.create(account=account, name="Bob", client_id="C1",
                             fields={"plan": "gold"})
    ContactPhone.create(contact=contact, number="+33612345678", kind="mobile")
    return account, agent, campaign, contact


def add_campaign_contacts(campaign, account, n, **kwargs):
    ids = []
    for i in range(n):
        contact = Contact.create(account=account, name=f"c{i}")
        ids.append(CampaignContact.create(campaign=campaign, contact=contact, **kwargs).id)
    return ids


# --- database and schema --------------------------------------------------------------


def test_sqlite_pragmas_are_applied(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_migrate_twice_is_a_noop(db):
    tables = db.get_tables()
    assert migrate(db) == []
    assert db.get_tables() == tables
    assert router(db).done == [p.stem for p in sorted(MIGRATIONS_DIR.glob("0*.py"))]


def schema(database):
    """Tables -> (columns with type/nullability/pk, indexes by column list and uniqueness)."""
    out = {}
    for table in database.get_tables():
        if table == "migratehistory":
            continue
        columns = {(c.name, c.data_type.upper(), c.null, c.primary_key)
                   for c in database.get_columns(table)}
        indexes = {(i.name, tuple(i.columns), i.unique) for i in database.get_indexes(table)}
        fks = {(f.column, f.dest_table, f.dest_column) for f in database.get_foreign_keys(table)}
        out[table] = (columns, indexes, fks)
    return out


def test_migrated_schema_equals_models_schema(db, tmp_path):
    direct = pw.SqliteDatabase(str(tmp_path / "direct.db"))
    with direct.bind_ctx(MODELS):
        direct.create_tables(MODELS)
    expected = schema(direct)
    assert set(expected) == {m._meta.table_name for m in MODELS}
    assert schema(db) == expected


def test_models_need_no_new_migration(db):
    """Fails when a model changed without `python -m dialer.db.migrate make <name>`."""
    assert compile_migrations(router(db).migrator, list(MODELS)) == ""


# --- models ---------------------------------------------------------------------------


def test_create_and_read_back(db):
    account, agent, campaign, contact = seed()
    cc = CampaignContact.create(campaign=campaign, contact=contact)
    Attempt.create(campaign=campaign, contact=contact, phone="+33612345678",
                   channel_id="dialer-1", agent=agent, outcome="human", hangup_cause=16,
                   script_answers={"q1": "yes"})

    row = (Attempt.select(Attempt, Campaign, Account, ServicePlan)
           .join(Campaign).join(Account).join(ServicePlan)
           .where(Attempt.channel_id == "dialer-1").get())
    assert row.campaign.account.plan.window_start == dt.time(9)
    assert row.campaign.ring_timeout_seconds == 30
    assert row.campaign.status == "draft"
    assert row.script_answers == {"q1": "yes"}
    assert row.agent.user.username == "alice"
    assert [p.number for p in contact.phones] == ["+33612345678"]
    assert CampaignContact.get_by_id(cc.id).state == "waiting"
    assert row.started_at.tzinfo is None


@pytest.mark.parametrize("duplicate", [
    lambda a, ag, ca, co: User.create(account=a, username="alice", password_hash="y"),
    lambda a, ag, ca, co: Contact.create(account=a, client_id="C1"),
    lambda a, ag, ca, co: [CampaignContact.create(campaign=ca, contact=co) for _ in range(2)],
    lambda a, ag, ca, co: [Attempt.create(campaign=ca, contact=co, phone="+1", channel_id="x")
                           for _ in range(2)],
    lambda a, ag, ca, co: ServicePlan.create(name="basic"),
    lambda a, ag, ca, co: Agent.create(user=ag.user, endpoint="PJSIP/other"),
], ids=["username", "client_id", "campaign_contact", "channel_id", "plan_name", "agent_user"])
def test_unique_constraints(db, duplicate):
    rows = seed()
    with pytest.raises(pw.IntegrityError), db.atomic():
        duplicate(*rows)


def test_null_client_ids_do_not_collide(db):
    account, *_ = seed()
    Contact.create(account=account)
    Contact.create(account=account)
    assert Contact.select().where(Contact.client_id.is_null()).count() == 2


def test_suppression_entry_unique_per_list(db):
    account, *_ = seed()
    dnc = SuppressionList.create(account=account, name="dnc", kind="device")
    other = SuppressionList.create(account=account, name="dnc2", kind="device")
    SuppressionEntry.create(suppression_list=dnc, value="+33612345678")
    SuppressionEntry.create(suppression_list=other, value="+33612345678")
    with pytest.raises(pw.IntegrityError), db.atomic():
        SuppressionEntry.create(suppression_list=dnc, value="+33612345678")


def test_foreign_keys_enforced_and_cascade(db):
    account, _, campaign, contact = seed()
    with pytest.raises(pw.IntegrityError), db.atomic():
        Campaign.create(account=9999, name="orphan")
    CampaignContact.create(campaign=campaign, contact=contact)
    contact.delete_instance()  # phones and campaign membership go with it
    assert ContactPhone.select().count() == 0
    assert CampaignContact.select().count() == 0


def test_json_round_trip(db):
    account, *_ = seed()
    doc = {"name": "Zoë 🙂", "n": [1, 2.5, None, True], "nested": {"a": {"b": []}}}
    contact = Contact.create(account=account, fields=doc)
    role = Role.create(name="admin", privileges=["manage_campaigns", "listen_calls"])
    assert Contact.get_by_id(contact.id).fields == doc
    assert Role.get_by_id(role.id).privileges == ["manage_campaigns", "listen_calls"]
    assert Contact.create(account=account).fields == {}  # default is a fresh dict


def test_datetimes_are_stored_as_naive_utc(db):
    _, _, campaign, contact = seed()
    paris = dt.datetime(2024, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    cc = CampaignContact.create(campaign=campaign, contact=contact, next_attempt_at=paris)
    assert CampaignContact.get_by_id(cc.id).next_attempt_at == dt.datetime(2024, 7, 1, 12, 30)
    # aware values in WHERE clauses are converted too
    assert CampaignContact.select().where(CampaignContact.next_attempt_at == paris).count() == 1


def test_enum_and_e164_fields_reject_bad_values(db):
    account, *_ = seed()
    with pytest.raises(ValueError, match="status"):
        Campaign.create(account=account, name="x", status="paused")
    with pytest.raises(ValueError, match="E.164"):
        Account.create(name="y", company_number="0123456789")
    # lookups with raw caller IDs simply do not match
    assert ContactPhone.select().where(ContactPhone.number == "anonymous").count() == 0


# --- Store ----------------------------------------------------------------------------


async def test_store_runs_off_the_event_loop(store):
    def where_am_i():
        try:
            asyncio.get_running_loop()
            has_loop = True
        except RuntimeError:
            has_loop = False
        return threading.get_ident(), has_loop

    ident, has_loop = await store.run(where_am_i)
    assert ident != threading.get_ident()
    assert has_loop is False


async def test_store_serialises_sqlite_work_on_one_thread(store):
    lock = threading.Lock()
    active, peak, threads = 0, 0, set()

    def work():
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            threads.add(threading.get_ident())
        time.sleep(0.002)
        with lock:
            active -= 1

    await asyncio.gather(*(store.run(work) for _ in range(20)))
    assert peak == 1
    assert len(threads) == 1


async def test_fifty_concurrent_inserts_all_land(store):
    await store.run(seed)

    def insert(i):
        return Contact.create(account=1, name=f"n{i}", client_id=f"K{i}").id

    ids = await asyncio.gather(*(store.run(insert, i) for i in range(50)))
    assert len(set(ids)) == 50
    count = await store.run(
        lambda: Contact.select().where(Contact.client_id.startswith("K")).count())
    assert count == 50


async def test_store_run_is_one_transaction(store):
    await store.run(seed)

    def insert_then_fail():
        Contact.create(account=1, name="ghost")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await store.run(insert_then_fail)
    assert await store.run(lambda: Contact.select().where(Contact.name == "ghost").count()) == 0


async def test_in_memory_database_through_store():
    db = open_database("sqlite:///:memory:")
    store = Store(db)
    try:
        assert await store.call(migrate, db) == [p.stem for p in sorted(MIGRATIONS_DIR.glob("0*.py"))]
        await store.run(seed)
        assert await store.run(lambda: Contact.get(Contact.client_id == "C1").name) == "Bob"
    finally:
        await store.close()


# --- claim_contacts -------------------------------------------------------------------


def test_claim_contacts_takes_due_rows_once(db):
    account, _, campaign, _ = seed()
    now = dt.datetime(2024, 1, 1, 12, 0)
    due = add_campaign_contacts(campaign, account, 4)
    due += add_campaign_contacts(campaign, account, 1, state="rescheduled",
                                 next_attempt_at=now - dt.timedelta(minutes=5))
    add_campaign_contacts(campaign, account, 2, next_attempt_at=now + dt.timedelta(hours=1))
    add_campaign_contacts(campaign, account, 2, state="completed")

    first = claim_contacts(campaign.id, "node-a", 3, now)
    second = claim_contacts(campaign.id, "node-b", 3, now)
    assert first == due[:3]  # never-scheduled (NULL) first, then by id
    assert second == due[3:]
    assert claim_contacts(campaign.id, "node-b", 3, now) == []
    row = CampaignContact.get_by_id(first[0])
    assert (row.state, row.claimed_by, row.claimed_at) == ("in_progress", "node-a", now)


def test_a_campaign_can_dial_due_retries_before_fresh_contacts(db):
    """Issue 18: a retry due now no longer waits behind every contact never dialled."""
    account, _, campaign, _ = seed()
    now = dt.datetime(2024, 1, 1, 12, 0)
    fresh = add_campaign_contacts(campaign, account, 3)
    older, newer = (add_campaign_contacts(campaign, account, 1, state="rescheduled",
                                          next_attempt_at=now - dt.timedelta(minutes=m))[0]
                    for m in (30, 5))
    add_campaign_contacts(campaign, account, 1, next_attempt_at=now + dt.timedelta(minutes=1))
    Campaign.update(dial_first="retries").where(Campaign.id == campaign.id).execute()
    assert claim_contacts(campaign.id, "node-a", 3, now) == [older, newer, fresh[0]]
    Campaign.update(dial_first="fresh").where(Campaign.id == campaign.id).execute()
    assert claim_contacts(campaign.id, "node-a", 3, now) == fresh[1:]


async def test_concurrent_claims_through_store_never_overlap(store):
    def setup():
        account, _, campaign, _ = seed()
        add_campaign_contacts(campaign, account, 30)
        return campaign.id

    campaign_id = await store.run(setup)
    now = utcnow()
    claims = await asyncio.gather(*(store.run(claim_contacts, campaign_id, f"n{i}", 4, now)
                                    for i in range(10)))
    claimed = [i for batch in claims for i in batch]
    assert len(claimed) == 30
    assert len(set(claimed)) == 30


def test_claims_from_separate_sqlite_connections_never_overlap(db):
    """Several connections (as from several processes): BEGIN IMMEDIATE serialises them."""
    account, _, campaign, _ = seed()
    add_campaign_contacts(campaign, account, 45)
    now = utcnow()
    start = threading.Barrier(5)
    results = {}

    def node(name):
        start.wait(10)
        got = []
        with db.connection_context():  # this thread's own connection
            while batch := claim_contacts(campaign.id, name, 3, now):
                got.extend(batch)
        results[name] = got

    threads = [threading.Thread(target=node, args=(f"n{i}",)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [i for got in results.values() for i in got]
    assert len(results) == 5
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 45
