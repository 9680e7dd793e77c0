"""A progressive campaign on the real lab: agents' desk phones, AMD, outcomes, progress."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db import campaigns
from dialer.outbound import store as dialing
from dialer.db.models import CampaignContact
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, run_to_end, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import BUSY, MACHINE, NO_ANSWER, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_progressive_campaign_outcomes(dialer, lab):
    numbers = [human(3, "212"), human(3, "312"), human(3, "415"), MACHINE, BUSY, NO_ANSWER,
               human(2, "617")]
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:3],
                                  campaign={"bcw_seconds": 1})
    await login_all(dialer, seed["agent_ids"])
    cid = seed["campaign_id"]
    rows = await run_to_end(dialer, cid)
    by_phone = {r["phone"]: r for r in rows}
    assert len(rows) == len(numbers)  # max_attempts 1: each contact dialled exactly once
    assert by_phone[MACHINE]["outcome"] == "machine"
    # a campaign that names no detector: the classifier decided every answered call
    assert {r["amd_detector"] for r in rows if r["amd_status"]} == {"classifier"}, rows
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
    await dialer.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: dialer.calls.in_flight(cid) == 1, 10)
    await dialer.agents.set_ready(seed["agent_ids"][0], False)
    rows = await run_to_end(dialer, cid, timeout=60, start=False)
    assert [r["outcome"] for r in rows] == ["abandoned"]
    assert rows[0]["amd_status"] == "HUMAN" and rows[0]["agent"] is None
    assert [p["media_uri"] for p in played
            if p["id"].endswith("-safe-harbour")][:1] == ["sound:tt-allbusy"]
    progress = await dialer.store.run(dialing.progress, cid)
    assert progress["abandon_rate"] == 1.0 and progress["outcomes"]["abandoned"] == 1


async def test_preview_agent_sees_contact_skips_then_dials_through_the_api(dialer, lab):
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.web.app import create_app

    first, second = human(3, "212"), human(3, "312")
    seed = await dialer.store.run(seed_campaign, [first, second], agents=lab.info["agents"][:1],
                                  campaign={"mode": "preview"})
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, seed["account_id"])) as http:
        assert (await http.post(f"/api/campaigns/{cid}/start")).status == 200

        async def on_screen():
            body = await (await http.get(f"/api/agents/{agent}/preview")).json()
            return body["preview"]
        await wait_until(on_screen, 10)
        shown = await on_screen()
        assert shown["phones"] == [first] and shown["name"] == "Contact 0"
        assert dialer.calls.calls == {}  # nothing is dialled while the agent reads
        assert dialer.agents.describe(agent).campaign_id == cid  # who may see it

        skipped = await http.post(f"/api/agents/{agent}/preview/skip")
        assert skipped.status == 200
        await wait_until(lambda: dialer.agents.describe(agent).state == "preview", 10)
        assert (await on_screen())["phones"] == [second]

        assert (await (await http.post(f"/api/agents/{agent}/preview/dial")).json()) \
            == {"dialled": True}
        again = await http.post(f"/api/agents/{agent}/preview/dial")
        assert again.status == 409 and (await again.json())["error"]["field"] == "state"
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 20)
        assert dialer.agents.describe(agent).campaign_id == cid
        await wait_until(lambda: dialer.agents.describe(agent).state == "available", 20)

    rows = await dialer.store.run(attempts, cid)
    assert [(r["phone"], r["outcome"], r["agent"], r["amd_status"]) for r in rows] \
        == [(second, "human", agent, "SKIPPED")]  # the agent hears who answers: no AMD
    why = await dialer.store.run(campaigns.why_not, cid, seed["contact_ids"][0], dialer.now())
    assert why["state"] == "waiting" and "skipped in preview" in why["last_reason"]


async def test_bridged_call_is_recorded_when_the_campaign_asks(dialer, lab):
    # "always" (the default): the 2.3 s consent announcement first, then the recording
    seed = await dialer.store.run(seed_campaign, [human(6, "212")],
                                  agents=lab.info["agents"][:1], campaign={"record": True})
    await login_all(dialer, seed["agent_ids"])
    rows = await run_to_end(dialer, seed["campaign_id"], timeout=60)
    assert [(r["outcome"], r["consent_announced"]) for r in rows] == [("human", True)]
    name = rows[0]["recording_name"]
    assert name == f"attempt-{rows[0]['id']}-{rows[0]['channel_id']}"
    stored = await dialer.ari.request("GET", f"/recordings/stored/{name}")
    assert stored["name"] == name and stored["format"] == "wav"


async def test_agent_result_during_the_call_drives_the_rules(dialer, lab):
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.web.app import create_app

    seed = await dialer.store.run(
        seed_campaign, [human(5, "212")], agents=lab.info["agents"][:1],
        campaign={"max_attempts": 3},
        rules=[{"condition": {"agent_results": ["callback"]}, "action": "call_again",
                "params": {"after_minutes": 45}}])
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(dialer, [agent])
    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, seed["account_id"])) as http:
        await dialer.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 20)
        attempt_id = dialer.agents.describe(agent).attempt_id
        resp = await http.put(f"/api/attempts/{attempt_id}/disposition",
                              json={"disposition": "callback", "agent_id": agent})
        assert resp.status == 200 and (await resp.json())["ended"] is False
        await wait_until(lambda: dialer.agents.describe(agent).state == "available", 20)
    rows = await dialer.store.run(attempts, cid)
    cc = await dialer.store.run(lambda: CampaignContact.get(campaign=cid))
    assert [(r["outcome"], r["disposition"]) for r in rows] == [("human", "callback")]
    assert cc.state == "rescheduled"
    assert cc.next_attempt_at - rows[0]["ended_at"] == dt.timedelta(minutes=45)
