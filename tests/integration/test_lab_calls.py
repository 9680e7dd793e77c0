"""Real calls: the PBX originates over the PJSIP trunk to the simulator, AMD runs on real RTP.

The outbound path is the shipped one: asterisk-conf/extensions_dialer.conf [dialer-amd].
"""

from __future__ import annotations

import pytest

from tests.lab_calls import (BUSY, CONGESTION, HANGS_UP_IN_AMD, HUMAN, MACHINE, NO_ANSWER,
                             new_id)

pytestmark = [pytest.mark.lab, pytest.mark.timeout(60)]


async def originate(pbx, lab, number, **kw):
    channel_id = new_id("call")
    await pbx.originate(f"PJSIP/{number}@{lab.info['trunk']}", channel_id=channel_id,
                        context="dialer-amd", extension="s", priority=1,
                        caller_id="+12125550100", **kw)
    return channel_id


@pytest.mark.parametrize("number, status", [(HUMAN, "HUMAN"), (MACHINE, "MACHINE")])
async def test_answered_call_enters_stasis_with_amd_verdict(pbx, lab, number, status):
    channel_id = await originate(pbx, lab, number, timeout=20)
    start = await pbx.recorder.wait_for(channel_id, "StasisStart", timeout=20)
    assert start["args"][:2] == ["amd", status]
    assert start["channel"]["state"] == "Up"


async def test_caller_id_reaches_the_callee(pbx, sim, lab):
    channel_id = await originate(pbx, lab, HUMAN, timeout=20)
    await pbx.recorder.wait_for(channel_id, "StasisStart", timeout=20)
    far_ends = [c for c in await sim.list_channels()
                if c["dialplan"]["exten"] in ("1", HUMAN.lstrip("+"))]
    assert [c["caller"]["number"] for c in far_ends] == ["+12125550100"]


async def test_amd_can_be_skipped_for_pass_through(pbx, lab):
    channel_id = await originate(pbx, lab, MACHINE, timeout=20,
                                 variables={"DIALER_SKIP_AMD": "1"})
    start = await pbx.recorder.wait_for(channel_id, "StasisStart", timeout=10)
    assert start["args"][:2] == ["amd", "SKIPPED"]


@pytest.mark.parametrize("number, timeout, causes", [
    (BUSY, 20, {17}),            # user busy
    (CONGESTION, 20, {34, 38, 42}),  # circuit/network congestion
    (NO_ANSWER, 3, {19, 16, 0}),  # our originate timeout cancels the call
])
async def test_failed_calls_end_without_entering_stasis(pbx, lab, number, timeout, causes):
    channel_id = await originate(pbx, lab, number, timeout=timeout)
    destroyed = await pbx.recorder.wait_for(channel_id, "ChannelDestroyed", timeout=15)
    assert destroyed["cause"] in causes, destroyed
    assert pbx.recorder.of(channel_id, "StasisStart") == []


async def test_hang_up_during_amd_is_reported(pbx, lab):
    channel_id = await originate(pbx, lab, HANGS_UP_IN_AMD, timeout=20)
    destroyed = await pbx.recorder.wait_for(channel_id, "ChannelDestroyed", timeout=20)
    starts = pbx.recorder.of(channel_id, "StasisStart")
    # AMD either saw the hang-up (HANGUP verdict reaches Stasis, then the channel dies)
    # or the channel died inside AMD; either way the call ended on the far side.
    assert all(s["args"][1] in ("HANGUP", "HUMAN", "NOTSURE") for s in starts)
    assert destroyed["cause"] in (16, 0)


async def test_agent_desk_phone_answers_into_stasis_and_bridges_a_customer(pbx, lab):
    agent_leg = new_id("agent")
    await pbx.originate(lab.info["agents"][0], channel_id=agent_leg, app="dialer",
                        app_args="agent,1", timeout=10)
    start = await pbx.recorder.wait_for(agent_leg, "StasisStart", timeout=10)
    assert start["args"] == ["agent", "1"]
    bridge_id = new_id("bridge")
    await pbx.create_bridge(bridge_id, type="mixing")
    await pbx.add_to_bridge(bridge_id, [agent_leg])

    customer = await originate(pbx, lab, HUMAN, timeout=20)
    await pbx.recorder.wait_for(customer, "StasisStart", timeout=20)
    await pbx.add_to_bridge(bridge_id, [customer])
    await pbx.recorder.wait_for(customer, "ChannelEnteredBridge", timeout=5)
    bridge = await pbx.get_bridge(bridge_id)
    assert set(bridge["channels"]) == {agent_leg, customer}
