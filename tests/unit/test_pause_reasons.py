"""Not-ready reasons (issue 18): the account's list over the API, an agent going not ready
for one of them, kept on the agent's row and taken back after a restart; from the
attacker's side, another account's reasons are neither readable, changeable nor usable."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.agents.machine import AgentState
from dialer.db import Store, auth, migrate, open_database
from dialer.db.models import Account, Agent
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer, live_agents

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    acme, other = (Account.create(name=n, company_number="+12125550100") for n in ("a", "b"))
    user = auth.create_user(acme.id, username="alice", password="password1", role="agent")
    alice = Agent.create(user=user["id"], endpoint="PJSIP/alice")
    alice_token = auth.create_api_token(alice.user_id)["token"]
    headers = {"supervisor": bearer(acme.id, "supervisor"), "agent": {"Authorization": f"Bearer {alice_token}"},
               "stranger": bearer(other.id, "supervisor")}
    ids = {"acme": acme.id, "other": other.id, "alice": alice.id}
    db.close()
    store = Store(db)
    dialer = FakeDialer(store, lambda: NOW, agents=live_agents(store, [alice.id]))
    client = await aiohttp_client(create_app(dialer))
    yield client, dialer, ids, headers
    await store.close()


async def test_crud_and_choosing_a_reason(env):
    client, dialer, ids, h = env
    url = f"/api/accounts/{ids['acme']}/pause-reasons"
    made = {}
    for name in ("lunch", "break"):
        resp = await client.post(url, json={"name": name}, headers=h["supervisor"])
        assert resp.status == 201
        made[name] = (await resp.json())["id"]
    for body, status, field in (({"name": "lunch"}, 409, "name"), ({"name": "  "}, 400, "name"),
                                ({"name": 3}, 400, "name"), ({"colour": "x"}, 400, "colour")):
        resp = await client.post(url, json=body, headers=h["supervisor"])
        assert resp.status == status, body
        assert_error(await resp.json(), field)
    listed = await (await client.get(url, headers=h["agent"])).json()  # agents choose one
    assert [r["name"] for r in listed["items"]] == ["break", "lunch"]
    resp = await client.post(url, json={"name": "nap"}, headers=h["agent"])
    assert resp.status == 403

    alice = ids["alice"]
    resp = await client.post(f"/api/agents/{alice}/not-ready",
                             json={"reason_id": made["lunch"]}, headers=h["agent"])
    assert resp.status == 200
    shown = await resp.json()
    assert (shown["state"], shown["pause_reason_id"]) == ("not_ready", made["lunch"])
    row = await dialer.store.run(Agent.get_by_id, alice)
    assert (row.state, row.pause_reason_id) == ("not_ready", made["lunch"])

    resp = await client.patch(f"/api/pause-reasons/{made['lunch']}", json={"name": "meal"},
                              headers=h["supervisor"])
    assert (await resp.json())["name"] == "meal"
    resp = await client.post(f"/api/agents/{alice}/not-ready", headers=h["agent"])
    assert (await resp.json())["pause_reason_id"] is None  # no reason given
    resp = await client.post(f"/api/agents/{alice}/not-ready",
                             json={"reason_id": made["break"]}, headers=h["agent"])
    resp = await client.delete(f"/api/pause-reasons/{made['break']}", headers=h["supervisor"])
    assert resp.status == 200
    row = await dialer.store.run(Agent.get_by_id, alice)
    assert (row.state, row.pause_reason_id) == ("not_ready", None)
    await client.post(f"/api/agents/{alice}/ready", headers=h["agent"])
    row = await dialer.store.run(Agent.get_by_id, alice)
    assert (row.state, row.pause_reason_id) == ("available", None)


async def test_another_accounts_reasons_are_out_of_reach(env):
    client, dialer, ids, h = env
    resp = await client.post(f"/api/accounts/{ids['other']}/pause-reasons",
                             json={"name": "theirs"}, headers=h["stranger"])
    theirs = (await resp.json())["id"]
    alice = ids["alice"]
    for reason_id, field in ((theirs, "reason_id"), ("1", "reason_id"), (True, "reason_id"),
                             (0, "reason_id")):
        resp = await client.post(f"/api/agents/{alice}/not-ready",
                                 json={"reason_id": reason_id}, headers=h["agent"])
        assert resp.status == 400, reason_id
        assert_error(await resp.json(), field)
    assert dialer.agents.describe(alice).state == AgentState.AVAILABLE
    for method in ("GET", "PATCH", "DELETE"):
        resp = await client.request(method, f"/api/pause-reasons/{theirs}",
                                    json={"name": "mine"}, headers=h["supervisor"])
        assert resp.status == 403, method
    resp = await client.get(f"/api/accounts/{ids['other']}/pause-reasons", headers=h["agent"])
    assert resp.status == 403
    resp = await client.post(f"/api/agents/{alice}/not-ready", json={}, headers=h["stranger"])
    assert resp.status == 403


async def test_the_reason_is_taken_back_after_a_restart(env):
    client, dialer, ids, h = env
    resp = await client.post(f"/api/accounts/{ids['acme']}/pause-reasons",
                             json={"name": "training"}, headers=h["supervisor"])
    training = (await resp.json())["id"]
    alice = ids["alice"]
    await client.post(f"/api/agents/{alice}/not-ready", json={"reason_id": training},
                      headers=h["agent"])
    restarted = live_agents(dialer.store, [])  # a new runtime: no sessions in memory
    leg = f"agent-{alice}-0a1b2c3d"
    await restarted._take_back(alice, leg, {f"dialer-agent-{alice}": [leg]})
    back = restarted.describe(alice)
    assert (back.state, back.pause_reason_id) == (AgentState.NOT_READY, training)
