"""Transfers of an inbound caller through the API (dialer/transfers with dialer/inbound's
side faked: its call's record, what the caller shows, `customer_moved`), on the runtime's
real agent sessions, ARI recorded: a blind transfer hands the target agent the caller (what
their page shows), the leg is kept with the inbound call and read with it through the API;
an external number goes through the account's do-not-call lists and is shown the ring
group's caller ID choice."""

from __future__ import annotations

import pytest

from dialer.agents.previews import InboundCaller
from dialer.db.models import InboundCall, RingGroup, TransferLeg
from dialer.db.models.dnc import DncList, DncNumber
from dialer.transfers.shell import TransferShell
from tests.unit.test_api_agent_side import NOW, env  # noqa: F401  (the fixture)
from tests.unit.test_transfer_targets_api import TransferAri
from tests.web_dialer import live_agents, put_on_call

CALLER = "+13125550777"
SHOWN = InboundCaller(CALLER, None, "Ann Lee")


class Inbound:
    """The caller's call in dialer/inbound, as the transfer shell sees it."""

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id
        self.moved: list[tuple[str, int | None]] = []

    def record_of(self, caller: str) -> int | None:
        return self.record_id if caller == "caller-1" else None

    def caller_shown(self, caller: str) -> InboundCaller:
        return SHOWN

    async def customer_moved(self, caller: str, agent: int | None) -> None:
        self.moved.append((caller, agent))


def _inbound_call(account_id: int, caller_id_mode: str) -> int:
    RingGroup.create(account=account_id, name="company number", caller_id_mode=caller_id_mode)
    return InboundCall.create(account=account_id, channel_id="caller-1", caller=CALLER,
                              started_at=NOW).id


@pytest.fixture(params=["company", "caller"])
async def on_call(env, request):  # noqa: F811
    client, dialer, ids = env
    agent, loner = ids["agent"], ids["loner"]
    ids["record"] = await dialer.store.run(_inbound_call, ids["account"], request.param)
    dialer.agents = live_agents(dialer.store, [agent, loner])
    ari = TransferAri()
    ari.bridges = {f"dialer-agent-{a}": [f"agent-{a}"] for a in (agent, loner)}
    dialer.agents.ari = ari
    inbound = Inbound(ids["record"])
    dialer.transfers = TransferShell(ari, dialer.store, dialer.agents, dialer.now,
                                     inbound=inbound)
    await put_on_call(dialer.agents, agent, "caller-1", details=SHOWN)
    ari.done.clear()
    return client, ari, ids, dialer, inbound, request.param


async def test_blind_to_an_agent_hands_over_the_caller_and_keeps_the_leg(on_call):
    client, ari, ids, dialer, inbound, _ = on_call
    agent, loner, record = ids["agent"], ids["loner"], ids["record"]
    resp = await client.post(f"/api/agents/{agent}/call/transfer",
                             json={"mode": "blind", "agent_id": loner})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["inbound_call_id"], body["attempt_id"], body["holder_agent_id"]) == (
        record, None, loner)
    assert ari.bridges[f"dialer-agent-{loner}"] == [f"agent-{loner}", "caller-1"]
    taken = dialer.agents.describe(loner)
    assert (taken.state, taken.customer, taken.attempt_id) == ("on_call", "caller-1", None)
    assert taken.as_json()["preview"] == SHOWN.shown()  # the target's page shows the caller
    assert inbound.moved == [("caller-1", loner)]
    shown = await (await client.get(f"/api/accounts/{ids['account']}/inbound-calls/"
                                    f"{record}")).json()
    assert [(x["mode"], x["status"], x["by_agent_id"], x["to_agent_id"])
            for x in shown["transfers"]] == [("blind", "completed", agent, loner)]
    listed = await (await client.get(f"/api/accounts/{ids['account']}/inbound-calls")).json()
    assert [c["id"] for c in listed["items"]] == [record] and "transfers" not in listed["items"][0]
    resp = await client.get(f"/api/accounts/{ids['account']}/inbound-calls/{record + 1}")
    assert resp.status == 404 and (await resp.json())["error"]["field"] == "inbound_call_id"


async def test_hold_and_resume(on_call):
    client, ari, ids, _, inbound, _ = on_call
    url = f"/api/agents/{ids['agent']}/call"
    body = await (await client.post(f"{url}/hold")).json()
    assert (body["call"], body["inbound_call_id"]) == ("held", ids["record"])
    assert ("POST", "/channels/caller-1/moh") in ari.done
    assert (await (await client.post(f"{url}/resume")).json())["call"] == "talking"
    assert inbound.moved == []


async def test_an_external_number_is_checked_and_shown_the_ring_groups_caller_id(on_call):
    client, ari, ids, dialer, inbound, mode = on_call

    def listed() -> None:
        dnc = DncList.create(name="ours", source="us", format="internal", scope="account",
                             account=ids["account"], registry=False, status="ready")
        DncNumber.create(dnc_list=dnc, number=12125557777)
    await dialer.store.run(listed)
    url = f"/api/agents/{ids['agent']}/call/transfer"
    for number in ("+12125557777", "+33612345678"):  # do-not-call; international
        resp = await client.post(url, json={"mode": "blind", "number": number})
        assert resp.status == 400 and (await resp.json())["error"]["field"] == "number"
    assert ari.done == [] and inbound.moved == []
    resp = await client.post(url, json={"mode": "blind", "number": "(212) 555-1234"})
    assert resp.status == 200 and (await resp.json())["call"] == "blind"
    leg = f"xfer-in{ids['record']}-1"
    caller_id = CALLER if mode == "caller" else "+12125550100"  # else the company number
    assert ("originate", "PJSIP/+12125551234@carrier", leg, caller_id) in ari.done
    assert inbound.moved == [("caller-1", None)]
    rows = await dialer.store.run(lambda: [(r.attempt_id, r.inbound_call_id, r.to_number)
                                           for r in TransferLeg.select()])
    assert rows == [(None, ids["record"], "+12125551234")]
