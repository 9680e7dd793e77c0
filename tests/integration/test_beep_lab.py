"""The machine message after the voicemail beep, on the real lab (issue 9): a campaign that
leaves a message calls six generated greetings ending in a beep (440-2000 Hz, 0.3-0.7 s,
one under background noise); the dialer listens for the beep over snoop + externalMedia
(beep/shell.py) and the message must start after the beep's end and within 1 s of it.
No channel or bridge of the listener is left behind. The whole set: python -m bench.amd_lab
--settings "" --beep-detector ari."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from dialer.db import campaigns
from dialer.lab.greetings import ensure_items
from dialer.beep.shell import BEEP_PREFIX
from tests.campaign_driver import attempts, finished, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import Recorder, connected_client

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]

# ids in the default set (seed 9): beep Hz, length s
BEEPS = [175,  # 440 Hz, 0.70 s, 0.27 s after "... leave a message"
         240,  # 850 Hz, 0.30 s, after a long greeting
         162,  # 1000 Hz, 0.32 s, noise at -48 dBFS throughout
         185,  # 2000 Hz, 0.43 s
         196,  # 1400 Hz, 0.53 s (161 before: "Hi, it's Maria. Leave a message." is a
               # person to the classifier trained on later starts, at up to 0.6 s later)
         218]  # 600 Hz, 0.65 s, a long greeting: the dialplan's 0.85 s silence wait took a
               # pause in it for its end (message 0.7-0.85 s before the beep's end)


def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def number(item: dict) -> str:
    """The simulator number that plays this greeting (`...9NNN`)."""
    return f"+1212555{9000 + item['id']:04d}"


async def start_message_campaign(dialer, lab, numbers: list[str],
                                 campaign: dict | None = None) -> dict:
    seed = await dialer.store.run(
        seed_campaign, numbers, agents=lab.info["agents"][:2],
        campaign={"machine_action": "message", "machine_message": "sound:vm-goodbye",
                  "bcw_seconds": 1} | (campaign or {}))
    await login_all(dialer, seed["agent_ids"])
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    return seed


def greeting_starts(sim) -> dict[str, float]:
    """When the simulator began each greeting (its UserEvent just before Playback)."""
    return {e["userevent"]["name"]: _ts(e) for e in sim.recorder.events
            if e["type"] == "ChannelUserevent" and e.get("eventname") == "greeting"}


def playbacks_started(events) -> dict[str, float]:
    return {e["playback"]["id"]: _ts(e) for e in events.events if e["type"] == "PlaybackStarted"}


async def no_listener_left(dialer) -> None:
    async def gone():
        channels = await dialer.ari.list_channels()
        bridges = await dialer.ari.list_bridges()
        return not [x for x in channels + bridges if x["id"].startswith(BEEP_PREFIX)]
    await wait_until(gone, 5)


async def run_message_campaign(dialer, lab, items: dict[str, dict],
                               campaign: dict | None = None):
    """A message campaign calls `items` (number -> greeting) to its end: its attempts, when
    each playback and each greeting started."""
    events = Recorder(dialer.ari)
    async with connected_client(lab.info["sim"], "beep-test") as sim:
        await sim.subscribe("channel:")
        seed = await start_message_campaign(dialer, lab, list(items), campaign)
        await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
        marks = greeting_starts(sim)
    return await dialer.store.run(attempts, seed["campaign_id"]), playbacks_started(events), marks


def message_after_beep(row: dict, item: dict, started: dict, marks: dict) -> float:
    """Seconds from the greeting's beep's end to the machine message's start."""
    played = started.get(f"{row['channel_id']}-machine")
    assert played is not None, ("no message", item["name"])
    return played - marks[item["name"]] - item["beep_end"]


async def test_message_after_the_beep(dialer, lab, caplog):
    caplog.set_level(logging.INFO, logger="dialer")
    items = {number(i): i for i in ensure_items(BEEPS, lab.root)}
    rows, started, marks = await run_message_campaign(dialer, lab, items)
    assert len(rows) == len(BEEPS)
    for row in rows:
        item = items[row["phone"]]
        assert row["amd_status"] == "MACHINE" and row["outcome"] == "machine", row
        after_beep = message_after_beep(row, item, started, marks)
        # a miss says how the listener ended and when AMD decided (one late run, unexplained)
        told = [r.getMessage() for r in caplog.records
                if f"attempt {row['id']}" in r.getMessage() or row["channel_id"] in r.getMessage()]
        assert 0 < after_beep <= 1.0, (item["name"], item["beep_hz"], after_beep, row, told)
    await no_listener_left(dialer)


async def test_no_beep_and_a_hang_up_while_listening(dialer, lab, caplog):
    """A carrier announcement without a beep: the message 2 s after it ends. A long
    voicemail whose caller hangs up while the dialer still listens for its beep: no
    message, and the listener's channels and bridge go with the call."""
    caplog.set_level(logging.INFO, logger="dialer")
    # 255: a long voicemail ("Hello, you have reached ..."), its beep 13.1 s in; a machine
    # however late the lab starts its greeting. Not 212 ("Thank you for calling." and a
    # pause): a person to the classifier at some starts (0.36-0.56 s late to the model
    # before, CI's failure; 11 of 51 starts 0-1 s late to this one).
    carrier, long_vm = ensure_items([265, 255], lab.root)
    events = Recorder(dialer.ari)
    async with connected_client(lab.info["sim"], "beep-test") as sim:
        await sim.subscribe("channel:")
        seed = await start_message_campaign(dialer, lab, [number(carrier), number(long_vm)])
        seen: list = []  # the long voicemail's row and the snoops last looked at

        async def listening_to_the_long_one():
            rows = await dialer.store.run(attempts, seed["campaign_id"])
            row = next((r for r in rows if r["phone"] == number(long_vm)), None)
            snoops = [c["id"] for c in await dialer.ari.list_channels()
                      if c["id"].startswith(BEEP_PREFIX + "snoop-")]
            seen[:] = [row, snoops]
            if row is None or not snoops or row["amd_status"] != "MACHINE":
                return False
            return row["channel_id"]
        try:
            await wait_until(listening_to_the_long_one, 30, step=0.1)
        except AssertionError:
            raise AssertionError(("never listening for the long voicemail's beep", seen,
                                  [r.getMessage() for r in caplog.records])) from None
        await dialer.ari.hangup(await listening_to_the_long_one())
        await wait_until(lambda: finished(dialer, seed["campaign_id"]), 60)
        marks = greeting_starts(sim)
    rows = {r["phone"]: r for r in await dialer.store.run(attempts, seed["campaign_id"])}
    started = playbacks_started(events)
    row = rows[number(carrier)]
    assert row["outcome"] == "machine"
    after_speech = started[f"{row['channel_id']}-machine"] - marks[carrier["name"]] \
        - carrier["speech_end"]
    assert 1.5 <= after_speech <= 3.0, (after_speech, row)  # 2 s of silence (its quiet tail counts)
    row = rows[number(long_vm)]
    assert row["outcome"] == "machine" and f"{row['channel_id']}-machine" not in started
    await no_listener_left(dialer)
