"""Accounts, agent groups and agents under plan limits: services, API, and the live-agent
limit at login (AgentSessions with a stub ARI: the limit is checked before any call)."""

from __future__ import annotations

import pytest

from dialer.db import Store, migrate, open_database
from dialer.db.models import Account, ServicePlan
from dialer.agents.shell import AgentSessions, AgentStateError
from dialer.web.app import create_app
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer
from tests.auth_helpers import bearer


class StubAri:
    def __init__(self):
        self.originated = []

    async def originate(self, endpoint, **kwargs):
        self.originated.append(endpoint)


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="small", max_agent_groups=1, max_live_agents_per_group=2)
    off = ServicePlan.create(name="off", enabled=False)
    headers = bearer(Account.create(name="operator").id)  # the PBX admin's own account
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)), headers=headers)
    yield client, store, plan.id, off.id
    await store.close()


async def test_accounts_groups_agents_and_their_limits(env):
    client, store, plan_id, off_id = env
    resp = await client.post("/api/accounts", json={"name": "Acme", "plan_id": off_id})
    assert resp.status == 409
    assert_error(await resp.json(), "plan_id")
    resp = await client.post("/api/accounts", json={"name": "Acme", "plan_id": plan_id,
                                                    "company_number": "555"})
    assert resp.status == 400
    assert_error(await resp.json(), "company_number")
    resp = await client.post("/api/accounts", json={"name": "Acme", "plan_id": plan_id,
                                                    "company_number": "(212) 555-0100"})
    account = await resp.json()
    assert resp.status == 201 and account["company_number"] == "+12125550100"

    resp = await client.post(f"/api/accounts/{account['id']}/agent-groups", json={"name": "A"})
    group = await resp.json()
    assert resp.status == 201 and group["followups_allowed"] is True
    resp = await client.post(f"/api/accounts/{account['id']}/agent-groups", json={"name": "B"})
    assert resp.status == 409
    assert_error(await resp.json(), "max_agent_groups")

    agents = []
    for i in range(3):
        resp = await client.post(f"/api/accounts/{account['id']}/agents",
                                 json={"username": f"a{i}", "endpoint": f"PJSIP/a{i}",
                                       "group_ids": [group["id"]]})
        assert resp.status == 201
        agents.append((await resp.json())["id"])
    resp = await client.post(f"/api/accounts/{account['id']}/agents",
                             json={"username": "a0", "endpoint": "PJSIP/x"})
    assert resp.status == 409
    assert_error(await resp.json(), "username")
    resp = await client.post(f"/api/accounts/{account['id']}/agents",
                             json={"username": "z", "endpoint": "Local/alice@default"})
    assert_error(await resp.json(), "endpoint")

    # Two live agents per group: the third login is refused before any phone rings.
    ari = StubAri()
    sessions = AgentSessions(ari, store, "dialer")
    await sessions.login(agents[0])
    await sessions.login(agents[1])
    with pytest.raises(AgentStateError) as refused:
        await sessions.login(agents[2])
    assert refused.value.field == "max_live_agents_per_group"
    assert ari.originated == ["PJSIP/a0", "PJSIP/a1"]
