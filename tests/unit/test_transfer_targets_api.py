"""Transfers through the API (dialer/transfers) on the runtime's real agent sessions, ARI
recorded: a blind transfer to another agent hands them the customer, the contact and the
script (never the disposition); a warm one links the two agents and cancels back; and from
the attacker's side: another account's agent or group, a number on a do-not-call list, a
training account's number (simulated, never the trunk), a malformed body."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dialer.db import auth
from dialer.db.models import (Account, Agent, AgentGroup, Attempt, ServicePlan, TransferLeg,
                              User)
from dialer.db.models.dnc import DncList, DncNumber
from dialer.transfers.shell import TransferShell
from tests.unit.test_api_agent_side import env  # noqa: F401  (the fixture)
from tests.unit.test_transfer_api import RecordingAri
from tests.web_dialer import live_agents, put_on_call


class TransferAri(RecordingAri):
    async def originate(self, endpoint: str, **options) -> None:
        self.done.append(("originate", endpoint, options["channel_id"], options["caller_id"]))

    async def hangup(self, channel: str) -> None:
        self.done.append(("hangup", channel))


class Outbound:
    """The customer's call in dialer/outbound, as the transfer shell sees it."""

    def __init__(self, campaign_id: int) -> None:
        self.calls = {"cust-1": SimpleNamespace(campaign=SimpleNamespace(id=campaign_id,
                                                                         bcw_seconds=0))}
        self.moved: list[tuple[str, int | None]] = []

    async def customer_moved(self, channel: str, agent: int | None) -> None:
        self.moved.append((channel, agent))


def _others() -> dict:
    """Another account, its agent and group."""
    account = Account.create(name="Other", company_number="+12125550199")
    agent = Agent.create(user=User.create(account=account, username="eve", password_hash="!"),
                         endpoint="PJSIP/eve")
    return {"agent_other": agent.id,
            "group_other": AgentGroup.create(account=account, name="x").id}


@pytest.fixture
async def on_call(env):  # noqa: F811
    client, dialer, ids = env
    agent, loner = ids["agent"], ids["loner"]
    ids.update(await dialer.store.run(_others))
    dialer.agents = live_agents(dialer.store, [agent, loner])
    ari = TransferAri()
    ari.bridges = {f"dialer-agent-{a}": [f"agent-{a}"] for a in (agent, loner)}
    dialer.agents.ari = ari
    outbound = Outbound(ids["campaign"])
    dialer.transfers = TransferShell(ari, dialer.store, dialer.agents, dialer.now,
                                     outbound=outbound)
    await put_on_call(dialer.agents, agent, "cust-1", ids["attempt"])
    ari.done.clear()
    return client, ari, ids, dialer, outbound


async def test_blind_to_an_agent_hands_over_the_customer_the_contact_and_script(on_call):
    client, ari, ids, dialer, outbound = on_call
    agent, loner, attempt = ids["agent"], ids["loner"], ids["attempt"]
    resp = await client.post(f"/api/agents/{agent}/call/transfer",
                             json={"mode": "blind", "agent_id": loner})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["holder_agent_id"] == loner
    assert ari.done == [("remove", f"dialer-agent-{agent}", "cust-1"),
                        ("add", f"dialer-agent-{loner}", "cust-1")]
    assert dialer.agents.describe(agent).state == "available"  # no wrap-up: bcw 0
    taken = dialer.agents.describe(loner)
    assert (taken.state, taken.customer, taken.attempt_id) == ("on_call", "cust-1", attempt)
    assert outbound.moved == [("cust-1", loner)]
    legs = await dialer.store.run(lambda: [(r.mode, r.status, r.by_agent_id, r.to_agent_id)
                                           for r in TransferLeg.select()])
    assert legs == [("blind", "completed", agent, loner)]
    # the receiving agent reads the call, its contact and script; the disposition is not theirs
    headers = await dialer.store.run(_token_of, loner)
    for url in (f"/api/attempts/{attempt}", f"/api/attempts/{attempt}/script",
                f"/api/contacts/{ids['contact']}"):
        assert (await client.get(url, headers=headers)).status == 200, url
    shown = await (await client.get(f"/api/attempts/{attempt}", headers=headers)).json()
    assert shown["agent_id"] == agent and [(x["mode"], x["to_agent_id"], x["status"])
                                           for x in shown["transfers"]] == [
        ("blind", loner, "completed")]
    resp = await client.put(f"/api/attempts/{attempt}/disposition", headers=headers,
                            json={"disposition": "sale"})
    assert resp.status == 403
    # the first agent holds nothing any more
    assert (await client.post(f"/api/agents/{agent}/call/hold")).status == 409


def _token_of(agent_id: int) -> dict:
    user = Agent.get_by_id(agent_id).user
    return {"Authorization": f"Bearer {auth.create_api_token(user.id)['token']}"}


async def test_warm_to_an_agent_links_them_then_cancel_brings_the_customer_back(on_call):
    client, ari, ids, dialer, outbound = on_call
    agent, loner = ids["agent"], ids["loner"]
    url = f"/api/agents/{agent}/call"
    resp = await client.post(f"{url}/transfer", json={"mode": "warm", "agent_id": loner})
    assert (await resp.json())["call"] == "consulting"
    assert ari.bridges[f"dialer-agent-{agent}"] == [f"agent-{agent}", f"agent-{loner}"]
    assert ("POST", "/channels/cust-1/moh") in ari.done
    assert dialer.agents.sessions[loner].reserved  # nobody else's call takes it meanwhile
    assert (await (await client.get(url)).json())["call"] == "consulting"
    assert (await (await client.get(f"/api/agents/{loner}/call")).json())["call"] is None
    assert (await (await client.post(f"{url}/cancel")).json())["call"] == "talking"
    assert ari.bridges[f"dialer-agent-{agent}"] == [f"agent-{agent}", "cust-1"]
    assert ari.bridges[f"dialer-agent-{loner}"] == [f"agent-{loner}"]
    assert dialer.agents.sessions[loner].reserved is False and outbound.moved == []


async def test_refused_targets(on_call):
    client, ari, ids, dialer, outbound = on_call
    url = f"/api/agents/{ids['agent']}/call/transfer"
    headers = await dialer.store.run(_token_of, ids["agent"])  # the agent: no manage_system
    for body, status, field in [
            ({"mode": "blind", "agent_id": ids["agent"] + 1000}, 404, "agent_id"),
            ({"mode": "blind", "agent_id": ids["agent"]}, 409, "agent_id"),  # oneself
            ({"mode": "warm", "group_id": ids["group_other"]}, 403, "group_id"),
            ({"mode": "blind", "agent_id": ids["loner"], "number": "+12125551234"}, 400,
             "agent_id"),
            ({"mode": "sideways", "agent_id": ids["loner"]}, 400, "mode"),
            ({"mode": "blind", "number": "12"}, 400, "number"),
            ({"mode": "blind", "number": "+33612345678"}, 400, "number")]:  # international
        resp = await client.post(url, json=body, headers=headers)
        assert resp.status == status and (await resp.json())["error"]["field"] == field, body
    resp = await client.post(url, json={"mode": "blind", "agent_id": ids["agent_other"]},
                             headers=headers)
    assert resp.status == 403 and (await resp.json())["error"]["field"] == "agent_id"
    assert ari.done == [] and not dialer.agents.sessions[ids["loner"]].reserved


async def test_a_number_on_a_do_not_call_list_is_never_dialled(on_call):
    client, ari, ids, dialer, _ = on_call

    def listed() -> None:
        dnc = DncList.create(name="ours", source="us", format="internal", scope="account",
                             account=ids["account"], registry=False, status="ready")
        DncNumber.create(dnc_list=dnc, number=12125557777)
    await dialer.store.run(listed)
    resp = await client.post(f"/api/agents/{ids['agent']}/call/transfer",
                             json={"mode": "blind", "number": "+12125557777"})
    assert resp.status == 400 and (await resp.json())["error"]["field"] == "number"
    assert ari.done == []


async def test_a_training_account_reaches_numbers_in_the_training_context(on_call):
    client, ari, ids, dialer, outbound = on_call

    def training() -> None:
        ServicePlan.update(training=True).execute()
        Attempt.update(caller_id="+12125550111").where(Attempt.id == ids["attempt"]).execute()
    await dialer.store.run(training)
    resp = await client.post(f"/api/agents/{ids['agent']}/call/transfer",
                             json={"mode": "blind", "number": "(212) 555-1234"})
    assert resp.status == 200 and (await resp.json())["call"] == "blind"
    leg = f"xfer-{ids['attempt']}-1"
    assert ("originate", "Local/+12125551234@dialer-training", leg, "+12125550111") in ari.done
    assert dialer.agents.describe(ids["agent"]).state == "available"  # freed at once
    assert outbound.moved == [("cust-1", None)]
    assert dialer.transfers.legs == {leg: "cust-1"}


async def test_warm_to_a_group_takes_its_free_agent_then_complete(on_call):
    client, ari, ids, dialer, outbound = on_call
    agent, loner = ids["agent"], ids["loner"]
    group = await dialer.store.run(lambda: AgentGroup.get(AgentGroup.account == ids["account"]).id)
    dialer.agents.sessions[loner].groups = frozenset({group})
    url = f"/api/agents/{agent}/call"
    resp = await client.post(f"{url}/transfer", json={"mode": "warm", "group_id": group})
    assert (await resp.json())["call"] == "consulting"
    done = await (await client.post(f"{url}/complete")).json()
    assert (done["call"], done["holder_agent_id"]) == ("talking", loner)
    assert ari.bridges[f"dialer-agent-{loner}"] == [f"agent-{loner}", "cust-1"]
    assert dialer.agents.describe(loner).state == "on_call" and outbound.moved == [
        ("cust-1", loner)]
    legs = await dialer.store.run(lambda: [(r.mode, r.status, r.to_agent_id, r.to_group_id)
                                           for r in TransferLeg.select()])
    assert legs == [("warm", "completed", loner, group)]
