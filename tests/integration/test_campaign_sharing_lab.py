"""Campaigns sharing one agent group on the real lab (dialer.outbound.sharing.share_agents):
two and three progressive campaigns, and two progressive plus a predictive one, on one
group of 3 agents. Sampled every 50 ms from the PBX's channels and the dialer's state:
calls in flight never exceed what pacing allows for the group, and progressive calls are
never abandoned (every human they reach gets an agent). Then two `dialer serve` nodes on
one PostgreSQL, each with its own agents of the group."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from dataclasses import dataclass

import pytest

from dialer.db import campaigns
from dialer.db.models import (
    Attempt,
    CallerIdNumber,
    Campaign,
    CampaignContact,
    Contact,
    ContactPhone,
)
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, finished, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.integration import test_scale_out_lab as scale_out
from tests.lab_calls import human, untimed_areas
from tests.serve_process import CallWatch

pytestmark = [pytest.mark.lab, pytest.mark.timeout(240)]

AGENTS = 3
AREAS = untimed_areas(201, 400)  # valid numbers, callable at any hour
IN_FLIGHT = ("dialling", "amd", "waiting_agent")  # stages of a call not yet with an agent


def numbers(count: int, first_area: int) -> list[str]:
    """People who answer and talk 2-4 s, one area code each (distinct numbers)."""
    return [human(2 + i % 3, AREAS[first_area + i]) for i in range(count)]


def seed(modes: list[str], per_campaign: int, desk_phones: list[str],
         extra: dict[int, list[str]] | None = None) -> dict:
    """One account, one group of agents (one per desk phone), a campaign per mode on that
    group; contacts from `numbers`, plus `extra[i]` for campaign i."""
    ids = seed_campaign(numbers(per_campaign, 0), agents=desk_phones,
                        campaign={"mode": modes[0], "bcw_seconds": 0, "name": "c0"})
    first = Campaign.get_by_id(ids["campaign_id"])
    campaign_ids = [first.id]
    for i, mode in enumerate(modes[1:], 1):
        camp = Campaign.create(account=first.account, agent_group=first.agent_group,
                               name=f"c{i}", mode=mode, amd_enabled=True, max_attempts=1,
                               ring_timeout_seconds=15, bcw_seconds=0,
                               max_lines_per_agent=2.0)
        CallerIdNumber.create(campaign=camp, number="+12125550100")
        for n, number in enumerate(numbers(per_campaign, per_campaign * i)):
            add_contact(camp, number, f"{i}-{n}")
        campaign_ids.append(camp.id)
    for i, extra_numbers in (extra or {}).items():
        for n, number in enumerate(extra_numbers):
            add_contact(Campaign.get_by_id(campaign_ids[i]), number, f"{i}-x{n}")
    return {"campaign_ids": campaign_ids, "agent_ids": ids["agent_ids"],
            "account_id": ids["account_id"]}


def add_contact(camp: Campaign, number: str, key: str) -> None:
    contact = Contact.create(account=camp.account, name=f"Contact {key}", client_id=key)
    ContactPhone.create(contact=contact, number=number)
    CampaignContact.create(campaign=camp, contact=contact)


@dataclass
class Peaks:
    pbx_calls: int = 0            # campaign calls on the PBX (with an agent or not)
    progressive_waiting: int = 0  # progressive calls not yet with an agent (dialer's state)
    in_flight: int = 0            # all calls not yet with an agent
    owed_over_free: int = 0       # samples with more progressive calls out than free agents
    samples: int = 0


async def watch(dialer, peaks: Peaks, progressive: set[int]) -> None:
    """Sample the PBX's channels and the dialer's calls and agents until cancelled."""
    while True:
        channels = await dialer.ari.list_channels()
        peaks.pbx_calls = max(peaks.pbx_calls,
                              sum(1 for c in channels if c["id"].startswith("out-")))
        # No await from here to the end of the sample: one consistent view of the dialer.
        waiting = [c for c in dialer.calls.calls.values()
                   if c.stage in IN_FLIGHT and c.agent_id is None]
        owed = sum(1 for c in waiting if c.campaign.id in progressive)
        free = sum(1 for s in dialer.agents.sessions.values()
                   if s.state == "available" and not s.reserved)
        peaks.in_flight = max(peaks.in_flight, len(waiting))
        peaks.progressive_waiting = max(peaks.progressive_waiting, owed)
        peaks.owed_over_free += owed > free
        peaks.samples += 1
        await asyncio.sleep(0.05)


async def run_all(dialer, ids: dict, timeout: float = 200) -> tuple[Peaks, list[list[dict]]]:
    modes = {cid: (await dialer.store.run(Campaign.get_by_id, cid)).mode
             for cid in ids["campaign_ids"]}
    peaks = Peaks()
    await login_all(dialer, ids["agent_ids"])
    watcher = asyncio.create_task(
        watch(dialer, peaks, {cid for cid, mode in modes.items() if mode == "progressive"}))
    try:
        for cid in ids["campaign_ids"]:
            await dialer.store.run(campaigns.set_status, cid, "running")

        async def all_done():
            return all([await finished(dialer, cid) for cid in ids["campaign_ids"]]) \
                and not dialer.calls.calls
        await wait_until(all_done, timeout)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    rows = [await dialer.store.run(attempts, cid) for cid in ids["campaign_ids"]]
    print(modes, peaks, "abandoned:", [sum(r["outcome"] == "abandoned" for r in cr) for cr in rows])
    assert peaks.samples > 100
    return peaks, rows


def assert_progressive_never_abandons(rows: list[dict], count: int) -> None:
    assert len(rows) == count and len({r["contact"] for r in rows}) == count
    assert [r["outcome"] for r in rows] == ["human"] * count, rows
    assert all(r["agent"] is not None for r in rows)


@pytest.mark.parametrize("campaign_count", [2, 3])
async def test_progressive_campaigns_on_one_group_never_dial_past_its_agents(
        dialer, lab, campaign_count):
    per_campaign = 7
    ids = await dialer.store.run(seed, ["progressive"] * campaign_count, per_campaign,
                                 lab.info["agents"][:AGENTS])
    peaks, rows = await run_all(dialer, ids)
    # Every campaign call is either with an agent or meant for a free one: never more
    # than 3 on the PBX at once, and nobody who answers is left without an agent.
    assert peaks.pbx_calls <= AGENTS, peaks
    assert peaks.progressive_waiting <= AGENTS, peaks
    for campaign_rows in rows:
        assert_progressive_never_abandons(campaign_rows, per_campaign)
    # Shared fairly: each campaign had calls among the first round of dials.
    first_calls = sorted((r["started_at"], i) for i, cr in enumerate(rows) for r in cr)
    assert {i for _, i in first_calls[:2 * campaign_count]} == set(range(campaign_count))


async def test_progressive_and_predictive_campaigns_on_one_group(dialer, lab):
    """The predictive campaign (2 lines per agent, mostly machines) dials past the free
    agents, but its humans never take an agent a progressive call was placed for, and its
    lines count every campaign's calls in flight on the group."""
    per_campaign = 6
    machines = [f"+1{area}5552000" for area in AREAS[-10:]]
    ids = await dialer.store.run(seed, ["progressive", "progressive", "predictive"],
                                 per_campaign, lab.info["agents"][:AGENTS], {2: machines})
    await dialer.store.run(learned_history, ids["campaign_ids"][2])
    peaks, rows = await run_all(dialer, ids)
    assert peaks.owed_over_free == 0, peaks
    assert peaks.progressive_waiting <= AGENTS, peaks
    assert AGENTS < peaks.in_flight <= 2 * AGENTS, peaks  # over-dialled, within its cap
    for campaign_rows in rows[:2]:
        assert_progressive_never_abandons(campaign_rows, per_campaign)
    predictive = [r for r in rows[2] if not r["channel_id"].startswith("before-")]
    assert len(predictive) == per_campaign + len(machines)
    assert {r["outcome"] for r in predictive} <= {"human", "abandoned", "machine"}


def learned_history(campaign_id: int) -> None:
    """800 attempts of an earlier day, a human 1 in 4 who talked 4 s, the rest machines:
    what the predictive policy learns from (it then dials past the free agents). Enough
    humans that the few people app_amd is estimated to hang up on as machines during the
    test (dialer/amd/abandonment.py: 1 as soon as it decides one machine) leave the
    abandonment under its target."""
    contact = CampaignContact.get(CampaignContact.campaign == campaign_id).contact_id
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
    Attempt.insert_many([
        {"campaign": campaign_id, "contact": contact, "phone": "+12125551004",
         "channel_id": f"before-{campaign_id}-{k}", "node": "t",
         "started_at": started + dt.timedelta(seconds=10 * k),
         "answered_at": started + dt.timedelta(seconds=10 * k + 2),
         "ended_at": started + dt.timedelta(seconds=10 * k + (6 if k % 4 == 0 else 5)),
         "outcome": "human" if k % 4 == 0 else "machine"} for k in range(800)]).execute()


# ---- two nodes ---------------------------------------------------------------------------

PG_URL = os.environ.get("DIALER_TEST_PG_URL")
pg_url = scale_out.pg_url  # a fresh schema per test


async def peak_calls(watches: list[CallWatch], peaks: list[int]) -> None:
    while True:
        for i, watch in enumerate(watches):
            peaks[i] = max(peaks[i], len(watch.live))
        await asyncio.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set")
async def test_two_nodes_each_share_out_their_own_agents(lab, second_lab, pg_url, tmp_path):
    """One group of 4 agents, 2 logged in on each node (a call is bridged only to agents of
    the node that placed it), two progressive campaigns running on both nodes: each PBX
    never has more campaign calls than its node's agents, and both use them at once."""
    per_campaign = 8
    ids = seed(["progressive"] * 2, per_campaign, ["PJSIP/agent1", "PJSIP/agent2"] * 2)
    token = bearer(ids["account_id"])["Authorization"].removeprefix("Bearer ")
    nodes = scale_out.TwoNodes(tmp_path, [lab, second_lab], pg_url, token)
    peaks = [0, 0]
    async with CallWatch(lab.info["pbx"]) as watch_a, \
            CallWatch(second_lab.info["pbx"]) as watch_b:
        watcher = asyncio.create_task(peak_calls([watch_a, watch_b], peaks))
        try:
            await nodes.start([ids["agent_ids"][:2], ids["agent_ids"][2:]])
            for cid in ids["campaign_ids"]:
                campaigns.set_status(cid, "running")
            await wait_until(lambda: all(len(rows := attempts(cid)) == per_campaign
                                         and all(r["ended_at"] for r in rows)
                                         for cid in ids["campaign_ids"]), 150)
            await wait_until(lambda: not (watch_a.live or watch_b.live), 10)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
            await nodes.stop()
    print("peak calls per PBX:", peaks)
    assert peaks == [2, 2]
    rows = [attempts(cid) for cid in ids["campaign_ids"]]
    for campaign_rows in rows:
        assert_progressive_never_abandons(campaign_rows, per_campaign)
    assert {(r["campaign"], r["node"]) for cr in rows for r in cr} == {
        (cid, node) for cid in ids["campaign_ids"] for node in "ab"}
