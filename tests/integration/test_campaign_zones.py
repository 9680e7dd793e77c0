"""A 50-contact progressive campaign across six US time zones on the real lab.

The dialer runs on a simulated wall clock that starts at 09:00 in New York and jumps 20
minutes whenever the campaign is idle, so every zone's calling window opens in turn and
the hourly cap binds; the calls themselves are real SIP calls through the PBX to the
simulator, answered by three agents' desk phones.

What is checked comes from the records and from ARI events, against zones derived here
from the numbers: no attempt outside any of its callee's zones' window, never more than
the cap in any sliding hour, every human bridged to an agent or abandoned with the
safe-harbour message, every machine given the message, retries as the rules say, and
progress equal to the attempt records.
"""

from __future__ import annotations

import collections
import datetime as dt
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import timezone as pn_timezone

from dialer.db import campaigns
from dialer.outbound import store as dialing
from tests.campaign_driver import attempts, drive_on_sim_clock, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import Recorder, human
from tests.sim_clock import SimClock

pytestmark = [pytest.mark.lab, pytest.mark.timeout(600)]

START = dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
WINDOW = (dt.time(9, 0), dt.time(18, 0))
CAP = 15
STEP = dt.timedelta(minutes=20)
RETRY_MINUTES = 30

# Area code -> how many humans, machines, busy and no-answer numbers. 907 (Alaska) spans
# two zones (Adak and Anchorage): its window is the overlap of both.
MIX = {"212": (10, 3, 2, 1), "312": (5, 2, 2, 1), "303": (4, 1, 1, 0),
       "415": (5, 2, 2, 1), "907": (3, 1, 1, 0), "808": (2, 0, 1, 0)}
KINDS = ("1", "2", "3", "4")  # the simulator's 4th-from-last digit: human, machine, busy, none


def numbers() -> dict[str, str]:
    """Number -> expected behaviour. Humans talk 2-3 s after "hello"."""
    out = {}
    for area, counts in MIX.items():
        for kind, name, count in zip(KINDS, ("human", "machine", "busy", "no_answer"), counts, strict=True):
            for i in range(count):
                tail = f"{i // 2}{2 + i % 2:02d}" if kind == "1" else f"{i:03d}"
                out[f"+1{area}555{kind}{tail}"] = name
    return out


def zones(number: str) -> list[ZoneInfo]:
    parsed = phonenumbers.parse(number)
    return [ZoneInfo(z) for z in pn_timezone.time_zones_for_number(parsed)]


def utc(naive: dt.datetime) -> dt.datetime:
    return naive.replace(tzinfo=dt.UTC)


@pytest.fixture
def clock():
    return SimClock(START)


async def test_fifty_contacts_six_zones_windows_cap_agents_machines_retries(dialer, lab, clock):
    events = Recorder(dialer.ari)
    expected = numbers()
    assert len(expected) == 50
    rules = [{"condition": {"outcomes": ["busy", "no_answer"]}, "action": "call_again",
              "params": {"after_minutes": RETRY_MINUTES}},
             {"condition": {"outcomes": ["machine"]}, "action": "complete"}]
    seed = await dialer.store.run(
        seed_campaign, list(expected), agents=lab.info["agents"][:3], rules=rules,
        plan={"all_day": False, "window_start": WINDOW[0], "window_stop": WINDOW[1],
              "max_attempts_per_hour": CAP},
        campaign={"bcw_seconds": 1, "max_attempts": 2, "machine_action": "message",
                  "machine_message": "sound:beep"})
    cid = seed["campaign_id"]
    contact_of = dict(zip(expected, seed["contact_ids"], strict=True))
    await login_all(dialer, seed["agent_ids"])
    await dialer.store.run(campaigns.set_status, cid, "running")

    # At 09:00 New York time, Los Angeles is at 06:00: the dialer says so.
    why = await dialer.store.run(campaigns.why_not, cid, contact_of["+14155551002"], clock())
    assert not why["eligible"] and "outside_window" in [r["code"] for r in why["reasons"]]

    jumps = await drive_on_sim_clock(dialer, clock, cid, step=STEP, timeout=480,
                                     until=START + dt.timedelta(hours=24))
    rows = await dialer.store.run(attempts, cid)
    by_number = collections.defaultdict(list)
    for r in rows:
        by_number[r["phone"]].append(r)

    # Every callee was called only inside the window of each of its zones.
    for r in rows:
        for zone in zones(r["phone"]):
            local = utc(r["started_at"]).astimezone(zone).time()
            assert WINDOW[0] <= local < WINDOW[1], (r["phone"], zone, local)
    assert min(utc(r["started_at"]) for r in by_number["+19075551002"]) \
        >= dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)  # 09:00 in Adak

    # The hourly cap held in every sliding hour, and it did bind.
    starts = sorted(utc(r["started_at"]) for r in rows)
    busiest = max(sum(1 for s in starts if t - dt.timedelta(hours=1) < s <= t) for t in starts)
    assert busiest == CAP, busiest

    # Humans: bridged into their agent's bridge, or abandoned with the safe-harbour message.
    bridged = {(e["channel"]["id"], e["bridge"]["id"]) for e in events.events
               if e["type"] == "ChannelEnteredBridge"}
    played = {e["playback"]["id"] for e in events.events if e["type"] == "PlaybackFinished"}
    outcomes_by_kind = collections.defaultdict(collections.Counter)
    for number, kind in expected.items():
        tries = by_number[number]
        outcomes_by_kind[kind].update(r["outcome"] for r in tries)
        if kind == "human":
            assert all(r["amd_status"] == "HUMAN" for r in tries), tries
            for r in tries:
                if r["outcome"] == "human":
                    assert (r["channel_id"], f"dialer-agent-{r['agent']}") in bridged
                else:
                    assert r["outcome"] == "abandoned"
                    assert f"{r['channel_id']}-safe-harbour" in played
        elif kind == "machine":
            assert [r["outcome"] for r in tries] == ["machine"]  # completed by rule
            assert f"{tries[0]['channel_id']}-machine" in played
        else:  # busy / no answer: called again 30 minutes later, then given up
            assert [r["outcome"] for r in tries] == [kind, kind], tries
            if kind == "no_answer":  # rang at least 15 s before giving up
                assert all(r["ended_at"] - r["started_at"] >= dt.timedelta(seconds=15)
                           for r in tries), tries
            gap = utc(tries[1]["started_at"]) - utc(tries[0]["ended_at"])
            assert gap >= dt.timedelta(minutes=RETRY_MINUTES), gap
    assert outcomes_by_kind["human"]["human"] >= 20  # 3 agents, 1 s wrap-up: few abandons

    # Progress is what the attempt records say.
    progress = await dialer.store.run(dialing.progress, cid)
    outcome_counts = collections.Counter(r["outcome"] for r in rows)
    assert progress["attempts"] == len(rows) and progress["outcomes"] == dict(outcome_counts)
    assert progress["total"] == 50 and progress["in_progress"] == 0
    reached = {n for n, tries in by_number.items() if tries[-1]["outcome"] in ("human", "machine")}
    assert progress["completed"] == len(reached)
    assert progress["failed"] == 50 - len(reached)
    live = outcome_counts["human"] + outcome_counts["abandoned"]
    assert progress["abandon_rate"] == round(outcome_counts["abandoned"] / live, 4)
    print(f"\n{len(rows)} attempts, {jumps} clock jumps, simulated end {clock():%H:%M} UTC, "
          f"outcomes {dict(outcome_counts)}")


async def test_preview_is_checked_again_when_the_agent_dials(dialer, lab, clock):
    """A contact shown in preview while its window was open is not dialled once it closed."""
    seed = await dialer.store.run(
        seed_campaign, [human(3, "212")], agents=lab.info["agents"][:1],
        plan={"all_day": False, "window_start": WINDOW[0], "window_stop": WINDOW[1]},
        campaign={"mode": "preview"})
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    await dialer.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: dialer.agents.describe(agent).state == "preview", 10)
    clock.advance(dt.timedelta(hours=9))  # 18:00 in New York: the window has closed
    answer = await dialer.runner.dial_preview(agent)
    assert answer == {"dialled": False,
                      "reason": "18:00 in America/New_York is outside 09:00-18:00"}
    assert dialer.agents.describe(agent).state == "available"
    assert await dialer.store.run(attempts, cid) == []
    why = await dialer.store.run(campaigns.why_not, cid, seed["contact_ids"][0], clock())
    assert why["state"] == "waiting" and why["next_possible_at"].startswith("2026-11-24T14:00")
