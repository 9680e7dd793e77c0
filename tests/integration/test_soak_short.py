"""A one-minute soak on the lab (bench/soak.py, same code and checks): 40 calls in flight
with the simulator's mix, then every channel and bridge back to baseline, every attempt
closed, no overlapping attempts, nothing left in the dialer. Then the same checks are
shown a leaked bridge, a leaked channel, an open attempt and an overlap: they catch them."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bench import soak
from dialer.ari import AriClient
from dialer.db.fields import utcnow
from tests.lab_calls import NO_ANSWER
from tests.pbx_cdr import attempts_in, carrier_calls, compare, master_csv

pytestmark = pytest.mark.lab


async def test_short_soak_leaves_nothing_behind(lab, tmp_path):
    p = soak.profile(0.67, 40, quick=True, agents=6, interval=10)  # 40 s loaded
    since = utcnow()
    lines = []
    result = await soak.run_soak(lab.info, p, workdir=tmp_path, say=lines.append)
    soak.report(result, 0, say=lines.append)
    print("\n".join(lines))
    assert not result.failures, result.failures
    assert sum(result.outcomes.values()) >= 100, result.outcomes
    for outcome in ("human", "machine", "no_answer", "busy"):
        assert result.outcomes.get(outcome), (outcome, result.outcomes)
    assert len(result.figures["agent_bridges"]) == 6
    # Every call the PBX placed has its attempt, with the same outcome and end.
    rows = attempts_in(result.db_path, result.campaign_id)
    cdr = carrier_calls(master_csv(lab.pbx), prefix="out-soak-", since=since)
    assert compare(rows, cdr) == [] and len(rows) == len(cdr)

    # The checks would fail on a leak: show them one of each.
    side, far = lab.info["pbx"], lab.info["sim"]
    pbx = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "soak-probe")
    sim = AriClient(far["ari_url"], far["ari_user"], far["ari_password"], "soak-probe")
    try:
        before = await soak.snapshot(pbx, sim)
        await pbx.create_bridge("soak-leak-probe")
        await pbx.originate(f"PJSIP/{NO_ANSWER}@carrier", channel_id="out-leak-probe",
                            context="dialer-amd", extension="s", priority=1, timeout=30)
        await asyncio.sleep(1)
        leaks = "\n".join(soak.check_lab(before, await soak.snapshot(pbx, sim), "probe"))
        assert "bridge soak-leak-probe left" in leaks
        assert "out-leak-probe" in leaks and "simulator holds 1 channel" in leaks
    finally:
        await pbx.hangup("out-leak-probe")
        await pbx.destroy_bridge("soak-leak-probe")
        await pbx.close()
        await sim.close()

    with sqlite3.connect(result.db_path) as db:
        contact, first, second = db.execute(
            "SELECT a.contact_id, a.id, b.id FROM attempt a JOIN attempt b "
            "ON a.contact_id = b.contact_id AND b.started_at > a.ended_at LIMIT 1").fetchone()
        db.execute("UPDATE attempt SET ended_at = '2100-01-01 00:00:00' WHERE id = ?", (first,))
        db.execute("UPDATE attempt SET ended_at = NULL, outcome = NULL WHERE id = ?", (second,))
    _, problems = soak.check_attempts(result.db_path, result.campaign_id)
    assert any("1 attempt(s) not closed" in x for x in problems), problems
    assert any(f"contact {contact}: attempts #{first} and #{second}" in x
               for x in problems), problems
