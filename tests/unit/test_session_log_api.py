"""GET /api/agents/{id}/session-log over the real agent sessions and Store: what the
session did is written by its Persist effects and read back; from the attacker's side, an
agent never reads another agent's log, another account reads none, and a supervisor whose
profile hides a campaign sees the call but not which one."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.agents.store import create_reason
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, Agent, Attempt, Campaign, Contact
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer, live_agents, put_on_call

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def _agent(account: Account, name: str) -> tuple[int, dict]:
    user = auth.create_user(account.id, username=name, password="password1", role="agent")
    agent = Agent.create(user=user["id"], endpoint=f"PJSIP/{name}")
    return agent.id, {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    acme, other = (Account.create(name=n, company_number="+12125550100") for n in ("a", "b"))
    alice, alice_h = _agent(acme, "alice")
    bob, bob_h = _agent(acme, "bob")
    shown, hidden = (Campaign.create(account=acme, name=n) for n in ("shown", "hidden"))
    contact = Contact.create(account=acme, name="Ann")
    attempt = Attempt.create(campaign=hidden, contact=contact, phone="+12125550101",
                             channel_id="c1", agent=alice, started_at=T0)
    profile = roles.create_profile(acme.id, "shown only", False, [shown.id])
    narrow = bearer(acme.id, "campaign manager", profile_id=profile["id"])
    lunch = create_reason(acme.id, name="Lunch")
    ids = {"alice": alice, "bob": bob, "hidden": hidden.id, "attempt": attempt.id,
           "lunch": lunch.id}
    headers = {"alice": alice_h, "bob": bob_h, "narrow": narrow,
               "supervisor": bearer(acme.id, "supervisor"),
               "stranger": bearer(other.id, "supervisor")}
    db.close()
    store = Store(db)
    clock = [T0]
    agents = live_agents(store, [alice])
    agents.now = lambda: clock[0]
    dialer = FakeDialer(store, lambda: clock[0], agents=agents)
    client = await aiohttp_client(create_app(dialer))
    yield client, dialer, ids, headers, clock
    await store.close()


async def _work_a_morning(client, dialer, ids, h, clock) -> None:
    """09:00 not ready for lunch, 09:30 ready, 09:31 a call of `hidden`, 09:34 its wrap-up,
    09:35 ready again (the clock then at 10:00)."""
    alice, agents = ids["alice"], dialer.agents

    def move(minutes: int) -> None:
        clock[0] = T0 + dt.timedelta(minutes=minutes)
    resp = await client.post(f"/api/agents/{alice}/not-ready", json={"reason_id": ids["lunch"]},
                             headers=h["alice"])
    assert resp.status == 200
    move(30)
    await client.post(f"/api/agents/{alice}/ready", headers=h["alice"])
    move(31)
    await put_on_call(agents, alice, "cust-1", ids["attempt"], campaign_id=ids["hidden"])
    move(34)
    await agents.call_ended(alice, 300)
    move(35)
    await agents.set_ready(alice, True)  # ends the wrap-up early
    move(60)


async def test_the_agent_reads_their_morning(env):
    client, dialer, ids, h, clock = env
    await _work_a_morning(client, dialer, ids, h, clock)
    url = f"/api/agents/{ids['alice']}/session-log?since=2026-03-02T08:00:00%2B00:00"
    resp = await client.get(url, headers=h["alice"])
    assert resp.status == 200
    lines = (await resp.json())["items"]
    assert [(ln["kind"], ln["at"][11:16], ln["seconds"]) for ln in lines] == [
        ("pause", "09:00", 1800), ("ready", "09:30", 60), ("call", "09:31", 240),
        ("ready", "09:35", 1500)]
    assert lines[0]["pause_reason"] == "Lunch"
    call = lines[2]
    assert (call["attempt_id"], call["campaign_id"], call["talk_seconds"],
            call["wrap_seconds"]) == (ids["attempt"], ids["hidden"], 180, 60)
    resp = await client.get(f"{url}&until=2026-03-02T09:15:00%2B00:00", headers=h["alice"])
    assert [(ln["kind"], ln["seconds"]) for ln in (await resp.json())["items"]] == [
        ("pause", 900)]

    resp = await client.get(url, headers=h["narrow"])  # the call's campaign is hidden to them
    call = (await resp.json())["items"][2]
    assert (call["kind"], call["attempt_id"], call["campaign_id"], call["talk_seconds"]) == (
        "call", None, None, 180)
    resp = await client.get(url, headers=h["supervisor"])
    assert (await resp.json())["items"][2]["attempt_id"] == ids["attempt"]


async def test_nobody_else_reads_an_agents_log(env):
    client, dialer, ids, h, clock = env
    await _work_a_morning(client, dialer, ids, h, clock)
    for who in ("bob", "stranger"):
        resp = await client.get(f"/api/agents/{ids['alice']}/session-log", headers=h[who])
        assert resp.status == 403, who
    resp = await client.get(f"/api/agents/{ids['bob']}/session-log", headers=h["bob"])
    assert resp.status == 200 and (await resp.json())["items"] == []
    for query, field in (("since=yesterday", "since"), ("until=noon", "until"),
                         ("since=2026-03-02T09:00:00Z&until=2026-03-02T08:00:00Z", "since"),
                         ("since=2026-01-01T00:00:00Z", "since")):
        resp = await client.get(f"/api/agents/{ids['alice']}/session-log?{query}",
                                headers=h["alice"])
        assert resp.status == 400, query
        assert_error(await resp.json(), field)
