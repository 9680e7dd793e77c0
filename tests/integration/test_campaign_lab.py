"""A progressive campaign on the real lab: agents' desk phones, AMD, outcomes, progress."""

from __future__ import annotations

import asyncio

import pytest

from dialer.config import AriConfig, Config, DatabaseConfig, WebConfig
from dialer.db.models import Attempt, CampaignContact
from dialer.runtime.server import Dialer
from tests.campaign_seed import seed_campaign
from tests.lab_calls import BUSY, MACHINE, NO_ANSWER, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


@pytest.fixture
async def dialer(lab, tmp_path):
    side = lab.info["pbx"]
    cfg = Config(node="t", ari=AriConfig(url=side["ari_url"], user=side["ari_user"],
                                         password=side["ari_password"]),
                 database=DatabaseConfig(url=f"sqlite:///{tmp_path}/d.sqlite3"),
                 web=WebConfig(port=0))
    d = Dialer(cfg)
    await d.start()
    await asyncio.wait_for(d.ari.connected.wait(), 10)
    yield d
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()


async def wait_until(predicate, timeout):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.3)


async def login_all(d, agent_ids):
    for agent_id in agent_ids:
        await d.agents.login(agent_id)

    async def all_available():
        return all(d.agents.describe(a)["state"] == "available" for a in agent_ids)
    await wait_until(all_available, 15)


def attempts(campaign_id):
    return list(Attempt.select().where(Attempt.campaign == campaign_id).order_by(Attempt.id).dicts())


async def test_progressive_campaign_outcomes(dialer, lab):
    numbers = [human(3, "212"), human(3, "312"), human(3, "415"), MACHINE, BUSY, NO_ANSWER,
               human(2, "617")]
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:3],
                                  campaign={"bcw_seconds": 1})
    await login_all(dialer, seed["agent_ids"])
    cid = seed["campaign_id"]
    await dialer.store.run(lambda: __import__("dialer.db.campaigns", fromlist=["x"]).set_status(cid, "running"))

    async def done():
        p = await dialer.store.run(__import__("dialer.db.dialing", fromlist=["x"]).progress, cid)
        return p["waiting"] == 0 and p["in_progress"] == 0
    await wait_until(done, 120)

    rows = await dialer.store.run(attempts, cid)
    by_phone = {r["phone"]: r for r in rows}
    assert len(rows) == len(numbers)  # max_attempts 1: each contact dialled exactly once
    assert by_phone[MACHINE]["outcome"] == "machine"
    assert by_phone[BUSY]["outcome"] == "busy" and by_phone[BUSY]["hangup_cause"] == 17
    assert by_phone[NO_ANSWER]["outcome"] == "no_answer"
    humans = [r for r in rows if r["amd_status"] == "HUMAN"]
    assert len(humans) == 4
    for r in humans:
        assert r["outcome"] in ("human", "abandoned")
        assert (r["agent"] is not None) == (r["outcome"] == "human")
    assert all(r["ended_at"] is not None for r in rows)
    # 3 agents for 4 humans, bcw 1 s: at most one may have been abandoned.
    assert sum(r["outcome"] == "human" for r in humans) >= 3
    states = await dialer.store.run(lambda: sorted(
        s for (s,) in CampaignContact.select(CampaignContact.state).where(
            CampaignContact.campaign == cid).tuples()))
    assert states.count("completed") == sum(r["outcome"] == "human" for r in rows)


def channel_names(d):
    names = []
    d.ari.on("ChannelCreated", lambda e: names.append(e["channel"]["name"]))
    return names


async def run_to_end(d, cid, timeout=120, start=True):
    from dialer.db import campaigns, dialing

    if start:
        await d.store.run(campaigns.set_status, cid, "running")

    async def done():
        p = await d.store.run(dialing.progress, cid)
        return p["waiting"] == 0 and p["in_progress"] == 0 and p["rescheduled"] == 0
    await wait_until(done, timeout)
    return await d.store.run(attempts, cid)


async def test_training_plan_simulates_calls_and_never_uses_the_trunk(dialer, lab):
    created = channel_names(dialer)
    # Last digit picks the simulated outcome: 9 human (hangs up after 20 s), 4 machine, 6 busy.
    numbers = ["+12125550109", "+12125550104", "+12125550106"]
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:1],
                                  plan={"training": True})
    await login_all(dialer, seed["agent_ids"])
    rows = await run_to_end(dialer, seed["campaign_id"])
    outcomes = {r["phone"]: r["outcome"] for r in rows}
    assert outcomes == {"+12125550109": "human", "+12125550104": "machine",
                        "+12125550106": "busy"}
    assert any(n.startswith("Local/+12125550109@dialer-training") for n in created)
    assert not [n for n in created if n.startswith("PJSIP/carrier")]


async def test_human_with_no_free_agent_hears_safe_harbour_and_counts_abandoned(dialer, lab):
    played = []
    dialer.ari.on("PlaybackFinished", lambda e: played.append(e["playback"]))
    seed = await dialer.store.run(seed_campaign, [human(0, "213")],
                                  agents=lab.info["agents"][:1])
    await login_all(dialer, seed["agent_ids"])
    # The only agent goes not-ready once the call is in flight: nobody can take the human.
    cid = seed["campaign_id"]
    from dialer.db import campaigns

    await dialer.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: _true(dialer.calls.in_flight(cid) == 1), 10)
    await dialer.agents.set_ready(seed["agent_ids"][0], False)
    rows = await run_to_end(dialer, cid, timeout=60, start=False)
    assert [r["outcome"] for r in rows] == ["abandoned"]
    assert rows[0]["amd_status"] == "HUMAN" and rows[0]["agent"] is None
    assert [p["media_uri"] for p in played
            if p["id"].endswith("-safe-harbour")][:1] == ["sound:tt-allbusy"]
    from dialer.db import dialing

    progress = await dialer.store.run(dialing.progress, cid)
    assert progress["abandon_rate"] == 1.0 and progress["outcomes"]["abandoned"] == 1


async def _true(value):
    return value
