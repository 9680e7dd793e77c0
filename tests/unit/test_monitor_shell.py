"""The monitoring shell's ARI requests (a recording fake; the lab test is still to come):
what each mode joins, what a switch and leaving take apart, the call never touched, the
call's end hanging the supervisor up, the audit entries, the resync's clean-up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dialer.agents.shell import AgentStateError
from dialer.core.asterisk_input import Endpoint
from dialer.monitor import machine as m
from dialer.monitor import store as monitor_db
from dialer.monitor.shell import Monitors
from tests.web_dialer import live_agents, put_on_call

BOSS = monitor_db.Supervisor(3, "boss", 1, Endpoint("boss"))


class Store:
    def __init__(self) -> None:
        self.audits: list[tuple[Any, ...]] = []

    async def run(self, fn, *args, **kwargs):
        if fn is monitor_db.record_monitoring:
            self.audits.append(args[-2:])
        return None


class Ari:
    def __init__(self) -> None:
        self.requests: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str):
        async def request(*args: Any, **kwargs: Any) -> None:
            self.requests.append((name, *args, *sorted(kwargs.items())))
        return request


@pytest.fixture
async def setup():
    agents = live_agents(Store(), [7, 8])
    await put_on_call(agents, 7, "customer-1", campaign_id=2)
    ari, store = Ari(), Store()
    return Monitors(ari, store, agents, "dialer"), ari, store


def names(ari: Ari) -> list[str]:
    done = [r[0] for r in ari.requests]
    ari.requests.clear()
    return done


async def test_listen_whisper_barge_then_leave(setup):
    monitors, ari, store = setup
    view = await monitors.start(7, BOSS, m.Mode.LISTEN)
    assert view["state"] == "ringing"
    (originate,) = ari.requests
    leg = dict(originate[2:])["channel_id"]
    assert originate[1] == "PJSIP/boss" and ("app_args", "monitor,7") in originate
    ari.requests.clear()
    await monitors.on_answered({"channel": {"id": leg}}, ["monitor", "7"])
    snoop = ari.requests[2]
    assert names(ari) == ["create_bridge", "add_to_bridge", "snoop", "add_to_bridge"]
    assert snoop[1] == "agent-7" and ("spy", "both") in snoop and ("whisper", "none") in snoop

    await monitors.switch(7, m.Mode.WHISPER)
    whisper = ari.requests[3]
    assert names(ari) == ["hangup", "remove_from_bridge", "add_to_bridge", "snoop",
                          "add_to_bridge"]
    assert ("whisper", "out") in whisper and ("spy", "both") in whisper

    await monitors.switch(7, m.Mode.BARGE)
    barge = ari.requests[-1]
    assert names(ari) == ["hangup", "remove_from_bridge", "add_to_bridge"]
    assert barge == ("add_to_bridge", "dialer-agent-7", leg)

    await monitors.stop(7)
    requests = list(ari.requests)
    assert requests[0] == ("remove_from_bridge", "dialer-agent-7", leg)
    assert ("hangup", leg) in requests and all("customer-1" not in r for r in requests)
    assert 7 not in monitors.watches
    assert store.audits == [(None, m.Mode.LISTEN), (m.Mode.LISTEN, m.Mode.WHISPER),
                            (m.Mode.WHISPER, m.Mode.BARGE), (m.Mode.BARGE, None)]


async def _joined(monitors: Monitors, ari: Ari, mode: m.Mode) -> str:
    """Started and answered in `mode`; the requests so far forgotten. The supervisor's leg."""
    await monitors.start(7, BOSS, mode)
    leg = next(iter(monitors.channels()))
    await monitors.on_answered({"channel": {"id": leg}}, ["monitor", "7"])
    ari.requests.clear()
    return leg


async def _settled() -> None:
    """Lets the monitoring's follower see what the hub published."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_call_ending_hangs_the_supervisor_up(setup):
    monitors, ari, store = setup
    leg = await _joined(monitors, ari, m.Mode.LISTEN)
    await monitors.agents.call_ended(7, 5)  # the customer hung up: the agent in wrap-up
    await _settled()
    assert ("hangup", leg) in ari.requests and 7 not in monitors.watches
    assert store.audits[-1] == (m.Mode.LISTEN, None)
    assert monitors.agents.floor.subscribers == set()


async def test_hold_and_a_consultation_keep_the_supervisor_on(setup):
    """On hold the customer leaves the agent's bridge (music) and the session stays on the
    call; a warm transfer's target agent, reserved, changes nothing of this agent's."""
    monitors, ari, _ = setup
    leg = await _joined(monitors, ari, m.Mode.BARGE)
    assert await monitors.agents.reserve(8)
    monitors.agents.floor.hold("customer-1", True)
    await monitors.agents.set_ready(8, False)  # another agent's change
    await _settled()
    assert monitors.watches[7].session.state is m.State.BARGING and ari.requests == []
    monitors.agents.floor.hold("customer-1", False)
    await _settled()
    assert 7 in monitors.watches and ("hangup", leg) not in ari.requests


async def test_a_call_transferred_away_ends_the_first_agents_monitoring(setup):
    monitors, ari, _ = setup
    leg = await _joined(monitors, ari, m.Mode.LISTEN)
    await monitors.agents.call_ended(7, 0)  # the transfer's AgentDone: available at once
    await _settled()
    assert ("hangup", leg) in ari.requests and 7 not in monitors.watches


async def test_the_supervisor_hanging_up_leaves_the_call(setup):
    monitors, ari, _ = setup
    leg = await _joined(monitors, ari, m.Mode.BARGE)
    assert await monitors.on_channel_destroyed({"channel": {"id": leg}})
    assert ari.requests[0] == ("remove_from_bridge", "dialer-agent-7", leg)
    assert all(r[0] != "hangup" for r in ari.requests) and 7 not in monitors.watches


async def test_refusals(setup):
    monitors, _, _ = setup
    with pytest.raises(AgentStateError):
        await monitors.switch(7, m.Mode.BARGE)  # nobody monitors it
    await monitors.start(7, BOSS, m.Mode.LISTEN)
    with pytest.raises(Exception, match="already"):
        await monitors.start(7, BOSS, m.Mode.LISTEN)


async def test_a_restart_leaves_no_supervisor_leg(setup):
    monitors, ari, _ = setup
    removed = await monitors.clean_up(
        ari, [{"id": "monitor-7-abc"}, {"id": "monitor-snoop-7-abd"}, {"id": "agent-7-x"}],
        [{"id": "dialer-monitor-7"}, {"id": "dialer-agent-7"}])
    assert removed == 3
    assert ari.requests == [("hangup", "monitor-7-abc"), ("hangup", "monitor-snoop-7-abd"),
                            ("destroy_bridge", "dialer-monitor-7")]
