"""Hold and transfers of an inbound caller on the real lab (dialer/transfers with
dialer/inbound): the simulator calls the company number, the ring group gives the caller to
agent A through A's session; A holds and resumes, transfers blind to agent B (then the
caller hangs up: B's call ends, the inbound call's record is closed once), transfers warm to
B and completes (then B ends the call from the API), and is refused a number on the
account's do-not-call list (400 naming "number"). The legs are read with the inbound call
through the API."""

from __future__ import annotations

import contextlib

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.db.models import Agent, InboundCall
from dialer.db.models.dnc import DncList, DncNumber
from dialer.inbound import store as inbound
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.integration import test_sharing_lab as sharing

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
LISTED = "+12125557777"


def seed(endpoints: list[str]) -> dict:
    """Two agents of a campaign that is not running; A alone in the company number's ring
    group; a number on the account's do-not-call list."""
    ids = seed_campaign([], agents=endpoints, campaign={"amd_enabled": False})
    a = Agent.get_by_id(ids["agent_ids"][0])
    inbound.set_ring_group(ids["account_id"], strategy="ordered", ring_seconds=60,
                           caller_id_mode="caller")
    inbound.set_members(ids["account_id"], [{"user_id": a.user_id}])
    dnc = DncList.create(name="ours", source="us", format="internal", scope="account",
                         account=ids["account_id"], registry=False, status="ready")
    DncNumber.create(dnc_list=dnc, number=int(LISTED[1:]))
    return ids | {"company": a.user.account.company_number}


class OnCall:
    """An inbound caller with agent A (`a`), B (`b`) free, an API client for the account."""

    def __init__(self, dialer, http, ids, sim, far_end: str, caller: str) -> None:
        self.d, self.http, self.ids, self.sim = dialer, http, ids, sim
        self.far_end, self.caller = far_end, caller  # the simulator's side, the PBX's
        self.a, self.b = ids["agent_ids"]
        self.record = 0

    async def bridge(self, agent: int) -> list[str]:
        return (await self.d.ari.get_bridge(bridge_id_of(agent)))["channels"]

    async def post(self, action: str, agent: int | None = None, **body) -> dict:
        resp = await self.http.post(f"/api/agents/{agent or self.a}/call/{action}",
                                    json=body or None)
        assert resp.status == 200, await resp.text()
        return await resp.json()

    def state(self, agent: int) -> str:
        return self.d.agents.describe(agent).state

    async def call_record(self) -> dict:
        resp = await self.http.get(f"/api/accounts/{self.ids['account_id']}/inbound-calls/"
                                   f"{self.record}")
        assert resp.status == 200, await resp.text()
        return await resp.json()

    async def over(self, timeout: float = 20) -> dict:
        """The caller's call closed everywhere; its record as the API reads it."""
        await wait_until(lambda: self.caller not in self.d.inbound.calls, timeout)
        assert self.d.transfers.calls == {} and self.d.transfers.legs == {}
        row = await self.call_record()
        assert row["ended_at"] is not None and row["agent_id"] == self.a
        return row


@contextlib.asynccontextmanager
async def inbound_call(dialer, lab, monkeypatch):
    ids = await dialer.store.run(seed, lab.info["agents"][:2])
    closes: list[bool] = []
    close_record = inbound.close_record

    def counted(record_id, now):  # the record is closed once: one write that changed it
        closes.append(close_record(record_id, now))
        return closes[-1]
    monkeypatch.setattr(inbound, "close_record", counted)
    await login_all(dialer, ids["agent_ids"])
    a = ids["agent_ids"][0]
    client_cm, sim, far_end = await sharing.call_company(lab, ids["company"])
    try:
        async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
                bearer, ids["account_id"])) as http:
            await wait_until(lambda: sharing.inbound_caller_with(dialer, a), 40)
            call = OnCall(dialer, http, ids, sim, far_end, dialer.agents.describe(a).customer)
            call.record = dialer.inbound.record_of(call.caller)
            assert call.caller in await call.bridge(a)
            yield call
    finally:
        await client_cm.__aexit__(None, None, None)
    await wait_until(lambda: dialer.inbound.calls == {}, 10)
    assert closes == [True]
    assert dialer.transfers.calls == {} and dialer.transfers.legs == {}


async def test_hold_then_resume(dialer, lab, monkeypatch):
    async with inbound_call(dialer, lab, monkeypatch) as c:
        body = await c.post("hold")
        assert (body["call"], body["inbound_call_id"]) == ("held", c.record)
        assert c.caller not in await c.bridge(c.a)
        assert (await dialer.ari.get_channel(c.caller))["state"] == "Up"  # on music
        assert (await c.post("resume"))["call"] == "talking"
        assert c.caller in await c.bridge(c.a)
        await dialer.ari.hangup(c.caller)
        row = await c.over()
        assert row["transfers"] == [] and c.state(c.a) == "available"


async def test_blind_to_an_agent_then_the_caller_hangs_up(dialer, lab, monkeypatch):
    async with inbound_call(dialer, lab, monkeypatch) as c:
        body = await c.post("transfer", mode="blind", agent_id=c.b)
        assert (body["call"], body["holder_agent_id"]) == ("talking", c.b)
        assert sorted(await c.bridge(c.b)) == sorted(
            [dialer.agents.sessions[c.b].channel_id, c.caller])
        assert c.caller not in await c.bridge(c.a)
        assert c.state(c.a) == "available" and c.state(c.b) == "on_call"
        shown = dialer.agents.describe(c.b).as_json()["preview"]  # B's page shows the caller
        assert shown["inbound"] and shown["caller_id"] == sharing.CALLER
        await c.sim.hangup(c.far_end)  # the caller hangs up, on the far side
        await wait_until(lambda: c.state(c.b) != "on_call", 20)
        row = await c.over()
        assert dialer.agents.describe(c.b).customer is None and c.state(c.a) == "available"
        assert [(x["mode"], x["status"], x["by_agent_id"], x["to_agent_id"])
                for x in row["transfers"]] == [("blind", "completed", c.a, c.b)]


async def test_warm_to_an_agent_then_complete_then_the_agent_ends_the_call(
        dialer, lab, monkeypatch):
    async with inbound_call(dialer, lab, monkeypatch) as c:
        assert (await c.post("transfer", mode="warm", agent_id=c.b))["call"] == "consulting"
        b_leg = dialer.agents.sessions[c.b].channel_id
        in_a = await c.bridge(c.a)
        assert b_leg in in_a and c.caller not in in_a  # A and B talk, the caller held
        assert (await c.post("complete"))["call"] == "talking"
        assert sorted(await c.bridge(c.b)) == sorted([b_leg, c.caller])
        assert c.state(c.a) == "available" and c.state(c.b) == "on_call"
        resp = await c.http.post(f"/api/agents/{c.b}/call/hangup")  # B ends it
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["customer"] is None
        with pytest.raises(AriError):
            await dialer.ari.get_channel(c.caller)
        row = await c.over()
        assert [(x["mode"], x["status"], x["to_agent_id"]) for x in row["transfers"]] == [
            ("warm", "completed", c.b)]
        assert await dialer.store.run(
            lambda: InboundCall.get_by_id(c.record).connected_at) is not None


async def test_a_number_on_the_do_not_call_list_is_refused(dialer, lab, monkeypatch):
    async with inbound_call(dialer, lab, monkeypatch) as c:
        resp = await c.http.post(f"/api/agents/{c.a}/call/transfer",
                                 json={"mode": "blind", "number": LISTED})
        assert resp.status == 400 and (await resp.json())["error"]["field"] == "number"
        assert c.caller in await c.bridge(c.a) and dialer.transfers.legs == {}
        await dialer.ari.hangup(c.caller)
        assert (await c.over())["transfers"] == []
