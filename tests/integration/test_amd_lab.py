"""AMD on the real lab with the shipped [dialer-amd] defaults (issue 9): a handful of the
generated greetings that app_amd's own defaults get wrong or that guard the machine side;
this fails if the tuned defaults regress. The whole measurement: python -m bench.amd_lab."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools

import pytest

from bench.amd_lab import SIM_ANSWER, answer_at_once
from dialer.lab.greetings import ensure_items, greetings_dir
from tests.lab_calls import connected_client, new_id

pytestmark = [pytest.mark.lab, pytest.mark.timeout(90)]

# ids in the default set (dialer/lab/greetings.py, seed 9)
HUMANS = [0, 45, 65, 110, 120]   # "Hi.", "Hello, John speaking.", "Hello, this is doctor
                                 # Lee.", and two who wait 2-4.5 s before "Yes?" / "Uh huh?"
MACHINES = [164, 175, 240, 265]  # short voicemails (164: a human to app_amd's 800 ms
                                 # after-greeting silence or a 2 s greeting), a long one,
                                 # a carrier message
BEEP = [175, 240]


def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


async def _call(pbx, sim, lab, item: dict, wait_beep: bool) -> tuple[str, float]:
    """AMDSTATUS and the seconds from the greeting's start to StasisStart."""
    channel_id = new_id("amd")
    await pbx.originate(f"PJSIP/+1212555{9000 + item['id']:04d}@{lab.info['trunk']}",
                        channel_id=channel_id, context="dialer-amd", extension="s",
                        priority=1, timeout=20,
                        variables={"DIALER_WAIT_BEEP": "1" if wait_beep else "0"})
    start = await pbx.recorder.wait_for(channel_id, "StasisStart", timeout=30)
    mark = await sim.recorder.wait(lambda e: e["type"] == "ChannelUserevent"
                                   and e["userevent"].get("name") == item["name"], timeout=5)
    await pbx.hangup(channel_id)
    return start["args"][1], _ts(start) - _ts(mark)


async def test_shipped_defaults_on_a_few_greetings(pbx, lab):
    items = {i["id"]: i for i in ensure_items(HUMANS + MACHINES, lab.root)}
    async with connected_client(lab.info["sim"], "amd-test") as sim:
        await sim.subscribe("channel:")
        results = await asyncio.gather(*(_call(pbx, sim, lab, items[i], False)
                                         for i in HUMANS + MACHINES))
        sim.recorder.events.clear()  # the beep calls replay greetings: their own marks
        beeps = await asyncio.gather(*(_call(pbx, sim, lab, items[i], True) for i in BEEP))
    verdicts = dict(zip(HUMANS + MACHINES, results, strict=True))
    for i in HUMANS:
        status, decided = verdicts[i]
        assert status == "HUMAN", (items[i]["text"], status)
        assert decided - items[i]["speech_end"] <= 1.5, (items[i]["text"], decided)
    for i in MACHINES:
        assert verdicts[i][0] == "MACHINE", (items[i]["text"], verdicts[i])
    for i, (status, message) in zip(BEEP, beeps, strict=True):
        assert status == "MACHINE"
        # Stasis starts 0.85 s of silence after the beep (the bench times the message
        # itself); the margin is for a loaded CI machine, the order is what matters here.
        after_beep = message - items[i]["beep_end"]
        assert 0.5 <= after_beep <= 1.2, (items[i]["text"], after_beep)


async def test_the_simulator_plays_a_greeting_at_the_answer_when_answered_over_ari(pbx, lab):
    """`...79nnn` / `...69nnn` (bench/amd_lab.py): the simulator's app "sim-answer" answers
    over ARI, which does not wait, and the clip (snnn) / greeting (gnnn) starts at the answer
    as a phone's audio does; `...89nnn` / `...9nnn` answer with Answer(), which waits up to
    0.5 s for the caller's first media (the PBX, listening, sends none), so theirs start half
    a second late."""
    tone = bytes(0x80 + (i // 4) % 2 for i in range(8000))  # 1 s of a square wave, mu-law
    for name in ("s900", "g900"):
        (greetings_dir(lab.root) / f"{name}.ulaw").write_bytes(tone)

    async def delay(prefix: int) -> float:
        """Seconds from the PBX's answer (StasisStart: [dialer-amd] skips AMD) to the clip."""
        channel_id = new_id("lead")
        name = "s900" if prefix in (79, 89) else "g900"
        sim.recorder.events.clear()
        await pbx.originate(f"PJSIP/+121255{prefix}900@{lab.info['trunk']}", channel_id=channel_id,
                            context="dialer-amd", extension="s", priority=1, timeout=20,
                            variables={"DIALER_SKIP_AMD": "1"})
        answered = await pbx.recorder.wait_for(channel_id, "StasisStart", timeout=30)
        mark = await sim.recorder.wait(lambda e: e["type"] == "ChannelUserevent"
                                       and e["userevent"].get("name") == name, timeout=5)
        await pbx.hangup(channel_id)
        return _ts(mark) - _ts(answered)

    async with connected_client(lab.info["sim"], SIM_ANSWER) as answerer, \
            connected_client(lab.info["sim"], "amd-test") as sim:
        answerer.on("StasisStart", functools.partial(answer_at_once, answerer))
        await sim.subscribe("channel:")
        over_ari = [await delay(79), await delay(69)]
        with_answer_app = [await delay(89), await delay(59)]  # ...59900: 9nnn, the AMD set's
    assert all(-0.05 <= d <= 0.2 for d in over_ari), over_ari
    assert all(0.4 <= d <= 0.75 for d in with_answer_app), with_answer_app
