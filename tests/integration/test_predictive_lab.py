"""A predictive campaign on the real lab: nothing dialled before an agent logs in, never more
calls in flight than max_lines_per_agent x agents, every contact dialled once, humans bridged
to agents (or abandoned with the safe-harbour message), machines detected."""

from __future__ import annotations

import asyncio

import pytest

from dialer.db import campaigns
from tests.campaign_driver import login_all, run_to_end
from tests.campaign_seed import seed_campaign
from tests.lab_calls import MACHINE, NO_ANSWER, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_predictive_campaign_paces_within_its_line_cap(dialer, lab):
    numbers = [human(3, area) for area in ("212", "312", "415", "617", "503", "404")] + \
        [MACHINE, NO_ANSWER, human(2, "702"), human(2, "720")]  # no state hours rule: any time
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:2],
                                  campaign={"mode": "predictive", "max_lines_per_agent": 1.5,
                                            "bcw_seconds": 1})
    cid = seed["campaign_id"]
    await dialer.store.run(campaigns.set_status, cid, "running")
    await asyncio.sleep(2)  # several ticks with nobody logged in
    assert dialer.calls.in_flight(cid) == 0 and not dialer.calls.calls

    peak = 0

    async def watch():
        nonlocal peak
        while True:
            peak = max(peak, sum(1 for c in dialer.calls.calls.values()
                                 if c.campaign.id == cid and c.stage != "connected"))
            await asyncio.sleep(0.05)
    watcher = asyncio.create_task(watch())
    try:
        await login_all(dialer, seed["agent_ids"])
        rows = await run_to_end(dialer, cid, timeout=150, start=False)
    finally:
        watcher.cancel()
    assert 1 <= peak <= 3  # 1.5 lines per agent, 2 agents
    assert sorted(r["phone"] for r in rows) == sorted(numbers)  # each once
    by_phone = {r["phone"]: r for r in rows}
    assert by_phone[MACHINE]["outcome"] == "machine"
    assert by_phone[NO_ANSWER]["outcome"] == "no_answer"
    humans = [r for r in rows if r["amd_status"] == "HUMAN"]
    assert len(humans) == 8
    for r in humans:
        assert r["outcome"] in ("human", "abandoned")
        assert (r["agent"] in seed["agent_ids"]) == (r["outcome"] == "human")
    assert sum(r["outcome"] == "human" for r in humans) >= 6
