"""A recorded campaign call blind-transferred to a second agent, on the real lab (issue 18):
the attempt's one recording holds the whole call, the first agent's part and the receiving
agent's, and the wallboard's snapshot shows the receiving agent on the call. A recorded call
across a dialer restart keeps its recording (its snoop is taken back with the call; a
recording snoop of no call is hung up).

The agents' desk phones play distinct tones (sim_extensions.conf): A's `tone1300` 1300 Hz,
B's `sup1` 2100 Hz; the customer says "hello" before the bridge, then nothing. The
recording's file keeps the wall clock from its RecordingStarted (its snoop's timer fills
silence), so Asterisk's event timestamps say which part of the file is whose; Goertzel
measures each tone's share of the audio in each part.

B's part is asserted like A's: the file runs on through it, B's tone is most of it and A
is not heard in it (a recording of A's bridge, as before, stopped holding the customer at
the transfer: A's tone alone went on in it). Until the agents' bridges were made softmix
(dialer/ari CALL_BRIDGE_TYPE, where the reason is) the customer's snoop got none of B in
about half the runs, while the customer's phone heard B. See the README's recording consent section."""

from __future__ import annotations

import array
import asyncio
import math

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.agents.session import bridge_id_of
from dialer.ari import AriError
from dialer.db import campaigns
from dialer.outbound.recorder import snoop_of
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, die, lab_config, login_all, started, wait_until
from tests.campaign_seed import seed_campaign
from tests.integration.test_consent_lab import _ts
from tests.tones import stored_audio, tone_power
from tests.lab_calls import Recorder, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
A_HZ, B_HZ = 1300, 2100
PART_SECONDS = 3.0  # how long each agent talks
MARGIN = 0.4        # left out at each end of a part (moves, the stream's start)


def _part(samples: array.array, rate: int, start: float, end: float) -> dict[str, float]:
    part = samples[int((start + MARGIN) * rate):int((end - MARGIN) * rate)]
    assert len(part) > rate, (start, end, len(samples) / rate)
    rms = math.sqrt(sum(s * s for s in part) / len(part))
    return {"dbfs": 20 * math.log10(max(rms, 1) / 32768),
            "a": tone_power(part, A_HZ, rate), "b": tone_power(part, B_HZ, rate)}


async def test_a_blind_transfer_keeps_one_recording_of_the_whole_call(dialer, lab):
    events = Recorder(dialer.ari)
    seed = await dialer.store.run(
        seed_campaign, [human(0, "212")], agents=["PJSIP/tone1300", "PJSIP/sup1"],
        campaign={"record": True, "consent_announcement": "where required", "bcw_seconds": 5})
    a, b = seed["agent_ids"]
    account, cid = seed["account_id"], seed["campaign_id"]
    await login_all(dialer, [a])  # A alone takes the call
    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, account)) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(a).state == "on_call", 30)
        await login_all(dialer, [b])
        customer = dialer.agents.describe(a).customer
        [row] = await dialer.store.run(attempts, cid)
        name = f"attempt-{row['id']}-{customer}"  # a New Yorker: recorded, no announcement
        started = await events.wait(lambda e: e["type"] == "RecordingStarted"
                                    and e["recording"]["name"] == name)
        await asyncio.sleep(PART_SECONDS)

        resp = await http.post(f"/api/agents/{a}/call/transfer",
                               json={"mode": "blind", "agent_id": b})
        assert resp.status == 200 and (await resp.json())["call"] == "talking"
        moved = await events.wait(lambda e: e["type"] == "ChannelEnteredBridge"
                                  and e["channel"]["id"] == customer
                                  and e["bridge"]["id"] == bridge_id_of(b))
        floor = await (await http.get(f"/api/accounts/{account}/floor")).json()
        await asyncio.sleep(PART_SECONDS)

        resp = await http.post(f"/api/agents/{b}/call/hangup")  # B holds the call now
        assert resp.status == 200, await resp.text()
        gone = await events.wait_for(customer, "ChannelDestroyed")
        await events.wait(lambda e: e["type"] == "RecordingFinished"
                          and e["recording"]["name"] == name)
        await wait_until(lambda: dialer.agents.describe(b).state == "wrap_up", 5)

    # the wallboard: B on the call with its contact (the attempt) and campaign, A after it
    agents = {x["agent_id"]: x for x in floor["agents"]}
    assert (agents[b]["state"], agents[b]["campaign_id"], agents[b]["attempt_id"],
            agents[b]["customer"]) == ("on_call", cid, row["id"], customer)
    assert agents[a]["state"] == "wrap_up" and agents[a]["customer"] is None
    assert [(c["channel_id"], c["agent_id"], c["stage"]) for c in floor["calls"]] == [
        (customer, b, "talking")]

    # one attempt, one recording, its snoop gone with the customer
    [row] = await dialer.store.run(attempts, cid)
    assert (row["outcome"], row["agent"], row["recording_name"], row["consent_announced"]) \
        == ("human", a, name, False)
    stored = [r["name"] for r in await dialer.ari.request("GET", "/recordings/stored")]
    assert [n for n in stored if customer in n] == [name]
    with pytest.raises(AriError):
        await dialer.ari.get_channel(snoop_of(customer))

    samples, rate = await stored_audio(dialer.ari, name)
    t0 = _ts(started)
    first = _part(samples, rate, 0.0, _ts(moved) - t0)
    second = _part(samples, rate, _ts(moved) - t0, _ts(gone) - t0)
    length = len(samples) / rate
    print(f"recording {length:.2f} s (call {_ts(gone) - t0:.2f} s): A's part {first}, "
          f"B's part {second}")
    assert abs(length - (_ts(gone) - t0)) < 0.5  # the whole call, on the wall clock
    assert first["dbfs"] > -40 and first["a"] > 0.5 and first["b"] < 0.01
    assert second["dbfs"] > -40 and second["b"] > 0.5 and second["a"] < 0.01  # B, not A


async def test_a_restart_keeps_the_recording_of_a_call_taken_back(lab, tmp_path):
    cfg = lab_config(lab.info["pbx"], tmp_path)
    first = await started(cfg)
    seed = await first.store.run(
        seed_campaign, [human(14, "212")], agents=["PJSIP/tone1300"],
        campaign={"record": True, "consent_announcement": "where required", "bcw_seconds": 1})
    a, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(first, [a])
    await first.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: first.agents.describe(a).state == "on_call", 30)
    customer = first.agents.describe(a).customer

    async def recording() -> str | None:
        return (await first.store.run(attempts, cid))[0]["recording_name"]
    await wait_until(recording, 10)
    name = await recording()
    stray = snoop_of(first.agents.sessions[a].channel_id)  # a recording snoop of no call
    await first.ari.snoop(first.agents.sessions[a].channel_id, first.ari.app, snoop_id=stray,
                          spy="both", app_args="recording")
    await asyncio.sleep(2)
    await die(first)
    second = await started(cfg)
    try:
        await wait_until(lambda: customer in second.calls.calls, 10)  # taken back
        assert (await second.ari.get_channel(snoop_of(customer)))["state"] == "Up"
        live = await second.ari.request("GET", f"/recordings/live/{name}")
        assert live["state"] == "recording"
        await wait_until(lambda: _gone(second.ari, stray), 5)  # the resync's last steps
        await wait_until(lambda: customer not in second.calls.calls, 30)  # hangs up at 14 s

        async def ended() -> bool:  # the records writer may still be on its way
            return (await second.store.run(attempts, cid))[0]["ended_at"] is not None
        await wait_until(ended, 10)
        [row] = await second.store.run(attempts, cid)
        assert (row["outcome"], row["agent"], row["recording_name"]) == ("human", a, name)
        await wait_until(lambda: _stored(second.ari, name), 10)
        samples, rate = await stored_audio(second.ari, name)
    finally:
        await second.agents.logout(a)
        await second.stop()
    length = len(samples) / rate
    end = _part(samples, rate, length - 3, length)  # recorded after the restart
    print(f"recording {length:.2f} s; its last seconds {end}")
    assert length > 10 and end["a"] > 0.5


async def _gone(ari, channel_id: str) -> bool:
    return channel_id not in {c["id"] for c in await ari.list_channels()}


async def _stored(ari, name: str) -> bool:
    try:
        await ari.request("GET", f"/recordings/stored/{name}")
    except AriError:
        return False
    return True
