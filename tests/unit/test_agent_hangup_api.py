"""The agent ends the call from the API (POST /api/agents/{id}/call/hangup, agents/http.py)
on the runtime's real agent sessions: the request goes to the call's owner (the server
wires it to Features.end_agent_call, stood in for here by the call's machine's part), the
answer comes once the customer has left (wrap-up); the agent with no call, a call not
connected yet and someone else's agent are refused. The lab test drives the real thing."""

from __future__ import annotations

import pytest

from tests.unit.test_api_agent_side import env  # noqa: F401  (the fixture)
from tests.auth_helpers import bearer
from tests.web_dialer import live_agents, put_on_call


@pytest.fixture
async def on_call(env):  # noqa: F811
    client, dialer, ids = env
    dialer.agents = live_agents(dialer.store, [ids["agent"], ids["loner"]])
    await put_on_call(dialer.agents, ids["agent"], "cust-1", ids["attempt"],
                      campaign_id=ids["campaign"])
    asked: list[tuple[int, str]] = []

    async def call_owner(agent_id: int, customer: str) -> bool:
        """The call's machine: hangs the customer up; its end frees the agent (wrap-up)."""
        asked.append((agent_id, customer))
        await dialer.agents.call_ended(agent_id, 30)
        return True
    dialer.agents.end_customer = call_owner
    return client, dialer, ids, asked


async def test_the_agent_ends_the_call_and_is_in_wrap_up(on_call):
    client, dialer, ids, asked = on_call
    resp = await client.post(f"/api/agents/{ids['agent']}/call/hangup")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["state"] == "wrap_up" and body["customer"] is None
    assert body["attempt_id"] == ids["attempt"] and asked == [(ids["agent"], "cust-1")]
    resp = await client.post(f"/api/agents/{ids['agent']}/call/hangup")  # no call now
    assert resp.status == 409 and (await resp.json())["error"]["field"] == "state"
    assert len(asked) == 1


async def test_no_call_a_call_not_connected_and_someone_elses_agent_are_refused(on_call):
    client, dialer, ids, asked = on_call
    resp = await client.post(f"/api/agents/{ids['loner']}/call/hangup")
    assert resp.status == 409 and (await resp.json())["error"]["field"] == "state"

    async def not_yet(agent_id: int, customer: str) -> bool:
        return False
    dialer.agents.end_customer = not_yet
    resp = await client.post(f"/api/agents/{ids['agent']}/call/hangup")
    assert resp.status == 409 and "not connected" in (await resp.json())["error"]["message"]

    headers = await dialer.store.run(bearer, ids["account"], "agent")  # an agent, not alice
    resp = await client.post(f"/api/agents/{ids['agent']}/call/hangup", headers=headers)
    assert resp.status == 403
    assert dialer.agents.describe(ids["agent"]).customer == "cust-1" and asked == []
