"""The AMD classifier deciding on the real lab (issue 20): a campaign with the classifier as
its detector calls greetings of the lab's set (`...9NNN`) spoken by voices the classifier
never trained on (espeak-ng en-gb-x-rp and en-gb-x-gbclan are held out of its training
split, bench/amd_corpus.py); the callee's audio comes over RTP through both Asterisks into
the dialer (snoop + externalMedia) and the verdict, its detector and confidence reach the
attempt. Fails if the shipped classifier regresses on this fixed sample."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest

from bench import amd_corpus
from dialer.amd import shell as amd_shell
from dialer.amd.classifier import ClassifierSettings
from dialer.lab.greetings import ensure_items, greetings_dir
from tests.campaign_driver import attempts, finished, wait_until
from tests.integration.test_beep_lab import (message_after_beep, no_listener_left, number,
                                             playbacks_started, run_message_campaign,
                                             start_message_campaign)
from dialer.beep.shell import BEEP_PREFIX
from tests.lab_calls import Recorder

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]

# "Hello there." (en-gb-x-rp+m3), "Hello, Smith residence." (en-gb-x-gbclan+m4)
HUMANS = [9, 63]
# "This is John. Please leave a message." (en-gb-x-rp+f3), "Hi, this is Kim. Leave me a
# message." (en-gb-x-rp+f3): each ends in a beep
MACHINES = [166, 185]
SHIPPED = ClassifierSettings()
CLASSIFIER = {"amd_detector": "classifier"}  # on a campaign that leaves a message


async def test_a_held_out_person_is_a_human_for_the_classifier(dialer, lab):
    items = {number(i): i for i in ensure_items(HUMANS, lab.root)}
    seed = await start_message_campaign(dialer, lab, list(items), CLASSIFIER)
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    rows = await dialer.store.run(attempts, seed["campaign_id"])
    assert len(rows) == len(HUMANS)
    for row in rows:
        assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
            ("classifier", "HUMAN", "human"), (items[row["phone"]]["name"], row)
        assert SHIPPED.human <= row["amd_confidence"] <= 1, row
        # decided once the person fell silent after speaking (times from the answer)
        assert items[row["phone"]]["speech_end"] < row["amd_seconds"] <= SHIPPED.cap + 1, row
        assert row["agent"] is not None
    await no_listener_left(dialer)


async def test_a_held_out_voicemail_is_a_machine_and_hears_the_message_after_its_beep(dialer, lab):
    items = {number(i): i for i in ensure_items(MACHINES, lab.root)}
    events = Recorder(dialer.ari)
    rows, started, marks = await run_message_campaign(dialer, lab, items, CLASSIFIER)
    assert len(rows) == len(MACHINES)
    # one snoop per call: the beep is heard on the classifier's audio, not a second listener's
    snoops = {e["channel"]["id"] for e in events.events if e["type"] == "StasisStart"
              and e["channel"]["id"].startswith(BEEP_PREFIX + "snoop-")}
    assert len(snoops) == len(MACHINES), snoops
    for row in rows:
        item = items[row["phone"]]
        assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
            ("classifier", "MACHINE", "machine"), (item["name"], row)
        assert SHIPPED.machine <= row["amd_confidence"] <= 1, row
        assert 0 < row["amd_seconds"] <= SHIPPED.cap + 1, row
        after_beep = message_after_beep(row, item, started, marks)
        assert 0 < after_beep <= 1.0, (item["name"], item["beep_hz"], after_beep)
    await no_listener_left(dialer)


# A held-out short voicemail whose beep is over before the classifier decides: "Robert here,
# please leave a message." (espeak-ng en-gb-x-gbclan+f3, a 440 Hz beep 3.21-3.86 s in).
# Offline it is a machine after the beep at every start 0-0.92 s late: 0.2-0.3 s after it at
# starts 0.36-0.84 s late, at the 8 s cap otherwise (the lab's start varies in 0.2-0.5 s).
BEEP_BEFORE_VERDICT = 893
LATE_SLOT = 999  # /lab/greetings/g999, past the lab's set (0-289): `...9999` plays it


async def test_a_beep_gone_by_before_the_verdict_leaves_the_message_at_once(dialer, lab, caplog):
    """The classifier heard the beep before its verdict: the message starts at once, after
    the beep, and the dialer tells the beep (not the beep detector's 2 s of silence, which
    would have kept a verdict 0.2-0.3 s after the beep waiting; at the cap both are at once)."""
    caplog.set_level(logging.INFO, logger="dialer")
    clip = next(c for c in amd_corpus.clips() if c.id == BEEP_BEFORE_VERDICT)
    assert (clip.split, clip.label) == ("test", "machine")
    with tempfile.TemporaryDirectory() as work:
        ulaw, info = amd_corpus.render(clip, Path(work))
    (greetings_dir(lab.root) / f"g{LATE_SLOT}.ulaw").write_bytes(ulaw)
    item = {"name": f"g{LATE_SLOT}", "beep_end": info["beep_end"]}
    rows, started, marks = await run_message_campaign(
        dialer, lab, {number({"id": LATE_SLOT}): item}, CLASSIFIER)
    [row] = rows
    assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
        ("classifier", "MACHINE", "machine"), row
    mine = [r for r in caplog.records if f"attempt {row['id']}:" in r.getMessage()]
    told = [r.getMessage() for r in mine]
    assert any("beep 0.00 s after the verdict" in m for m in told), told
    verdict_at = next(r.created for r in mine if "classifier says machine" in r.getMessage())
    message_at = started[f"{row['channel_id']}-machine"]
    assert 0 < message_at - verdict_at <= 1.0, (message_at - verdict_at, told)
    assert message_after_beep(row, item, started, marks) > 0, told
    await no_listener_left(dialer)


# Call-screening assistants of the classifier's held-out split (bench/amd_corpus.py, rendered
# as the corpus renders them: voice, tempo, codec round trip, loss): "Hello, if you say your
# name and why you're calling, I'll see if ... is available." (flite rms, AMR-NB) and "Hi,
# before I connect you, please tell me your name and what this call is about." (espeak-ng
# en-gb-x-gbclan+m1, GSM). Offline both stay screening with up to 0.7 s more silence before
# them (the lab's answer comes up to 0.5 s before the audio); some held-out clips do not.
SCREENING = {"announce": 995, "hangup": 1030}
SCREENING_PROMPT = "sound:vm-goodbye"  # the campaign's name-and-reason prompt, as a prompt


def screening_number(lab, clip_id: int, slot: int, label: str = "screening") -> str:
    """The simulator's `...89nnn`: it plays /lab/greetings/snnn, written here from the corpus
    clip, waits 8 s (recording the caller), then its person says "hello" and stays 4 s."""
    clip = next(c for c in amd_corpus.clips() if c.id == clip_id)
    assert (clip.split, clip.label) == ("test", label)
    with tempfile.TemporaryDirectory() as work:
        ulaw, _ = amd_corpus.render(clip, Path(work))
    (greetings_dir(lab.root) / f"s{slot:03d}.ulaw").write_bytes(ulaw)
    return f"+121255{89000 + slot}"


async def run_screening_campaign(dialer, lab, action: str):
    number = screening_number(lab, SCREENING[action], 1 if action == "announce" else 2)
    events = Recorder(dialer.ari)
    seed = await start_message_campaign(dialer, lab, [number], CLASSIFIER | {
        "screening_action": action, "screening_message": SCREENING_PROMPT})
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    [row] = await dialer.store.run(attempts, seed["campaign_id"])
    assert (row["amd_detector"], row["amd_status"]) == ("classifier", "SCREENING"), row
    assert SHIPPED.cap_machine <= row["amd_confidence"] <= 1, row
    assert 0 < row["amd_seconds"] <= SHIPPED.cap + 1, row
    return row, playbacks_started(events)


async def test_a_screening_assistant_hears_the_prompt_and_its_person_reaches_an_agent(dialer, lab):
    row, played = await run_screening_campaign(dialer, lab, "announce")
    assert f"{row['channel_id']}-screening" in played, row  # the name-and-reason prompt
    assert (row["outcome"], row["agent"] is not None) == ("human", True), row
    assert row["bridged_at"] is not None
    await no_listener_left(dialer)


async def test_a_screening_assistant_is_hung_up_on_when_the_campaign_says_so(dialer, lab):
    row, played = await run_screening_campaign(dialer, lab, "hangup")
    assert f"{row['channel_id']}-screening" not in played, row
    assert (row["outcome"], row["agent"]) == ("machine", None), row
    # hung up on before the person came (8 s after the greeting's end)
    assert (row["ended_at"] - row["answered_at"]).total_seconds() < SHIPPED.cap + 2, row
    await no_listener_left(dialer)


# Held-out clips the classifier's sound alone gets wrong and its words right, offline from the
# clip's start and with 0.5 s more silence before it: "Sarah here, please leave a message."
# (flite kal16, A-law, no beep; sound alone: a person) and "Hi, the person you are calling is
# using a call screening service..." (espeak-ng en-gb-x-rp+f4, AMR-NB; sound alone: a machine).
HEARD = {906: ("machine", "MACHINE", "please leave"), 1044: ("screening", "SCREENING", "screening")}


async def test_words_heard_over_rtp_decide_a_voicemail_and_a_screening_assistant(dialer, lab):
    pool = amd_shell.spotter_pool()  # loading since the dialer started
    assert pool is not None
    await wait_until(lambda: pool.idle >= 2, 20)
    numbers = {screening_number(lab, clip, 3 + k, label): clip for k, (clip, (label, _, _)) in enumerate(HEARD.items())}
    seed = await start_message_campaign(dialer, lab, list(numbers), CLASSIFIER | {"machine_action": "hangup"})
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    rows = await dialer.store.run(attempts, seed["campaign_id"])
    assert len(rows) == len(HEARD)
    for row in rows:
        _, status, phrase = HEARD[numbers[row["phone"]]]
        assert (row["amd_detector"], row["amd_status"], row["amd_cause"], row["outcome"]) == \
            ("classifier", status, f'heard "{phrase}"', "machine"), row
        assert pool.phrases.confidence[phrase] == row["amd_confidence"], row
        assert 0 < row["amd_seconds"] < SHIPPED.cap, row
    assert pool.idle >= 2  # both spotters back in the pool
    await no_listener_left(dialer)


async def test_a_campaign_without_words_decides_by_sound_alone(dialer, lab):
    """`amd_words` off (callees who answer in another language): clip 906's "please leave"
    is not listened for, so its sound alone decides (a person), and no spotter is taken."""
    pool = amd_shell.spotter_pool()
    assert pool is not None
    await wait_until(lambda: pool.idle >= 2, 20)
    idle = pool.idle
    number = screening_number(lab, 906, 5, "machine")
    seed = await start_message_campaign(dialer, lab, [number], CLASSIFIER | {
        "machine_action": "hangup", "amd_words": False})
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    [row] = await dialer.store.run(attempts, seed["campaign_id"])
    assert (row["amd_detector"], row["amd_status"]) == ("classifier", "HUMAN"), row
    assert "heard" not in (row["amd_cause"] or ""), row
    assert pool.idle == idle  # no decoder was taken for the call
    await no_listener_left(dialer)


async def test_a_campaign_can_connect_a_callee_who_waits_silent_at_the_cap(dialer, lab):
    """`amd_person_after_silence`: held-out clip 830, a person ("Thank you for calling
    Summit Realty, this is Michael.", festival kal_diphone) that the model cannot place: at the
    cap, about 3.5 s after they stopped speaking, no beep, it is called a machine or a screening
    assistant (offline with up to 0.3 s more silence before it; with 0.6 s more it is called a
    screening assistant before the cap, and the option cannot help). With the option at 3 s
    the same call is a person and reaches an agent."""
    number = screening_number(lab, 830, 6, "human")
    rows = {}
    for after in (None, 3):
        seed = await start_message_campaign(dialer, lab, [number], CLASSIFIER | {
            "amd_person_after_silence": after})
        campaign_id = seed["campaign_id"]
        await wait_until(lambda cid=campaign_id: finished(dialer, cid), 120)
        [rows[after]] = await dialer.store.run(attempts, campaign_id)
    assert rows[None]["amd_status"] in ("MACHINE", "SCREENING") and rows[None]["outcome"] == "machine", rows[None]
    waited = rows[3]
    assert (waited["amd_detector"], waited["amd_status"], waited["outcome"]) == \
        ("classifier", "HUMAN", "human"), waited
    assert waited["agent"] is not None and waited["bridged_at"] is not None, waited
    assert SHIPPED.cap - 0.5 <= waited["amd_seconds"] <= SHIPPED.cap + 1, waited  # at the cap
    await no_listener_left(dialer)


async def test_a_person_silent_after_a_long_greeting_is_decided_before_the_cap(dialer, lab):
    """The late person rule (`ClassifierSettings.human_late`): held-out clip 822, a person
    ("Thank you for calling Greenfield Law, this is Emma.", flite rms, A-law, speech ends
    3.5 s in) whose probability of a person stays under the human threshold while they wait.
    Offline, with up to 0.6 s more silence before it, the rule calls them a person about 1 s
    after their last word; without it they were a screening assistant at the 8 s cap."""
    assert SHIPPED.human_late is not None
    number = screening_number(lab, 822, 7, "human")
    seed = await start_message_campaign(dialer, lab, [number], CLASSIFIER)
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    [row] = await dialer.store.run(attempts, seed["campaign_id"])
    assert (row["amd_detector"], row["amd_status"], row["outcome"]) == ("classifier", "HUMAN", "human"), row
    assert SHIPPED.human_late <= row["amd_confidence"] < SHIPPED.human, row  # the rule, not the threshold
    assert row["amd_seconds"] < SHIPPED.cap - 1, row  # long before the cap
    assert row["agent"] is not None and row["bridged_at"] is not None, row
    await no_listener_left(dialer)
