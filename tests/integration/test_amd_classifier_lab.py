"""The AMD classifier deciding on the real lab (issue 20): a campaign with the classifier as
its detector calls greetings of the lab's set (`...9NNN`) spoken by voices the classifier
never trained on (espeak-ng en-gb-x-rp and en-gb-x-gbclan are held out of its training
split, bench/amd_corpus.py); the callee's audio comes over RTP through both Asterisks into
the dialer (snoop + externalMedia) and the verdict, its detector and confidence reach the
attempt. Fails if the shipped classifier regresses on this fixed sample."""

from __future__ import annotations

import pytest

from dialer.amd.classifier import ClassifierSettings
from dialer.db import campaigns
from dialer.lab.greetings import ensure_items
from tests.campaign_driver import attempts, finished, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.integration.test_beep_lab import (greeting_starts, no_listener_left, number,
                                             playbacks_started)
from tests.lab_calls import Recorder, connected_client

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]

# "Hello there." (en-gb-x-rp+m3), "Hello, Smith residence." (en-gb-x-gbclan+m4)
HUMANS = [9, 63]
# "This is John. Please leave a message." (en-gb-x-rp+f3), "Hi, this is Kim. Leave me a
# message." (en-gb-x-rp+f3): each ends in a beep
MACHINES = [166, 185]
SHIPPED = ClassifierSettings()


async def start_classifier_campaign(dialer, lab, numbers: list[str]) -> dict:
    seed = await dialer.store.run(
        seed_campaign, numbers, agents=lab.info["agents"][:2],
        campaign={"amd_detector": "classifier", "machine_action": "message",
                  "machine_message": "sound:vm-goodbye", "bcw_seconds": 1})
    await login_all(dialer, seed["agent_ids"])
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    return seed


async def test_a_held_out_person_is_a_human_for_the_classifier(dialer, lab):
    items = {number(i): i for i in ensure_items(HUMANS, lab.root)}
    seed = await start_classifier_campaign(dialer, lab, list(items))
    await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
    rows = await dialer.store.run(attempts, seed["campaign_id"])
    assert len(rows) == len(HUMANS)
    for row in rows:
        assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
            ("classifier", "HUMAN", "human"), (items[row["phone"]]["name"], row)
        assert SHIPPED.human <= row["amd_confidence"] <= 1, row
        assert row["agent"] is not None
    await no_listener_left(dialer)


async def test_a_held_out_voicemail_is_a_machine_and_hears_the_message_after_its_beep(dialer, lab):
    items = {number(i): i for i in ensure_items(MACHINES, lab.root)}
    events = Recorder(dialer.ari)
    async with connected_client(lab.info["sim"], "classifier-test") as sim:
        await sim.subscribe("channel:")
        seed = await start_classifier_campaign(dialer, lab, list(items))
        await wait_until(lambda: finished(dialer, seed["campaign_id"]), 120)
        marks = greeting_starts(sim)
    rows = await dialer.store.run(attempts, seed["campaign_id"])
    assert len(rows) == len(MACHINES)
    started = playbacks_started(events)
    for row in rows:
        item = items[row["phone"]]
        assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
            ("classifier", "MACHINE", "machine"), (item["name"], row)
        assert SHIPPED.machine <= row["amd_confidence"] <= 1, row
        played = started.get(f"{row['channel_id']}-machine")
        assert played is not None, ("no message", item["name"])
        after_beep = played - marks[item["name"]] - item["beep_end"]
        assert 0 < after_beep <= 1.0, (item["name"], item["beep_hz"], after_beep)
    await no_listener_left(dialer)
