"""Listen, whisper and barge on the real Asterisk 22 lab (issue 18): an agent's desk phone
bridged with a customer, the supervisor's desk phone rung and joined by dialer.monitor's
shell (its ARI side: a hand-made agent bridge stands in for the dialer's call).
- the PBX's bridges and snoops in each mode; leaving never drops the call; the call ending
  hangs the supervisor up; a campaign call put on hold and resumed keeps them on;
- audio: the customer (500 Hz), the agent's phone (1300 Hz) and the supervisor's (2100 Hz)
  each play a tone (sim_extensions.conf); what a phone hears is recorded from a snoop and
  measured by Goertzel: the supervisor hears both in listen, the customer never hears the
  supervisor in listen or whisper and does in barge, the agent's phone hears them in
  whisper (recorded on the simulator's side of that phone)."""

from __future__ import annotations

import asyncio
import io
import itertools
import struct
import uuid
import wave

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.core.asterisk_input import Endpoint
from dialer.db import campaigns
from dialer.monitor import machine as m
from dialer.monitor.shell import SNOOP_PREFIX, Monitors
from tests.tones import tone_power
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human
from tests.unit.test_monitor_shell import Store
from tests.web_dialer import live_agents, put_on_call
from dialer.monitor.store import Supervisor

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]
AGENT, BRIDGE = 7, "dialer-agent-7"  # each test's own: see _fresh_agent
_AGENT_IDS = itertools.count(7001)


@pytest.fixture(autouse=True)
def _fresh_agent():
    """A bridge an earlier test left on the PBX (a dialer's agent bridge is kept for a
    restart; one being destroyed still lists) never has the id this test creates."""
    global AGENT, BRIDGE
    AGENT = next(_AGENT_IDS)
    BRIDGE = bridge_id_of(AGENT)


async def _members(pbx, bridge_id: str) -> set[str]:
    return set((await pbx.get_bridge(bridge_id))["channels"])


async def _until(check, timeout: float = 10) -> None:
    for _ in range(int(timeout * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not reached in time")


async def _on_a_call(pbx, agent_phone: str, number: str) -> tuple[Monitors, str, str]:
    """The agent's leg and a customer in the agent's bridge, the agent's session on the
    call, and the monitoring shell on `pbx`'s events. Returns (shell, leg, customer)."""
    agents = live_agents(Store(), [AGENT])
    leg = agents.sessions[AGENT].channel_id  # "agent-<AGENT>"
    monitors = Monitors(pbx, Store(), agents, "dialer")
    feature = monitors.feature()

    async def stasis(event: dict) -> None:
        args = event.get("args") or [""]
        if args[0] == "monitor":
            await feature.stasis["monitor"].handler(event, args)
    pbx.on("StasisStart", stasis)
    pbx.on("ChannelDestroyed", feature.on_channel_destroyed)

    await pbx.originate(f"PJSIP/{agent_phone}", channel_id=leg, app="dialer",
                        app_args="agentleg")
    await pbx.recorder.wait_for(leg, "StasisStart")
    customer = f"monitor-customer-{uuid.uuid4().hex[:8]}"
    await pbx.originate(f"PJSIP/{number}@carrier", channel_id=customer, app="dialer",
                        app_args="customer")
    await pbx.recorder.wait_for(customer, "StasisStart", timeout=20)
    await pbx.create_bridge(BRIDGE)
    await pbx.add_to_bridge(BRIDGE, [leg, customer])
    await put_on_call(agents, AGENT, customer, campaign_id=None)
    return monitors, leg, customer


async def test_listen_whisper_barge_leave_and_the_call_ending(pbx):
    monitors, leg, customer = await _on_a_call(pbx, "agent1", human())
    supervisor = Supervisor(3, "boss", 1, Endpoint("agent2"))
    await monitors.start(AGENT, supervisor, m.Mode.LISTEN)
    boss = next(iter(monitors.channels()))

    await _until(lambda: _state_is(monitors, m.State.LISTENING), 20)
    await _until(lambda: _snooping(pbx, monitors, AGENT))
    snoop = monitors.watches[AGENT].snoop
    assert snoop and snoop.startswith(SNOOP_PREFIX)
    assert await _members(pbx, f"dialer-monitor-{AGENT}") == {boss, snoop}
    assert await _members(pbx, BRIDGE) == {leg, customer}  # the call's bridge untouched

    await monitors.switch(AGENT, m.Mode.WHISPER)
    whisper = monitors.watches[AGENT].snoop
    assert whisper != snoop and await _members(pbx, f"dialer-monitor-{AGENT}") == {boss, whisper}
    await pbx.recorder.wait_for(snoop, "ChannelDestroyed")  # the listening snoop

    await monitors.switch(AGENT, m.Mode.BARGE)
    assert await _members(pbx, BRIDGE) == {leg, customer, boss}  # three-way
    await pbx.recorder.wait_for(whisper, "ChannelDestroyed")

    await monitors.switch(AGENT, m.Mode.LISTEN)
    assert await _members(pbx, BRIDGE) == {leg, customer}
    await monitors.stop(AGENT)
    await pbx.recorder.wait_for(boss, "ChannelDestroyed")
    assert await _members(pbx, BRIDGE) == {leg, customer}  # leaving never drops the call

    # monitored again, then the customer hangs up (the call's machine, which this test
    # stands in for, ends the agent's call): the supervisor is hung up
    await monitors.start(AGENT, supervisor, m.Mode.BARGE)
    boss = next(c for c in monitors.channels() if c != boss)
    await _until(lambda: _state_is(monitors, m.State.BARGING), 20)
    await pbx.hangup(customer)
    await monitors.agents.call_ended(AGENT, 0)
    await pbx.recorder.wait_for(boss, "ChannelDestroyed")
    assert AGENT not in monitors.watches


# ---- audio: who hears whom -----------------------------------------------------------------
CUSTOMER_HZ, AGENT_HZ, SUPERVISOR_HZ = 500, 1300, 2100  # sim_extensions.conf


async def _hears(pbx, channel_id: str, seconds: float = 1.5, *, app: str = "dialer",
                 spy: str = "out") -> dict[int, float]:
    """What `channel_id`'s phone hears (a snoop, recorded), as tone powers."""
    snoop, name = f"test-hears-{uuid.uuid4().hex[:8]}", f"hears-{uuid.uuid4().hex[:8]}"
    await pbx.snoop(channel_id, app, snoop_id=snoop, spy=spy, app_args="test")
    await pbx.recorder.wait_for(snoop, "StasisStart")
    await pbx.record(snoop, name, format="wav")
    await asyncio.sleep(seconds)
    await pbx.stop_recording(name)
    await pbx.hangup(snoop)
    await asyncio.sleep(0.3)
    resp = await pbx.open_stored_recording(name)
    with wave.open(io.BytesIO(await resp.read())) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = list(struct.unpack(f"<{len(frames) // 2}h", frames))[800:]  # past the start
    return {hz: tone_power(samples, hz) for hz in (CUSTOMER_HZ, AGENT_HZ, SUPERVISOR_HZ)}


HEARD, NOT_HEARD = 0.05, 0.01  # of the recording's power


async def _phone_on_the_sim(sim, tone: str) -> str:
    """The simulator's channel of the desk phone playing `tone` (its TONE variable)."""
    for channel in await sim.list_channels():
        if await sim.get_variable(channel["id"], "TONE") == tone:
            return channel["id"]
    raise AssertionError(f"no phone playing {tone} Hz on the simulator")


async def test_who_hears_whom_in_each_mode(pbx, caller):
    monitors, leg, customer = await _on_a_call(pbx, "tone1300", "+12125550000")
    await monitors.start(AGENT, Supervisor(3, "boss", 1, Endpoint("sup1")), m.Mode.LISTEN)
    boss = next(iter(monitors.channels()))
    await _until(lambda: _state_is(monitors, m.State.LISTENING), 20)

    heard = {"listen": await _hears(pbx, boss), "listen-customer": await _hears(pbx, customer)}
    await monitors.switch(AGENT, m.Mode.WHISPER)
    heard["whisper-customer"] = await _hears(pbx, customer)
    # what reaches the agent's phone, heard on the simulator (spy=in: what the phone gets)
    heard["whisper-agent"] = await _hears(caller, await _phone_on_the_sim(caller, "1300"),
                                          app="sim", spy="in")
    await monitors.switch(AGENT, m.Mode.BARGE)
    heard["barge-customer"] = await _hears(pbx, customer)
    print({k: {hz: round(p, 3) for hz, p in v.items()} for k, v in heard.items()})

    assert heard["listen"][CUSTOMER_HZ] > HEARD and heard["listen"][AGENT_HZ] > HEARD
    assert heard["listen-customer"][AGENT_HZ] > HEARD  # the call itself goes on
    assert heard["listen-customer"][SUPERVISOR_HZ] < NOT_HEARD
    assert heard["whisper-customer"][SUPERVISOR_HZ] < NOT_HEARD
    assert heard["whisper-agent"][SUPERVISOR_HZ] > HEARD
    assert heard["barge-customer"][SUPERVISOR_HZ] > HEARD
    await monitors.stop(AGENT)


async def _snooping(ari, monitors: Monitors, agent_id: int) -> bool:
    """The state says listening once the supervisor answers; the snoop joins just after."""
    watch = monitors.watches.get(agent_id)
    return watch is not None and watch.snoop is not None and \
        watch.snoop in await _members(ari, f"dialer-monitor-{agent_id}")


async def _state_is(monitors: Monitors, state: m.State) -> bool:
    watch = monitors.watches.get(AGENT)
    return watch is not None and watch.session.state is state


# ---- end to end: a campaign call, the supervisor through the API ---------------------------
async def test_a_supervisor_listens_barges_and_leaves_a_campaign_call(dialer, lab):
    """A campaign dials the simulated customer, the agent gets the call; the supervisor
    starts listening through the API (their desk phone rung and joined), switches to barge,
    leaves; the call carries on and ends as a human call with its agent; the audit trail has
    the start, the switch and the stop, each under the supervisor's name."""
    seed = await dialer.store.run(seed_campaign, [human(40)],
                                  agents=lab.info["agents"][:1])
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    leg, bridge = dialer.agents.sessions[agent].channel_id, bridge_id_of(agent)
    boss = await dialer.store.run(bearer, seed["account_id"], "supervisor", username="boss",
                                  endpoint="PJSIP/sup2")
    url = f"/api/agents/{agent}/monitor"
    async with TestClient(TestServer(create_app(dialer)), headers=boss) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 30)
        customer = dialer.agents.describe(agent).customer
        resp = await http.post(url, json={"mode": "listen"})
        assert resp.status == 201 and (await resp.json())["state"] == "ringing"
        await _until(lambda: _http_state(http, url, "listening"), 20)
        await _until(lambda: _snooping(dialer.ari, dialer.monitors, agent))
        supervisor, snoop = dialer.monitors.watches[agent].session.leg, \
            dialer.monitors.watches[agent].snoop
        assert await _members(dialer.ari, f"dialer-monitor-{agent}") == {supervisor, snoop}
        assert await _members(dialer.ari, bridge) == {leg, customer}

        resp = await http.patch(url, json={"mode": "barge"})
        assert resp.status == 200 and (await resp.json())["state"] == "barging"
        assert await _members(dialer.ari, bridge) == {leg, customer, supervisor}
        assert (await http.delete(url)).status == 204
        await wait_until(lambda: not dialer.monitors.channels(), 10)
        assert await _members(dialer.ari, bridge) == {leg, customer}  # the call carries on
        assert dialer.agents.describe(agent).state == "on_call"
        await wait_until(lambda: dialer.agents.describe(agent).state != "on_call", 60)
        resp = await http.get(f"/api/accounts/{seed['account_id']}/audit?kind=monitoring")
        entries = (await resp.json())["items"]
    rows = await dialer.store.run(attempts, cid)
    assert [(r["outcome"], r["agent"], r["channel_id"]) for r in rows] == [
        ("human", agent, customer)]
    assert sorted((e["action"], (e["before"] or {}).get("mode"), (e["after"] or {}).get("mode"))
                  for e in entries) == [("create", None, "listen"), ("delete", "barge", None),
                                        ("update", "listen", "barge")]
    assert all(e["actor"].startswith("boss") and e["object_id"] == agent for e in entries)
    assert {(e["after"] or e["before"])["campaign"] for e in entries} == {cid}


async def _http_state(http, url: str, state: str) -> bool:
    resp = await http.get(url)
    return resp.status == 200 and (await resp.json())["state"] == state


async def test_a_monitored_call_put_on_hold_and_resumed_keeps_the_supervisor_on(dialer, lab):
    """The agent holds the customer (out of the agent's bridge, on music) and resumes: the
    supervisor, listening, stays on throughout; the agent ending the call hangs them up."""
    seed = await dialer.store.run(seed_campaign, [human(0)], agents=lab.info["agents"][:1])
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    boss = await dialer.store.run(bearer, seed["account_id"], "supervisor", username="boss",
                                  endpoint="PJSIP/sup2")
    agent_api = await dialer.store.run(bearer, seed["account_id"])
    url = f"/api/agents/{agent}/monitor"
    async with TestClient(TestServer(create_app(dialer)), headers=boss) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 30)
        customer = dialer.agents.describe(agent).customer
        assert (await http.post(url, json={"mode": "listen"})).status == 201
        await _until(lambda: _snooping(dialer.ari, dialer.monitors, agent), 20)
        supervisor = dialer.monitors.watches[agent].session.leg
        for action in ("hold", "resume"):
            resp = await http.post(f"/api/agents/{agent}/call/{action}", headers=agent_api)
            assert resp.status == 200, await resp.text()
            in_bridge = customer in await _members(dialer.ari, bridge_id_of(agent))
            assert in_bridge is (action == "resume")
            await asyncio.sleep(1.5)  # what ended it before: the customer leaving the bridge
            assert await _http_state(http, url, "listening")
            assert (await dialer.ari.get_channel(supervisor))["state"] == "Up"
        resp = await http.post(f"/api/agents/{agent}/call/hangup", headers=agent_api)
        assert resp.status == 200, await resp.text()
        await wait_until(lambda: not dialer.monitors.channels(), 10)
        assert (await http.get(url)).status == 409
    with pytest.raises(AriError):
        await dialer.ari.get_channel(supervisor)  # hung up with the call
