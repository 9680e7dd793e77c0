"""Hold and resume through the API (dialer/transfers/http.py and shell.py) on the runtime's
real agent sessions, ARI recorded: the customer leaves the agent's bridge for music on hold
and comes back; only the agent holding the call may, and only when the stage allows it."""

from __future__ import annotations

import pytest

from tests.unit.test_api_agent_side import env  # noqa: F401  (the fixture)
from tests.auth_helpers import bearer
from tests.web_dialer import live_agents, put_on_call
from dialer.transfers.shell import TransferShell


class RecordingAri:
    def __init__(self) -> None:
        self.done: list[tuple] = []
        self.bridges = {"dialer-agent-1": ["phone-1"]}

    async def add_to_bridge(self, bridge_id: str, channels: list[str]) -> None:
        self.done.append(("add", bridge_id, *channels))
        self.bridges.setdefault(bridge_id, []).extend(channels)

    async def remove_from_bridge(self, bridge_id: str, channels: list[str]) -> None:
        self.done.append(("remove", bridge_id, *channels))
        self.bridges[bridge_id] = [c for c in self.bridges[bridge_id] if c not in channels]

    async def list_bridges(self) -> list[dict]:
        return [{"id": b, "channels": list(c)} for b, c in self.bridges.items()]

    async def request(self, method: str, path: str) -> None:
        self.done.append((method, path))


@pytest.fixture
async def on_call(env):  # noqa: F811
    client, dialer, ids = env
    agent = ids["agent"]
    dialer.agents = live_agents(dialer.store, [agent])
    ari = RecordingAri()
    ari.bridges = {f"dialer-agent-{agent}": [f"phone-{agent}"]}
    dialer.agents.ari = ari
    dialer.transfers = TransferShell(ari, dialer.store, dialer.agents, dialer.now)
    await put_on_call(dialer.agents, agent, "cust-1", ids["attempt"])
    ari.done.clear()
    return client, ari, ids, dialer


async def test_hold_then_resume_moves_the_customer_out_on_music_and_back(on_call):
    client, ari, ids, _ = on_call
    agent = ids["agent"]
    url = f"/api/agents/{agent}/call"
    resp = await client.post(f"{url}/hold")
    assert resp.status == 200 and (await resp.json())["call"] == "held"
    assert ari.done == [("remove", f"dialer-agent-{agent}", "cust-1"),
                        ("POST", "/channels/cust-1/moh")]
    resp = await client.post(f"{url}/hold")
    assert resp.status == 409 and (await resp.json())["error"]["field"] == "action"
    ari.done.clear()
    resp = await client.post(f"{url}/resume")
    assert resp.status == 200 and (await resp.json())["call"] == "talking"
    assert ari.done == [("DELETE", "/channels/cust-1/moh"),
                        ("add", f"dialer-agent-{agent}", "cust-1")]
    assert (await client.post(f"{url}/resume")).status == 409


async def test_an_agent_without_a_call_or_someone_elses_agent_cannot_hold(on_call):
    client, ari, ids, dialer = on_call
    resp = await client.post(f"/api/agents/{ids['loner']}/call/hold")
    assert resp.status == 409 and (await resp.json())["error"]["field"] == "agent"
    headers = await dialer.store.run(bearer, ids["account"], "agent")  # no agent of theirs
    resp = await client.post(f"/api/agents/{ids['agent']}/call/hold", headers=headers)
    assert resp.status == 403 and ari.done == []
