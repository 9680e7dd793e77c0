"""The agent ends the call from the API on the real lab (issue 18, agent call control): a
campaign call reaches the agent, the agent (their own API token) hangs it up; the
customer's channel is gone from the PBX, the desk phone stays in the agent's bridge, the
agent is in wrap-up and the attempt is closed as a human call with its agent. Likewise a
preview call, a manual dial and an inbound caller."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.db import auth, campaigns
from dialer.db.models import Agent, AgentGroup, Attempt
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.integration import test_sharing_lab as sharing
from tests.lab_calls import human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


def _agents_token(agent_id: int) -> dict:
    """An API token of the agent's own user (no role: only what is their own)."""
    user_id = Agent.get_by_id(agent_id).user_id
    return {"Authorization": f"Bearer {auth.create_api_token(user_id)['token']}"}


async def test_the_agent_ends_a_campaign_call_from_the_api(dialer, lab):
    seed = await dialer.store.run(seed_campaign, [human(0)],  # a customer who never hangs up
                                  agents=lab.info["agents"][:1], campaign={"bcw_seconds": 30})
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    leg = dialer.agents.sessions[agent].channel_id
    headers = await dialer.store.run(bearer, seed["account_id"], "agent",
                                     username="caller-agent")
    async with TestClient(TestServer(create_app(dialer))) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 30)
        customer = dialer.agents.describe(agent).customer
        # another agent of the account may not end it
        resp = await http.post(f"/api/agents/{agent}/call/hangup", headers=headers)
        assert resp.status == 403
        own = await dialer.store.run(_agents_token, agent)
        resp = await http.post(f"/api/agents/{agent}/call/hangup", headers=own)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    assert body["state"] == "wrap_up" and body["customer"] is None
    with pytest.raises(AriError):
        await dialer.ari.get_channel(customer)  # gone from the PBX
    assert (await dialer.ari.get_bridge(bridge_id_of(agent)))["channels"] == [leg]
    assert (await dialer.ari.get_channel(leg))["state"] == "Up"  # the desk phone stays
    await dialer.store.run(campaigns.set_status, cid, "suspended")
    rows = await dialer.store.run(attempts, cid)
    assert [(r["outcome"], r["agent"], r["channel_id"]) for r in rows] == [
        ("human", agent, customer)]
    assert rows[0]["bridged_at"] is not None and rows[0]["ended_at"] is not None
    assert dialer.calls.calls == {}  # the call's machine is closed


async def _hang_up_from_the_api(dialer, agent: int) -> dict:
    async with TestClient(TestServer(create_app(dialer))) as http:
        own = await dialer.store.run(_agents_token, agent)
        resp = await http.post(f"/api/agents/{agent}/call/hangup", headers=own)
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_the_agent_ends_a_preview_call(dialer, lab):
    seed = await dialer.store.run(seed_campaign, [human(0)], agents=lab.info["agents"][:1],
                                  campaign={"mode": "preview", "bcw_seconds": 30})
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    await dialer.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: dialer.agents.describe(agent).state == "preview", 20)
    await dialer.runner.dial_preview(agent)
    await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 20)
    customer = dialer.agents.describe(agent).customer
    body = await _hang_up_from_the_api(dialer, agent)
    assert body["state"] == "wrap_up" and body["customer"] is None
    with pytest.raises(AriError):
        await dialer.ari.get_channel(customer)
    await dialer.store.run(campaigns.set_status, cid, "suspended")
    rows = await dialer.store.run(attempts, cid)
    assert [(r["outcome"], r["agent"], r["channel_id"]) for r in rows] == [
        ("human", agent, customer)]


async def test_the_agent_ends_a_manual_call(dialer, lab):
    seed = await dialer.store.run(seed_campaign, [], agents=lab.info["agents"][:1])
    agent = seed["agent_ids"][0]
    await dialer.store.run(lambda: AgentGroup.update(manual_dial_allowed=True).execute())
    await login_all(dialer, [agent])
    await dialer.runner.dial_manual(agent, human(0))
    await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 20)
    customer = dialer.agents.describe(agent).customer
    body = await _hang_up_from_the_api(dialer, agent)
    assert body["state"] in ("wrap_up", "available") and body["customer"] is None
    with pytest.raises(AriError):
        await dialer.ari.get_channel(customer)
    def closed():  # the attempt's close is written just after the agent is freed
        return list(Attempt.select().where(Attempt.outcome.is_null(False)).dicts())

    await wait_until(lambda: dialer.store.run(closed), 10)
    rows = await dialer.store.run(lambda: list(Attempt.select().dicts()))
    assert [(r["channel_id"], r["campaign"], r["agent"], r["outcome"]) for r in rows] == [
        (customer, None, agent, "human")]


async def test_the_agent_ends_an_inbound_call(dialer, lab):
    ids = await dialer.store.run(sharing.seed, [], lab.info["agents"][0], 0)
    agent = ids["agent_ids"][0]
    await login_all(dialer, [agent])
    client_cm, _, _ = await sharing.call_company(lab, ids["company"])
    try:
        await wait_until(lambda: sharing.inbound_caller_with(dialer, agent), 40)
        caller = dialer.agents.describe(agent).customer
        body = await _hang_up_from_the_api(dialer, agent)
        # an inbound call has no wrap-up (as when the caller hangs up)
        assert body["state"] == "available" and body["customer"] is None
        with pytest.raises(AriError):
            await dialer.ari.get_channel(caller)
        assert dialer.inbound.calls == {}
    finally:
        await client_cm.__aexit__(None, None, None)
