"""Transfers and conference on the real lab (dialer/transfers): a campaign call reaches agent
A, who transfers it through the API: blind to agent B, blind to an external number (the
simulator's human who stays on), warm to B then complete, warm to an external number while
the customer hangs up, warm to a number that hangs up while consulted, warm to B then a
conference that A leaves, blind to the agents' group (B: the one free), a conference with
an external number that A leaves. Each checks where the channels are on Asterisk, who the agent
sessions hold, and that the attempt stays one record with A's disposition rights, its legs
as rows."""

from __future__ import annotations

import contextlib

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.db import campaigns
from dialer.transfers.effects import leg_bridge
from dialer.transfers.events import CallKind, CallRecord
from dialer.transfers.store import legs_of
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]
EXTERNAL = human(0, "646")  # answers after 1 s, says hello, stays until hung up


class OnCall:
    """A campaign call up with agent A (`a`), B (`b`) free, an API client for A's account."""

    def __init__(self, dialer, http, seed) -> None:
        self.d, self.http, self.seed = dialer, http, seed
        self.a = self.b = 0
        self.customer = ""

    async def bridge(self, bridge_id: str) -> list[str]:
        return (await self.d.ari.get_bridge(bridge_id))["channels"]

    async def post(self, action: str, **body) -> dict:
        resp = await self.http.post(f"/api/agents/{self.a}/call/{action}", json=body or None)
        assert resp.status == 200, await resp.text()
        return await resp.json()

    def state(self, agent: int) -> str:
        return self.d.agents.describe(agent).state

    async def customer_gone(self, timeout: float = 40) -> None:
        await wait_until(lambda: self.customer not in self.d.calls.calls, timeout)

    async def one_attempt(self) -> tuple[dict, list[dict]]:
        rows = await self.d.store.run(attempts, self.seed["campaign_id"])
        assert [(r["outcome"], r["agent"]) for r in rows] == [("human", self.a)]
        return rows[0], await self.d.store.run(legs_of, CallRecord(CallKind.ATTEMPT,
                                                                    rows[0]["id"]))


@contextlib.asynccontextmanager
async def on_call(dialer, lab, talk_seconds: int):
    seed = await dialer.store.run(seed_campaign, [human(talk_seconds)],
                                  agents=lab.info["agents"][:2], campaign={"bcw_seconds": 5})
    ids = seed["agent_ids"]
    await login_all(dialer, ids)
    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, seed["account_id"])) as http:
        call = OnCall(dialer, http, seed)
        await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: any(call.state(a) == "on_call" for a in ids), 30)
        call.a = next(a for a in ids if call.state(a) == "on_call")
        call.b = next(a for a in ids if a != call.a)
        call.customer = dialer.agents.describe(call.a).customer
        assert call.customer in await call.bridge(bridge_id_of(call.a))
        yield call
    assert dialer.transfers.calls == {} and dialer.transfers.legs == {}


async def test_blind_to_an_agent(dialer, lab):
    async with on_call(dialer, lab, 15) as c:
        assert (await c.post("transfer", mode="blind", agent_id=c.b))["call"] == "talking"
        assert c.customer in await c.bridge(bridge_id_of(c.b))
        assert c.customer not in await c.bridge(bridge_id_of(c.a))
        assert c.state(c.a) == "wrap_up" and c.state(c.b) == "on_call"
        b = dialer.agents.describe(c.b)
        assert (b.customer, b.campaign_id) == (c.customer, c.seed["campaign_id"])
        await c.customer_gone()
        await wait_until(lambda: c.state(c.b) == "wrap_up", 5)
        row, legs = await c.one_attempt()
        assert b.attempt_id == row["id"]
        assert [(x["mode"], x["status"], x["to_agent_id"]) for x in legs] == [
            ("blind", "completed", c.b)]


async def test_blind_to_an_external_number(dialer, lab):
    async with on_call(dialer, lab, 20) as c:
        assert (await c.post("transfer", mode="blind", number=EXTERNAL))["call"] == "blind"
        assert c.state(c.a) == "wrap_up"
        leg = next(iter(dialer.transfers.legs))
        await wait_until(lambda: dialer.transfers.calls[c.customer].stage.value == "external",
                         20)
        assert sorted(await c.bridge(leg_bridge(leg))) == sorted([c.customer, leg])
        channel = await dialer.ari.get_channel(leg)
        assert channel["caller"]["number"] == "+12125550100"  # the campaign's caller ID
        await c.customer_gone()
        await wait_until(lambda: leg not in dialer.transfers.legs, 10)  # hung up with it
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"], x["to_number"]) for x in legs] == [
            ("blind", "completed", EXTERNAL)]


async def test_warm_to_an_agent_then_complete(dialer, lab):
    async with on_call(dialer, lab, 20) as c:
        assert (await c.post("transfer", mode="warm", agent_id=c.b))["call"] == "consulting"
        b_leg = dialer.agents.sessions[c.b].channel_id
        in_a = await c.bridge(bridge_id_of(c.a))
        assert b_leg in in_a and c.customer not in in_a  # A and B talk, the customer held
        assert c.state(c.b) == "available" and dialer.agents.sessions[c.b].reserved
        assert (await c.post("complete"))["call"] == "talking"
        assert sorted(await c.bridge(bridge_id_of(c.b))) == sorted([b_leg, c.customer])
        assert await c.bridge(bridge_id_of(c.a)) == [dialer.agents.sessions[c.a].channel_id]
        assert c.state(c.a) == "wrap_up" and c.state(c.b) == "on_call"
        await c.customer_gone()
        await wait_until(lambda: c.state(c.b) == "wrap_up", 5)
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"]) for x in legs] == [("warm", "completed")]


async def test_warm_to_a_number_while_the_customer_hangs_up(dialer, lab):
    async with on_call(dialer, lab, 10) as c:
        assert (await c.post("transfer", mode="warm", number=EXTERNAL))["call"] == "ringing"
        leg = next(iter(dialer.transfers.legs))
        await wait_until(lambda: dialer.transfers.calls[c.customer].stage.value
                         == "consulting", 20)
        assert leg in await c.bridge(bridge_id_of(c.a))
        await c.customer_gone()  # the customer hangs up while A consults
        await wait_until(lambda: leg not in dialer.transfers.legs, 10)
        with pytest.raises(AriError):
            await dialer.ari.get_channel(leg)  # the target was let go
        assert await c.bridge(bridge_id_of(c.a)) == [dialer.agents.sessions[c.a].channel_id]
        assert c.state(c.a) in ("wrap_up", "available") and c.d.agents.describe(c.a).customer is None
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"]) for x in legs] == [("warm", "customer_gone")]


async def test_conference_then_the_agent_leaves(dialer, lab):
    async with on_call(dialer, lab, 20) as c:
        await c.post("transfer", mode="warm", agent_id=c.b)
        assert (await c.post("conference"))["call"] == "conferenced"
        a_leg, b_leg = (dialer.agents.sessions[x].channel_id for x in (c.a, c.b))
        assert sorted(await c.bridge(bridge_id_of(c.a))) == sorted([a_leg, b_leg, c.customer])
        assert c.state(c.b) == "on_call"  # B's page shows the call already
        assert (await c.post("leave"))["call"] == "talking"
        assert sorted(await c.bridge(bridge_id_of(c.b))) == sorted([b_leg, c.customer])
        assert await c.bridge(bridge_id_of(c.a)) == [a_leg]
        assert c.state(c.a) == "wrap_up"
        await c.customer_gone()
        await wait_until(lambda: c.state(c.b) == "wrap_up", 5)
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"]) for x in legs] == [("warm", "completed")]


async def test_warm_to_a_number_that_hangs_up_while_consulted(dialer, lab):
    async with on_call(dialer, lab, 25) as c:
        await c.post("transfer", mode="warm", number=human(4, "646"))  # hangs up after 4 s
        leg = next(iter(dialer.transfers.legs))
        await wait_until(lambda: dialer.transfers.calls[c.customer].stage.value
                         == "consulting", 20)
        await wait_until(lambda: leg not in dialer.transfers.legs, 20)  # the far end went
        assert dialer.transfers.calls[c.customer].stage.value == "talking"
        assert c.customer in await c.bridge(bridge_id_of(c.a))  # back with the agent
        assert c.state(c.a) == "on_call"
        await c.customer_gone()
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"]) for x in legs] == [("warm", "gone")]


async def test_blind_to_a_group(dialer, lab):
    async with on_call(dialer, lab, 15) as c:
        group = c.seed["group_id"]  # A and B: A holds the call, so B is the one free
        assert (await c.post("transfer", mode="blind", group_id=group))["call"] == "talking"
        assert c.customer in await c.bridge(bridge_id_of(c.b))
        assert c.state(c.a) == "wrap_up" and c.state(c.b) == "on_call"
        await c.customer_gone()
        await wait_until(lambda: c.state(c.b) == "wrap_up", 5)
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"], x["to_agent_id"], x["to_group_id"]) for x in legs] \
            == [("blind", "completed", c.b, group)]


async def test_conference_with_a_number_then_the_agent_leaves(dialer, lab):
    async with on_call(dialer, lab, 25) as c:
        await c.post("transfer", mode="warm", number=EXTERNAL)
        leg = next(iter(dialer.transfers.legs))
        await wait_until(lambda: dialer.transfers.calls[c.customer].stage.value
                         == "consulting", 20)
        assert (await c.post("conference"))["call"] == "conferenced"
        a_leg = dialer.agents.sessions[c.a].channel_id
        assert sorted(await c.bridge(bridge_id_of(c.a))) == sorted([a_leg, leg, c.customer])
        await c.post("leave")  # the customer and the number talk on, without A
        assert dialer.transfers.calls[c.customer].stage.value == "external"
        assert sorted(await c.bridge(leg_bridge(leg))) == sorted([c.customer, leg])
        assert await c.bridge(bridge_id_of(c.a)) == [a_leg]
        assert c.state(c.a) == "wrap_up"
        await c.customer_gone()
        await wait_until(lambda: leg not in dialer.transfers.legs, 10)  # hung up with it
        _, legs = await c.one_attempt()
        assert [(x["mode"], x["status"], x["to_number"]) for x in legs] == [
            ("warm", "completed", EXTERNAL)]
