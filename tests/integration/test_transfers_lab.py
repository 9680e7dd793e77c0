"""Hold and resume on the real lab (dialer/transfers): a campaign call reaches the agent, the
agent holds it through the API (the customer leaves the agent's bridge for music on hold),
resumes it (back in the bridge), and the call ends as a normal human call with its agent."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.db import campaigns
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_hold_then_resume_puts_the_customer_on_music_and_back(dialer, lab):
    seed = await dialer.store.run(seed_campaign, [human(12, "212")],
                                  agents=lab.info["agents"][:1])
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])

    async def in_bridge() -> list[str]:
        return (await dialer.ari.get_bridge(bridge_id_of(agent)))["channels"]

    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, seed["account_id"])) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 30)
        customer = dialer.agents.describe(agent).customer
        assert customer in await in_bridge()
        resp = await http.post(f"/api/agents/{agent}/call/hold")
        assert resp.status == 200 and (await resp.json())["call"] == "held"
        assert customer not in await in_bridge()
        assert (await dialer.ari.get_channel(customer))["state"] == "Up"  # still there
        resp = await http.post(f"/api/agents/{agent}/call/resume")
        assert resp.status == 200 and (await resp.json())["call"] == "talking"
        assert customer in await in_bridge()
        await wait_until(lambda: dialer.agents.describe(agent).state != "on_call", 40)
    rows = await dialer.store.run(attempts, cid)
    assert [(r["outcome"], r["agent"]) for r in rows] == [("human", agent)]
    assert dialer.transfers.calls == {}  # forgotten once the customer hung up
