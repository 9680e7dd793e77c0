"""Compliance you can prove (issue 17, Proof), on the real lab and a simulated clock.

A campaign over numbers in four US states, two of them on a registry list, runs from
Saturday 31 October 2026 across the end of DST (Sunday 1 November, 02:00 local), the
account's closed day (Monday 2 November) and Louisiana's Election Day (Tuesday 3
November, a state holiday on which Louisiana bans automated sales calls). The account
allows one call per number per 24 h, so each number's three busy attempts spread over
days. The calls are real SIP calls through the PBX to the simulator, which answers busy.

Checked from the records, against the rules written out here from the statutes (not read
from the dialer): zero calls outside any rule, zero calls to listed numbers, and each
attempt's stored verdict matches a recomputation.
"""

from __future__ import annotations

import collections
import itertools
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dialer.compliance import importer, lists
from dialer.compliance import store as compliance
from dialer.db import campaigns
from tests.campaign_driver import attempts, drive_on_sim_clock, login_all
from tests.campaign_seed import seed_campaign
from tests.sim_clock import SimClock

pytestmark = [pytest.mark.lab, pytest.mark.timeout(900)]

START = dt.datetime(2026, 10, 31, 11, 0, tzinfo=dt.UTC)  # Saturday, 07:00 in New York
STEP = dt.timedelta(minutes=90)
CLOSED = dt.date(2026, 11, 2)  # the account's calendar
ELECTION_DAY = dt.date(2026, 11, 3)  # a Louisiana state holiday
BUSY = "3"  # the simulator's 4th-from-last digit: answer busy
STATES = {"305": ("FL", "America/New_York"), "504": ("LA", "America/Chicago"),
          "214": ("TX", "America/Chicago"), "212": ("NY", "America/New_York")}
LISTED = {"+13055553900", "+12125553900"}


def numbers() -> list[str]:
    return [f"+1{area}555{BUSY}{i:03d}" for area in STATES for i in range(2)] + sorted(LISTED)


def allowed(number: str, at: dt.datetime) -> bool:
    """The rules at the callee's, written out from their sources."""
    state, zone = STATES[number[2:5]]
    local = at.astimezone(ZoneInfo(zone))
    hour, day = local.hour + local.minute / 60, local.date()
    if not 8 <= hour < 21 or day == CLOSED:  # 47 CFR 64.1200(c)(1); the account
        return False
    if state in ("FL", "LA") and hour >= 20:  # Fla. Stat. 501.616(6)(a); La. R.S. 45:811(2)
        return False
    if state == "LA" and (local.weekday() == 6 or day == ELECTION_DAY):  # 45:811(3)
        return False
    return not (state == "TX" and local.weekday() == 6 and hour < 12)  # Tex. B&C 301.051


@pytest.fixture
def clock():
    return SimClock(START)


async def test_calls_across_dst_a_holiday_and_a_registry_keep_every_rule(dialer, lab, clock):
    rules = [{"condition": {"outcomes": ["busy", "no_answer"]}, "action": "call_again",
              "params": {"after_minutes": 30}}]
    seed = await dialer.store.run(
        seed_campaign, numbers(), agents=lab.info["agents"][:2], rules=rules,
        plan={"all_day": False}, campaign={"max_attempts": 3, "amd_enabled": False},
        purpose="telemarketing")  # the states' telemarketing rules apply
    cid, account = seed["campaign_id"], seed["account_id"]
    await dialer.store.run(compliance.set_account_calling_rules, account, {
        "max_per_number_day": 1, "closed_days": [CLOSED.isoformat()]})

    def registry() -> None:
        listed = lists.create_list(name="US DNC", scope="system", format="us", source="FTC",
                                   as_of=START.date().isoformat())
        importer.import_lines(listed.id, [f"{n[2:5]},{n[5:]}\n" for n in sorted(LISTED)])

    await dialer.store.run(registry)
    await login_all(dialer, seed["agent_ids"])
    await dialer.store.run(campaigns.set_status, cid, "running")
    jumps = await drive_on_sim_clock(dialer, clock, cid, step=STEP, timeout=600,
                                     until=START + dt.timedelta(days=9))

    rows = await dialer.store.run(attempts, cid)
    by_number = collections.defaultdict(list)
    for r in rows:
        by_number[r["phone"]].append(r["started_at"].replace(tzinfo=dt.UTC))
    assert not LISTED & set(by_number)  # zero calls to listed numbers
    assert {n: len(t) for n, t in by_number.items()} == {
        n: 3 for n in numbers() if n not in LISTED}
    outside = [(n, t) for n, times in by_number.items() for t in times if not allowed(n, t)]
    assert outside == []  # zero calls outside the rules
    for times in by_number.values():  # one call per number per 24 h (the account's cap)
        assert all(b - a >= dt.timedelta(hours=24) for a, b in itertools.pairwise(times))
    dst_end = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)  # 02:00 EDT -> 01:00 EST
    assert any(t < dst_end for t in by_number["+13055553000"])
    assert any(t > dst_end for t in by_number["+13055553000"])
    la_days = {t.astimezone(ZoneInfo("America/Chicago")).date()
               for n in by_number if n.startswith("+1504") for t in by_number[n]}
    assert la_days == {dt.date(2026, 10, 31), dt.date(2026, 11, 4), dt.date(2026, 11, 5)}

    proofs = [await dialer.store.run(compliance.attempt_compliance, r["id"]) for r in rows]
    assert [p["differences"] for p in proofs] == [[]] * len(rows)
    assert all(p["matches"] and p["verdict"]["eligible"] for p in proofs)
    assert all(p["verdict"]["lists"][0]["name"] == "US DNC" for p in proofs)
    print(f"\n{len(rows)} attempts, {jumps} clock jumps, simulated end {clock():%a %d %H:%M} "
          f"UTC; LA called on {sorted(map(str, la_days))}")
