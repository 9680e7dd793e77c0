"""Audio prompts on the real lab (issue 19).

- An MP3 uploaded through the API (a 1 kHz tone made by sox) is set as a campaign's machine
  message through the API; the campaign calls an answering machine of the simulator, and
  what the simulated callee receives (a snoop on the simulator's own channel, spy "in",
  recorded there) holds the tone for the prompt's length, starting when the PBX reports the
  message's PlaybackStarted.
- A prompt recorded from a desk phone: the API rings `tone1300`'s phone (the simulator
  answers and plays 1300 Hz), the dialer beeps and records until the 5 s of silence cap
  or the phone hangs up; the prompt becomes ready and holds the tone.
"""

from __future__ import annotations

import array
import asyncio
import datetime as dt
import math
import subprocess
import wave

import aiohttp
import pytest

from dialer.db import auth, campaigns
from dialer.db.models import Account, User
from dialer.prompts import files
from dialer.web.app import create_app
from tests.campaign_driver import attempts, finished, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import Recorder, connected_client, new_id
from tests.tones import stored_audio, tone_power

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

MACHINE = "+12125552000"  # the simulator's answering machine: greeting, beep, silence
TONE_HZ, TONE_SECONDS = 1000, 2.5
FRAME = 0.05  # s


def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _mp3(tmp_path, hz: int, seconds: float) -> bytes:
    path = tmp_path / "tone.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", str(seconds),
                    "sine", str(hz), "gain", "-6"], check=True)
    return path.read_bytes()


def _tone_span(runs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The longest stretch of runs with gaps of at most 2 frames between them (the snoop
    fills a late RTP packet with silence on a loaded machine): (start, length, the part of
    it the tone fills)."""
    spans: list[list[tuple[float, float]]] = []
    for run in runs:
        if spans and run[0] - sum(spans[-1][-1]) <= 2 * FRAME + 1e-6:
            spans[-1].append(run)
        else:
            spans.append([run])
    best = max(spans, key=lambda s: sum(s[-1]) - s[0][0])
    length = sum(best[-1]) - best[0][0]
    return best[0][0], length, sum(r[1] for r in best) / length


def _tone_runs(samples: array.array, rate: int, hz: int) -> list[tuple[float, float]]:
    """(start s, length s) of each run of frames carrying mostly `hz` above -40 dBFS."""
    size = int(FRAME * rate)
    runs: list[tuple[float, float]] = []
    start = None
    for i in range(0, len(samples) - size + 1, size):
        part = samples[i:i + size]
        rms = math.sqrt(sum(x * x for x in part) / size)
        on = rms > 32768 * 10 ** (-40 / 20) and tone_power(part, hz, rate) > 0.8
        if on and start is None:
            start = i / rate
        elif not on and start is not None:
            runs.append((start, i / rate - start))
            start = None
    if start is not None:
        runs.append((start, len(samples) / rate - start))
    return runs


async def _api(dialer, aiohttp_client, account_id: int):
    user = await dialer.store.run(auth.create_user, account_id, username=new_id("admin"),
                                  role="supervisor")
    token = await dialer.store.run(auth.create_api_token, user["id"])
    client = await aiohttp_client(create_app(dialer))
    return client, {"Authorization": f"Bearer {token['token']}"}, user["id"]


async def test_an_uploaded_mp3_is_heard_by_the_callee_as_the_machine_message(
        dialer, lab, aiohttp_client, tmp_path):
    seed = await dialer.store.run(seed_campaign, [MACHINE], agents=lab.info["agents"][:1],
                                  campaign={"machine_action": "message",
                                            "machine_message": "vm-goodbye", "bcw_seconds": 1})
    account_id = seed["account_id"]
    client, headers, _ = await _api(dialer, aiohttp_client, account_id)
    form = aiohttp.FormData()
    form.add_field("name", "tone")
    form.add_field("file", _mp3(tmp_path, TONE_HZ, TONE_SECONDS), filename="tone.mp3")
    resp = await client.post(f"/api/accounts/{account_id}/prompts", headers=headers, data=form)
    prompt = await resp.json()
    assert resp.status == 201, prompt
    assert files.wav_path(account_id, prompt["id"]).is_relative_to(lab.info["pbx"]["prompts_dir"])
    resp = await client.patch(f"/api/campaigns/{seed['campaign_id']}", headers=headers,
                              json={"machine_message": prompt["reference"]})
    assert resp.status == 200, await resp.json()

    events = Recorder(dialer.ari)
    heard: dict[str, str] = {}  # the simulator's channel -> its snoop's recording
    async with connected_client(lab.info["sim"], "prompt-ears") as ears:
        await ears.subscribe("channel:")

        callee: set[str] = set()  # not an agent's desk phone

        async def on_created(event: dict) -> None:
            if event["channel"]["dialplan"]["exten"].endswith(MACHINE[-4:]):
                callee.add(event["channel"]["id"])

        async def on_up(event: dict) -> None:
            channel = event["channel"]
            if channel["state"] == "Up" and channel["id"] in callee and not heard:
                heard[channel["id"]] = name = new_id("heard")
                snoop = await ears.snoop(channel["id"], "prompt-ears", snoop_id=f"snoop-{name}",
                                         spy="in")
                await ears.recorder.wait_for(snoop["id"], "StasisStart")
                await ears.record(snoop["id"], name, format="wav")
        ears.on("ChannelCreated", on_created)
        ears.on("ChannelStateChange", on_up)
        await login_all(dialer, seed["agent_ids"])
        await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: finished(dialer, seed["campaign_id"]), 90)
        (name,) = heard.values()
        done = await ears.recorder.wait(lambda e: e["type"] == "RecordingFinished"
                                        and e["recording"]["name"] == name, 20)
        started = next(_ts(e) for e in ears.recorder.events
                       if e["type"] == "RecordingStarted" and e["recording"]["name"] == name)
        samples, rate = await stored_audio(ears, name)
        assert done["recording"]["name"] == name

    (row,) = await dialer.store.run(attempts, seed["campaign_id"])
    assert row["outcome"] == "machine", row
    played = next((e for e in events.events if e["type"] == "PlaybackStarted"
                   and e["playback"]["id"].endswith("machine")), None)
    assert played is not None, row  # the verdict (amd_status) says why not
    path = f"{lab.info['pbx']['prompts_pbx_dir']}/{account_id}/prompt-{prompt['id']}"
    assert played["playback"]["media_uri"] == f"sound:{path}"
    expected_at = _ts(played) - started  # in the callee's recording
    runs = _tone_runs(samples, rate, TONE_HZ)
    start, length, filled = _tone_span(runs)
    print(f"the callee heard {TONE_HZ} Hz from {start:.2f} s for {length:.2f} s "
          f"({filled:.0%} of it); PlaybackStarted at {expected_at:.2f} s; runs {runs}")
    assert abs(start - expected_at) <= 0.3, (start, expected_at)
    assert abs(length - TONE_SECONDS) <= 0.3, length
    assert filled >= 0.9, runs


async def test_a_prompt_recorded_from_a_desk_phone(dialer, lab, aiohttp_client):
    account = await dialer.store.run(Account.create, name="Desk")
    client, headers, user_id = await _api(dialer, aiohttp_client, account.id)
    await dialer.store.run(lambda: User.update(endpoint="PJSIP/tone1300")
                           .where(User.id == user_id).execute())
    events = Recorder(dialer.ari)
    resp = await client.post(f"/api/accounts/{account.id}/prompts/recording", headers=headers,
                             json={"name": "from my phone"})
    prompt = await resp.json()
    assert resp.status == 202 and prompt["status"] == "recording", prompt
    await events.wait(lambda e: e["type"] == "RecordingStarted", 20)
    await asyncio.sleep(3)
    (leg,) = [c for c in dialer.prompt_recorder.channels()]
    await dialer.ari.hangup(leg)  # the admin hangs up: the recording so far is kept

    async def ready() -> bool:
        got = await client.get(f"/api/prompts/{prompt['id']}", headers=headers)
        return (await got.json())["status"] != "recording"
    await wait_until(ready, 20)
    body = await (await client.get(f"/api/prompts/{prompt['id']}", headers=headers)).json()
    assert body["status"] == "ready" and 2.0 <= body["duration_seconds"] <= 4.0, body
    with wave.open(str(files.wav_path(account.id, prompt["id"]))) as w:
        samples = array.array("h", w.readframes(w.getnframes()))
    middle = samples[4000:4000 + 8000]  # 0.5-1.5 s: the phone's tone
    assert tone_power(middle, 1300) > 0.8
    stored = await dialer.ari.request("GET", "/recordings/stored")
    assert not [r for r in stored if r["name"].startswith(f"prompt-{prompt['id']}-")]
