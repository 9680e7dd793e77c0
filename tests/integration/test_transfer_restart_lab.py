"""The dialer dies during a transfer and a new one starts on the same database (dialer/
transfers resync): a customer held while the agent consulted another agent is put back with
the agent, the consulted agent's phone goes back to its own bridge, and the call carries on
to its normal end; a customer with an external number is ended cleanly, its leg too."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from dialer.agents.session import bridge_id_of
from dialer.db import campaigns
from dialer.transfers.events import Mode
from tests.campaign_driver import attempts, die, lab_config, login_all, started, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


@contextlib.asynccontextmanager
async def restarted_during(lab, tmp_path, talk_seconds: int, transfer):
    """A campaign call with agent A, `transfer(first, a, b)` done, the dialer dead, a new
    one started: yields (second, seed, a, b, customer)."""
    cfg = lab_config(lab.info["pbx"], tmp_path)
    first = await started(cfg)
    seed = await first.store.run(seed_campaign, [human(talk_seconds)],
                                 agents=lab.info["agents"][:2], campaign={"bcw_seconds": 5})
    ids = seed["agent_ids"]
    await login_all(first, ids)
    await first.store.run(campaigns.set_status, seed["campaign_id"], "running")
    await wait_until(lambda: any(first.agents.describe(a).state == "on_call" for a in ids), 30)
    a = next(x for x in ids if first.agents.describe(x).state == "on_call")
    b = next(x for x in ids if x != a)
    customer = first.agents.describe(a).customer
    await transfer(first, a, b)
    await die(first)
    second = await started(cfg)
    try:
        yield second, seed, a, b, customer
    finally:
        for agent in ids:
            await second.agents.logout(agent)
        await second.stop()
        # The PBX's call records have whole seconds: the next test's window (tests/pbx_cdr.py)
        # must not begin in the second our calls' last records started.
        await asyncio.sleep(1.5)


async def test_a_customer_held_in_a_consultation_is_put_back_with_the_agent(lab, tmp_path):
    async def consult(d, a, b):
        await d.transfers.transfer(a, Mode.WARM, to_agent=b)
        assert d.agents.sessions[b].channel_id in (await d.ari.get_bridge(bridge_id_of(a)))[
            "channels"]

    async with restarted_during(lab, tmp_path, 25, consult) as (d, seed, a, b, customer):
        async def bridge(agent: int) -> list[str]:
            return (await d.ari.get_bridge(bridge_id_of(agent)))["channels"]
        await wait_until(lambda: d.agents.describe(a).state == "on_call", 10)
        assert d.agents.describe(a).customer == customer and customer in await bridge(a)
        assert customer in d.calls.calls  # its call carries on
        await wait_until(lambda: d.agents.describe(b).state == "available", 10)
        async def b_home() -> bool:
            return d.agents.sessions[b].channel_id in await bridge(b)
        await wait_until(b_home, 10)
        assert d.agents.sessions[b].channel_id not in await bridge(a)
        await wait_until(lambda: customer not in d.calls.calls, 40)  # the customer's end
        assert d.agents.describe(a).state == "wrap_up"
        rows = await d.store.run(attempts, seed["campaign_id"])
        assert [(r["outcome"], r["agent"], bool(r["ended_at"])) for r in rows] == [
            ("human", a, True)]


async def test_a_customer_with_an_external_number_is_ended_cleanly(lab, tmp_path):
    async def blind(d, a, b):
        call = await d.transfers.transfer(a, Mode.BLIND, number=human(0, "646"))
        await wait_until(lambda: d.transfers.calls[call.customer].stage.value == "external",
                         20)

    async with restarted_during(lab, tmp_path, 40, blind) as (d, seed, a, b, customer):
        async def nothing_left() -> bool:
            live = {c["id"] for c in await d.ari.list_channels()}
            return customer not in live and not any(c.startswith("xfer-") for c in live)
        await wait_until(nothing_left, 15)
        assert customer not in d.calls.calls and d.transfers.calls == {}
        rows = await d.store.run(attempts, seed["campaign_id"])
        assert [(r["outcome"], bool(r["ended_at"])) for r in rows] == [("human", True)]
        assert not any(b["id"].startswith("dialer-xfer-") for b in await d.ari.list_bridges())
