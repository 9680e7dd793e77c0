"""Who rings for a call to the company number: the pure steps, the plan read from the
database, and the ring-group API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.core.asterisk_input import dial_string
from dialer.inbound.ringing import RingStep, business_due, ring_steps
from dialer.db import Store
from dialer.actions.store import due_action_calls, schedule_action_call
from dialer.inbound.store import ring_plan, set_business_hours, set_members, set_ring_group
from dialer.db.models import Account, Agent, Contact, ContactPhone, ServicePlan, User
from dialer.db.validation import FieldError
from dialer.web.app import create_app
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer
from tests.auth_helpers import bearer

USERS = ["PJSIP/a", "PJSIP/b", "PJSIP/c"]


def test_steps_per_strategy():
    assert ring_steps(strategy="ordered", ring_seconds=15, users=USERS) == \
        (RingStep(("PJSIP/a",), 15), RingStep(("PJSIP/b",), 15), RingStep(("PJSIP/c",), 15))
    assert ring_steps(strategy="simultaneous", ring_seconds=20, users=USERS) == \
        (RingStep(tuple(USERS), 20),)
    assert ring_steps(strategy="default", ring_seconds=20, users=USERS,
                      default_target="+12125550100") == (RingStep(("+12125550100",), 20),)
    assert ring_steps(strategy="default", ring_seconds=20, users=[],
                      default_target="+12125550100", assigned_target="PJSIP/b") == \
        (RingStep(("PJSIP/b",), 20),)
    assert ring_steps(strategy="simultaneous", ring_seconds=20, users=USERS,
                      forward_number="+14155550000") == (RingStep(("+14155550000",), 20),)
    # nobody to ring: straight to voicemail
    assert ring_steps(strategy="simultaneous", ring_seconds=20, users=[]) == ()
    assert ring_steps(strategy="default", ring_seconds=20, users=USERS) == ()


def test_dial_strings():
    assert dial_string("PJSIP/alice", "carrier", False) == "PJSIP/alice"
    assert dial_string("+14155550000", "carrier", False) == "PJSIP/+14155550000@carrier"
    assert dial_string("+14155550000", "carrier", True) == "Local/+14155550000@dialer-training"


@pytest.fixture
def account(db):
    plan = ServicePlan.create(name="p")
    account = Account.create(name="Acme", company_number="+12125550100", plan=plan,
                             phone="PJSIP/front-desk")
    ann = User.create(account=account, username="ann", password_hash="!",
                      endpoint="PJSIP/ann")
    bob = User.create(account=account, username="bob", password_hash="!", endpoint="PJSIP/bob")
    off = User.create(account=account, username="off", password_hash="!", endpoint="PJSIP/off",
                      active=False)
    known = Contact.create(account=account, name="Kim", assigned_user=bob)
    ContactPhone.create(contact=known, number="+13125550777")
    return account, {"ann": ann.id, "bob": bob.id, "off": off.id}


def test_plan_from_the_database(account):
    account, users = account
    assert ring_plan("+19995550000", "+13125550777") is None  # nobody's number
    assert ring_plan("2125550100", "+1555").steps == \
        (RingStep(("PJSIP/front-desk",), 20),)  # no group yet: the account's phone
    set_ring_group(account.id, strategy="ordered", ring_seconds=12)
    set_members(account.id, [{"user_id": users["bob"]}, {"user_id": users["off"]},
                             {"user_id": users["ann"], "active": False}])
    plan = ring_plan("+12125550100", "(312) 555-0777")
    assert plan.steps == (RingStep(("PJSIP/bob",), 12),)  # inactive users are skipped
    assert (plan.contact_name, plan.caller) == ("Kim", "+13125550777")
    set_ring_group(account.id, strategy="default", route_to_assigned_user=True)
    assert ring_plan("+12125550100", "+13125550777").steps == (RingStep(("PJSIP/bob",), 12),)
    assert ring_plan("+12125550100", "+16175550000").steps == \
        (RingStep(("PJSIP/front-desk",), 12),)  # unknown caller: the account's phone
    with pytest.raises(FieldError) as bad:
        set_ring_group(account.id, strategy="round-robin")
    assert bad.value.field == "strategy"
    with pytest.raises(FieldError) as bad:
        set_members(account.id, [{"user_id": 999}])
    assert bad.value.field == "members[0].user_id"


async def test_ring_group_api(db, aiohttp_client, account):
    account, users = account
    headers = bearer(account.id)
    db.close()  # the Store's thread owns the connection from here on
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)), headers=headers)
    resp = await client.put(f"/api/accounts/{account.id}/ring-group",
                            json={"strategy": "simultaneous", "ring_seconds": 2})
    assert resp.status == 400
    assert_error(await resp.json(), "ring_seconds")
    resp = await client.put(f"/api/accounts/{account.id}/ring-group",
                            json={"strategy": "simultaneous", "caller_id_mode": "caller",
                                  "forward_number": None})
    assert (await resp.json())["strategy"] == "simultaneous"
    resp = await client.put(f"/api/accounts/{account.id}/ring-group/members",
                            json={"members": [{"user_id": users["ann"]}]})
    assert [m["user_id"] for m in (await resp.json())["members"]] == [users["ann"]]
    assert (await (await client.get(f"/api/accounts/{account.id}/voicemails")).json())[
        "items"] == []
    await store.close()


# --- action-plan calls: business hours ----------------------------------------------------

PARIS = "Europe/Paris"
OPEN, CLOSE = dt.time(9, 0), dt.time(17, 30)


def paris(y, mo, d, h, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(PARIS)).astimezone(dt.UTC)


@pytest.mark.parametrize("due, expected", [
    (paris(2026, 11, 24, 10), paris(2026, 11, 24, 10)),     # Tuesday, open: as is
    (paris(2026, 11, 24, 7), paris(2026, 11, 24, 9)),       # before opening
    (paris(2026, 11, 24, 18), paris(2026, 11, 25, 9)),      # after closing: next morning
    (paris(2026, 11, 27, 17, 45), paris(2026, 11, 30, 9)),  # Friday evening: Monday
    (paris(2026, 11, 28, 12), paris(2026, 11, 30, 9)),      # Saturday
])
def test_delayed_calls_wait_for_business_hours(due, expected):
    assert business_due(due, PARIS, OPEN, CLOSE) == expected
    assert business_due(due, PARIS, None, None) == due


@given(st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)))
def test_business_due_is_never_earlier_and_always_open(naive):
    due = naive.replace(tzinfo=dt.UTC)
    got = business_due(due, PARIS, OPEN, CLOSE)
    local = got.astimezone(ZoneInfo(PARIS))
    assert got >= due and local.weekday() < 5 and OPEN <= local.time() < CLOSE
    assert got - due < dt.timedelta(days=4)


def test_schedule_action_calls(account):
    account, _ = account
    now = paris(2026, 11, 24, 18)
    contact = Contact.get(Contact.name == "Kim")
    account.timezone = PARIS
    account.save()
    set_business_hours(account.id, "09:00", "17:30")
    assert schedule_action_call(account.id, contact_id=contact.id, now=now)["due_at"] == \
        now.isoformat()  # immediate: not held back
    later = schedule_action_call(account.id, contact_id=contact.id, now=now, delay_minutes=30)
    assert later["due_at"] == paris(2026, 11, 25, 9).isoformat()
    with pytest.raises(FieldError) as bad:
        set_business_hours(account.id, "17:00", "09:00")
    assert bad.value.field == "stop"
    with pytest.raises(FieldError) as bad:
        schedule_action_call(account.id, contact_id=999, now=now)
    assert bad.value.field == "contact_id"
    [plan] = due_action_calls(now + dt.timedelta(minutes=1), "n1")
    assert plan.ring.caller == "+13125550777" and plan.ring.contact_name == "Kim"
    assert due_action_calls(now + dt.timedelta(minutes=1), "n1") == []  # taken once


def test_users_who_are_agents_are_named_so_their_session_can_take_the_call(account):
    account, users = account
    carl = User.create(account=account, username="carl", password_hash="!")  # no phone of his own
    carl_agent = Agent.create(user=carl, endpoint="PJSIP/agent1")
    bob_agent = Agent.create(user=users["bob"], endpoint="PJSIP/agent2")
    set_ring_group(account.id, strategy="simultaneous")
    set_members(account.id, [{"user_id": users["ann"]}, {"user_id": users["bob"]},
                             {"user_id": carl.id}])
    plan = ring_plan("+12125550100", "+16175550000")
    assert plan.steps == (RingStep(("PJSIP/ann", "PJSIP/bob", "PJSIP/agent1"), 20),)
    assert dict(plan.agents) == {"PJSIP/bob": bob_agent.id, "PJSIP/agent1": carl_agent.id}


def test_a_call_whose_caller_went_while_its_node_was_down_is_closed_at_its_resync(account):
    """Issue 18's leftover: an inbound record stayed open for ever when the caller hung up
    while the dialer was down. Its node closes it (another node's calls are not its own)."""
    from dialer.db.models import InboundCall
    from dialer.inbound.store import arrived, close_lost_records
    t0 = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)
    company = account[0].company_number
    ids = {channel: arrived(company, "+12125550100", channel, t0, node)[1]
           for channel, node in (("gone", "n1"), ("talking", "n1"), ("elsewhere", "n2"))}
    assert close_lost_records("n1", {"talking", "other"}, t0 + dt.timedelta(minutes=5)) == 1
    ended = {c.channel_id: c.ended_at for c in InboundCall.select().where(
        InboundCall.id.in_(list(ids.values())))}
    assert ended == {"gone": (t0 + dt.timedelta(minutes=5)).replace(tzinfo=None),  # stored naive UTC
                     "talking": None, "elsewhere": None}
    assert close_lost_records("n1", set(), t0 + dt.timedelta(minutes=9)) == 1  # once each
