"""The dialer dies while callers to the company number are in its hands, and a new one
starts on the same database: nobody is left waiting in silence. A caller still waiting
is taken through the ring group again (the desk phone that was ringing for them is hung
up); a caller already talking to a user keeps talking, and when one side hangs up the
other is hung up, their bridge goes and the call's record is closed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from dialer.db.models import InboundCall
from dialer.server import Dialer
from tests.campaign_driver import die, lab_config, started, wait_until
from tests.integration.test_inbound_lab import call_company, seed
from tests.lab_calls import Recorder, connected_client

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


@pytest.fixture
async def caller(lab):
    async with connected_client(lab.info["sim"], "sim") as client:
        yield client


@pytest.fixture
def cfg(lab, tmp_path):
    return lab_config(lab.info["pbx"], tmp_path)


async def pbx_channels(d: Dialer) -> set[str]:
    return {c["id"] for c in await d.ari.list_channels()}


async def test_a_waiting_caller_is_rung_through_again(cfg, caller):
    first = await started(cfg)
    await first.store.run(seed, ["agent7"], strategy="ordered", ring_seconds=30)
    await call_company(caller)
    await wait_until(lambda: first.inbound.leg_owner, 20)
    [old_leg] = first.inbound.leg_owner
    [caller_channel] = first.inbound.calls
    await die(first)

    second = Dialer(cfg)
    events = Recorder(second.ari)
    await second.start()
    try:
        await asyncio.wait_for(second.ari.connected.wait(), 10)
        await wait_until(lambda: second.inbound.leg_owner, 10)
        [new_leg] = second.inbound.leg_owner
        assert new_leg != old_leg and caller_channel in second.inbound.calls
        await wait_until(lambda: events.of(old_leg, "ChannelDestroyed"), 10)
        assert caller_channel in await pbx_channels(second)  # still with us, being rung for
        await second.ari.hangup(caller_channel)
        await wait_until(lambda: second.inbound.calls == {} == second.inbound.leg_owner, 10)
    finally:
        await second.stop()


async def talking_then_dead(cfg, caller) -> tuple[set[str], str, str]:
    """A caller talking with a user through the ring group when the dialer dies: the two
    channels talking, the caller's, and the caller's channel on the simulator."""
    first = await started(cfg)
    await first.store.run(seed, ["agent4"], strategy="ordered", ring_seconds=20)
    caller_sim_side = await call_company(caller)

    async def talking_in_a_bridge():  # the user accepted and has heard who calls
        return any(b["id"].startswith("inbound-") and len(b["channels"]) == 2
                   for b in await first.ari.list_bridges())
    await wait_until(talking_in_a_bridge, 30)
    [call] = first.inbound.calls.values()
    talking = {call.caller, call.ring.winner}
    await die(first)
    return talking, call.caller, caller_sim_side


def record_closed(d: Dialer, caller_channel: str) -> Callable[[], Awaitable[bool]]:
    async def closed() -> bool:
        return await d.store.run(lambda: InboundCall.get(
            InboundCall.channel_id == caller_channel).ended_at is not None)
    return closed


async def test_a_connected_caller_keeps_talking_and_the_other_side_goes_with_them(
        cfg, caller):
    talking, caller_channel, caller_sim_side = await talking_then_dead(cfg, caller)
    second = await started(cfg)
    try:
        await asyncio.sleep(2)
        assert talking <= await pbx_channels(second)  # not cut by the restart
        assert set(second.leftovers.talking) == talking
        assert not await record_closed(second, caller_channel)()
        bridges = {b["id"] for b in await second.ari.list_bridges()}
        await caller.hangup(caller_sim_side)  # the caller hangs up: the user is hung up too
        await wait_until(lambda: second.leftovers.talking == {}, 10)

        async def hung_up():
            return not talking & await pbx_channels(second)
        await wait_until(hung_up, 10)
        left = {b["id"] for b in await second.ari.list_bridges()}
        assert len(bridges - left) == 1  # their bridge went
        await wait_until(record_closed(second, caller_channel), 10)
    finally:
        await second.stop()


async def test_a_caller_who_hangs_up_while_the_dialer_is_down_has_their_record_closed(
        cfg, caller):
    _, caller_channel, caller_sim_side = await talking_then_dead(cfg, caller)
    await caller.hangup(caller_sim_side)  # nobody in the dialer sees it go
    await asyncio.sleep(1)  # the caller's channel is gone from the PBX

    second = await started(cfg)
    try:
        await wait_until(record_closed(second, caller_channel), 15)
        assert caller_channel not in await pbx_channels(second)
    finally:
        await second.stop()
