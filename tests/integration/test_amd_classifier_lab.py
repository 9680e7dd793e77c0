"""The AMD classifier deciding on the real lab (issue 20): a campaign with the classifier as
its detector calls greetings of the lab's set (`...9NNN`) spoken by voices the classifier
never trained on (espeak-ng en-gb-x-rp and en-gb-x-gbclan are held out of its training
split, bench/amd_corpus.py); the callee's audio comes over RTP through both Asterisks into
the dialer (snoop + externalMedia) and the verdict, its detector and confidence reach the
attempt. Fails if the shipped classifier regresses on this fixed sample."""

from __future__ import annotations

import pytest

from dialer.amd.classifier import ClassifierSettings
from dialer.lab.greetings import ensure_items
from tests.campaign_driver import attempts, finished, wait_until
from tests.integration.test_beep_lab import (message_after_beep, no_listener_left, number,
                                             run_message_campaign, start_message_campaign)

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
        assert row["agent"] is not None
    await no_listener_left(dialer)


async def test_a_held_out_voicemail_is_a_machine_and_hears_the_message_after_its_beep(dialer, lab):
    items = {number(i): i for i in ensure_items(MACHINES, lab.root)}
    rows, started, marks = await run_message_campaign(dialer, lab, items, CLASSIFIER)
    assert len(rows) == len(MACHINES)
    for row in rows:
        item = items[row["phone"]]
        assert (row["amd_detector"], row["amd_status"], row["outcome"]) == \
            ("classifier", "MACHINE", "machine"), (item["name"], row)
        assert SHIPPED.machine <= row["amd_confidence"] <= 1, row
        after_beep = message_after_beep(row, item, started, marks)
        assert 0 < after_beep <= 1.0, (item["name"], item["beep_hz"], after_beep)
    await no_listener_left(dialer)
