"""Listen, whisper and barge on the real Asterisk 22 lab (issue 18), ARI side only: an
agent's desk phone (agent1) bridged with a customer who stays, the supervisor's desk phone
(agent2) rung and joined by dialer.monitor's shell, each mode checked in the PBX's own
bridges and snoop channels; leaving never drops the call; the call ending hangs the
supervisor up. The audio test (tones, recordings, Goertzel) is still to come."""

from __future__ import annotations

import asyncio

import pytest

from dialer.core.asterisk_input import Endpoint
from dialer.monitor import machine as m
from dialer.monitor.shell import SNOOP_PREFIX, Monitors
from tests.lab_calls import human
from tests.unit.test_monitor_shell import Store
from tests.web_dialer import live_agents, put_on_call
from dialer.monitor.store import Supervisor

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]
AGENT, BRIDGE = 7, "dialer-agent-7"


async def _members(pbx, bridge_id: str) -> set[str]:
    return set((await pbx.get_bridge(bridge_id))["channels"])


async def _until(check, timeout: float = 10) -> None:
    for _ in range(int(timeout * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not reached in time")


async def test_listen_whisper_barge_leave_and_the_call_ending(pbx):
    agents = live_agents(Store(), [AGENT])
    leg = agents.sessions[AGENT].channel_id  # "agent-7"
    monitors = Monitors(pbx, Store(), agents, "dialer")
    feature = monitors.feature()

    async def stasis(event: dict) -> None:
        args = event.get("args") or [""]
        if args[0] == "monitor":
            await feature.stasis["monitor"].handler(event, args)
    pbx.on("StasisStart", stasis)
    pbx.on("ChannelDestroyed", feature.on_channel_destroyed)
    pbx.on("ChannelLeftBridge", feature.events["ChannelLeftBridge"])

    await pbx.originate("PJSIP/agent1", channel_id=leg, app="dialer", app_args="agentleg")
    await pbx.recorder.wait_for(leg, "StasisStart")
    customer = "monitor-customer-1"
    await pbx.originate(f"PJSIP/{human()}@carrier", channel_id=customer, app="dialer",
                        app_args="customer")
    await pbx.recorder.wait_for(customer, "StasisStart", timeout=20)
    await pbx.create_bridge(BRIDGE)
    await pbx.add_to_bridge(BRIDGE, [leg, customer])
    await put_on_call(agents, AGENT, customer, campaign_id=None)

    supervisor = Supervisor(3, "boss", 1, Endpoint("agent2"))
    await monitors.start(AGENT, supervisor, m.Mode.LISTEN)
    boss = next(iter(monitors.channels()))

    async def joined(state: m.State) -> bool:
        watch = monitors.watches.get(AGENT)
        return watch is not None and watch.session.state is state
    await _until(lambda: joined(m.State.LISTENING), 20)
    snoop = monitors.watches[AGENT].snoop
    assert snoop and snoop.startswith(SNOOP_PREFIX)
    assert await _members(pbx, "dialer-monitor-7") == {boss, snoop}
    assert await _members(pbx, BRIDGE) == {leg, customer}  # the call's bridge untouched

    await monitors.switch(AGENT, m.Mode.WHISPER)
    whisper = monitors.watches[AGENT].snoop
    assert whisper != snoop and await _members(pbx, "dialer-monitor-7") == {boss, whisper}
    await pbx.recorder.wait_for(snoop, "ChannelDestroyed")  # the listening snoop

    await monitors.switch(AGENT, m.Mode.BARGE)
    assert await _members(pbx, BRIDGE) == {leg, customer, boss}  # three-way
    await pbx.recorder.wait_for(whisper, "ChannelDestroyed")

    await monitors.switch(AGENT, m.Mode.LISTEN)
    assert await _members(pbx, BRIDGE) == {leg, customer}
    await monitors.stop(AGENT)
    await pbx.recorder.wait_for(boss, "ChannelDestroyed")
    assert await _members(pbx, BRIDGE) == {leg, customer}  # leaving never drops the call

    # monitored again, then the customer hangs up: the supervisor is hung up
    await monitors.start(AGENT, supervisor, m.Mode.BARGE)
    boss = next(c for c in monitors.channels() if c != boss)
    await _until(lambda: joined(m.State.BARGING), 20)
    await pbx.hangup(customer)
    await pbx.recorder.wait_for(boss, "ChannelDestroyed")
    assert AGENT not in monitors.watches
