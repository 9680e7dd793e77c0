"""Recording consent on the real lab (issue 17): a recording campaign set to announce "where
required" calls a Californian (all-party consent) and a New Yorker (one party suffices).
The Californian hears the announcement and the recording starts only after its
PlaybackFinished (Asterisk's event timestamps); the New Yorker's call is recorded from the
bridge on, with no announcement. What each callee hears is recorded by a snoop on the
customer's channel (spy "out": what the PBX sends it; the snoop's timer fills silence, so the
file keeps wall-clock time from its RecordingStarted)."""

from __future__ import annotations

import array
import asyncio
import datetime as dt
import math

import pytest

from dialer.db import campaigns
from tests.campaign_driver import attempts, finished, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import Recorder, connected_client, human, new_id
from tests.tones import stored_audio

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]

CALIFORNIA, NEW_YORK = human(12, "415"), human(12, "212")
EARS = "consent-test"  # the test's own Stasis app: the snoops


def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def _dbfs(samples: array.array, rate: int, start: float, end: float) -> float:
    """RMS level of the mono 16-bit `samples` between `start` and `end` seconds."""
    part = samples[max(0, int(start * rate)):max(0, int(end * rate))]
    assert len(part) > rate // 10, (start, end, len(samples) / rate)
    rms = math.sqrt(sum(s * s for s in part) / len(part))
    return 20 * math.log10(max(rms, 1) / 32768)


async def _listen(ears, channel_id: str) -> str:
    """Record what the PBX sends to the customer's channel; the recording's name."""
    snoop = await ears.snoop(channel_id, EARS, spy="out")
    await ears.recorder.wait_for(snoop["id"], "StasisStart")
    name = new_id("heard")
    await ears.record(snoop["id"], name, format="wav")
    return name


async def test_the_recording_starts_after_the_announcement_the_callee_heard(dialer, lab):
    events = Recorder(dialer.ari)
    seed = await dialer.store.run(
        seed_campaign, [CALIFORNIA, NEW_YORK], agents=lab.info["agents"][:2],
        campaign={"record": True, "consent_announcement": "where required", "bcw_seconds": 1})
    listening: dict[str, asyncio.Task] = {}  # customer channel -> its snoop's recording name
    async with connected_client(lab.info["pbx"], EARS) as ears:
        async def on_up(event: dict) -> None:  # as it answers, during AMD: long before bridging
            channel = event["channel"]
            if channel["id"].startswith("out-") and channel["state"] == "Up" \
                    and channel["id"] not in listening:
                listening[channel["id"]] = asyncio.create_task(_listen(ears, channel["id"]))
        dialer.ari.on("ChannelStateChange", on_up)
        await login_all(dialer, seed["agent_ids"])
        await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: finished(dialer, seed["campaign_id"]), 90)
        rows = {r["phone"]: r for r in await dialer.store.run(attempts, seed["campaign_id"])}
        heard = {channel: await task for channel, task in listening.items()}
        assert set(heard) == {r["channel_id"] for r in rows.values()}
        for name in heard.values():  # the snoops' recordings end with their calls
            await ears.recorder.wait(lambda e, n=name: e["type"] == "RecordingFinished"
                                     and e["recording"]["name"] == n, 15)
        rec_started = {e["recording"]["name"]: _ts(e) for e in ears.recorder.events
                       if e["type"] == "RecordingStarted"}
        audio = {ch: (await stored_audio(ears, name), rec_started[name]) for ch, name in heard.items()}

    assert {r["outcome"] for r in rows.values()} == {"human"}, rows
    by_id = {(e["type"], e["playback"]["id"] if "playback" in e else e["recording"]["name"]):
             _ts(e) for e in events.events
             if e["type"] in ("PlaybackStarted", "PlaybackFinished", "RecordingStarted")}

    ca = rows[CALIFORNIA]
    assert ca["consent_announced"] is True and ca["recording_name"]
    played = by_id[("PlaybackStarted", f"{ca['channel_id']}-consent")]
    ended = by_id[("PlaybackFinished", f"{ca['channel_id']}-consent")]
    recording = by_id[("RecordingStarted", ca["recording_name"])]
    assert 2.0 <= ended - played <= 3.0, ended - played  # conf-now-recording: 2.3 s
    assert recording >= ended, (recording - ended)        # never before its end
    assert recording - ended < 1.0, recording - ended      # and promptly after it
    (samples, rate), t0 = audio[ca["channel_id"]]
    speech = _dbfs(samples, rate, played - t0 + 0.3, ended - t0 - 0.3)
    before = _dbfs(samples, rate, 0.1, played - t0 - 0.1)
    assert speech > -40 and speech - before >= 20, (speech, before)
    print(f"announcement {ended - played:.2f} s; recording started {recording - ended:.3f} s "
          f"after its end; the callee heard {speech:.1f} dBFS during it, {before:.1f} before")

    ny = rows[NEW_YORK]
    assert ny["consent_announced"] is False and ny["recording_name"]
    assert ("PlaybackStarted", f"{ny['channel_id']}-consent") not in by_id
    (samples, rate), t0 = audio[ny["channel_id"]]
    assert _dbfs(samples, rate, 0.1, len(samples) / rate) < -50  # it heard no announcement
    stored = await dialer.ari.request("GET", f"/recordings/stored/{ca['recording_name']}")
    assert stored["format"] == "wav"


async def test_an_announcement_that_cannot_play_leaves_the_call_unrecorded(dialer, lab):
    """A prompt the PBX does not have: Asterisk accepts the playback and reports it
    "failed"; no notice was given, so nothing is recorded."""
    events = Recorder(dialer.ari)
    seed = await dialer.store.run(
        seed_campaign, [human(6, "415")], agents=lab.info["agents"][:1],
        campaign={"record": True, "consent_prompt": "no-such-prompt"})
    await login_all(dialer, seed["agent_ids"])
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 60)
    [row] = await dialer.store.run(attempts, seed["campaign_id"])
    assert row["outcome"] == "human" and row["bridged_at"] is not None
    assert (row["recording_name"], row["consent_announced"]) == (None, None)
    failed = [e for e in events.events if e["type"] == "PlaybackFinished"
              and e["playback"]["id"] == f"{row['channel_id']}-consent"]
    assert failed and {e["playback"]["state"] for e in failed} == {"failed"}
    assert not [e for e in events.events if e["type"] == "RecordingStarted"]
