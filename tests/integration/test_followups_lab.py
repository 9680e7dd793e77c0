"""Scheduled followups on the real lab, through the REST API, on a simulated wall clock:
offered only to their owner as a preview, dialled by that agent, expired 5 minutes after
their start, stopped by a suppression entry or by an on-demand strategy whose first pass
is not preview; script answers kept with the call and shown in the contact's timeline."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.db import scripts
from dialer.db.models import Campaign
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, login_all, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human
from tests.sim_clock import SimClock

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
SCRIPT = [{"id": "intro", "type": "text", "label": "Say who you are"},
          {"id": "renew", "type": "choice", "label": "Renew?", "options": ["yes", "no"],
           "required": True},
          {"id": "notes", "type": "free", "label": "Notes"}]


@pytest.fixture
def clock():
    return SimClock(START)


@pytest.fixture
async def world(dialer, lab):
    number = human(3, "212")
    seed = await dialer.store.run(seed_campaign, [number], agents=lab.info["agents"][:2])

    def add_script():  # as the API does it: the definition is checked and completed
        campaign = Campaign.get_by_id(seed["campaign_id"])
        script = scripts.create_script(campaign.account_id, name="renewal", definition=SCRIPT)
        campaign.script = script["id"]
        campaign.save()
        return campaign.account_id
    seed["account_id"] = await dialer.store.run(add_script)
    seed["number"] = number
    await login_all(dialer, seed["agent_ids"])
    async with TestClient(TestServer(create_app(dialer)), headers=await dialer.store.run(
            bearer, seed["account_id"])) as http:
        seed["http"] = http
        yield seed


async def schedule(http, clock, agent, contact, campaign, minutes=1) -> dict:
    """A followup `minutes` from now, entered as the agent's wall time (the account: UTC)."""
    wall = (clock() + dt.timedelta(minutes=minutes)).replace(tzinfo=None)
    resp = await http.post(f"/api/agents/{agent}/followups", json={
        "local_time": wall.isoformat(timespec="minutes"), "contact_id": contact,
        "campaign_id": campaign})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def followup(http, followup_id) -> dict:
    return await (await http.get(f"/api/followups/{followup_id}")).json()


async def test_followup_reaches_only_its_owner_and_its_answers_reach_the_timeline(
        dialer, clock, world):
    http, (other, owner) = world["http"], world["agent_ids"]
    contact = world["contact_ids"][0]
    f = await schedule(http, clock, owner, contact, world["campaign_id"], minutes=2)
    assert f["status"] == "scheduled"

    clock.advance(dt.timedelta(minutes=2))
    await wait_until(lambda: dialer.agents.describe(owner).state == "preview", 10)
    shown = (await (await http.get(f"/api/agents/{owner}/preview")).json())["preview"]
    assert shown["phones"] == [world["number"]] and shown["followup"]["id"] == f["id"]
    assert dialer.agents.describe(other).state == "available"  # free, yet not offered
    assert (await (await http.get(f"/api/agents/{other}/preview")).json())["preview"] is None

    assert await (await http.post(f"/api/agents/{owner}/preview/dial")).json() == \
        {"dialled": True}
    await wait_until(lambda: dialer.agents.describe(owner).state == "on_call", 20)
    attempt_id = dialer.agents.describe(owner).attempt_id
    script = (await (await http.get(f"/api/attempts/{attempt_id}/script")).json())["script"]
    assert [i["id"] for i in script["definition"]] == ["intro", "renew", "notes"]
    resp = await http.put(f"/api/attempts/{attempt_id}/answers",
                          json={"answers": {"renew": "maybe"}})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["field"] == "answers.renew"
    resp = await http.put(f"/api/attempts/{attempt_id}/answers",
                          json={"answers": {"renew": "yes", "notes": "call in spring"}})
    assert resp.status == 200, await resp.text()
    await wait_until(lambda: dialer.agents.describe(owner).state == "available", 20)

    done = await followup(http, f["id"])
    assert done["status"] == "completed" and done["attempt_id"] == attempt_id
    rows = await dialer.store.run(attempts, world["campaign_id"])
    assert [(r["id"], r["agent"], r["outcome"], r["amd_status"]) for r in rows] == \
        [(attempt_id, owner, "human", "SKIPPED")]
    timeline = (await (await http.get(f"/api/contacts/{contact}/timeline")).json())["events"]
    assert [e["kind"] for e in timeline] == [
        "followup_scheduled", "followup_offered", "followup_launched", "attempt",
        "script_answers", "followup_closed"]
    answers = timeline[4]
    assert answers["attempt_id"] == attempt_id and answers["agent_id"] == owner
    assert answers["answers"] == {"renew": "yes", "notes": "call in spring"}


async def test_unlaunched_followup_expires_five_minutes_after_its_start(dialer, clock, world):
    http, owner = world["http"], world["agent_ids"][1]
    f = await schedule(http, clock, owner, world["contact_ids"][0], world["campaign_id"])
    clock.advance(dt.timedelta(minutes=1))
    await wait_until(lambda: dialer.agents.describe(owner).state == "preview", 10)
    clock.advance(dt.timedelta(minutes=4, seconds=50))  # still inside the 5 minutes
    await asyncio.sleep(1)  # runner ticks at the new time
    assert (await followup(http, f["id"]))["status"] == "offered"
    clock.advance(dt.timedelta(seconds=15))
    await wait_until(lambda: dialer.agents.describe(owner).state == "available", 10)
    expired = await followup(http, f["id"])
    assert expired["status"] == "expired" and expired["status_reason"]
    assert expired["closed_at"] >= f["expires_at"]
    assert (await http.post(f"/api/agents/{owner}/preview/dial")).status == 409
    assert await dialer.store.run(attempts, world["campaign_id"]) == []


async def test_suppression_entry_stops_a_followup(dialer, clock, world):
    http, owner, account = world["http"], world["agent_ids"][1], world["account_id"]
    f = await schedule(http, clock, owner, world["contact_ids"][0], world["campaign_id"])
    resp = await http.post(f"/api/accounts/{account}/suppression-lists",
                           json={"name": "do not call", "kind": "device"})
    listing = await resp.json()
    assert resp.status == 201
    assert (await http.post(f"/api/accounts/{account}/on-demand-strategy/suppression-lists/"
                            f"{listing['id']}")).status == 200
    assert (await http.post(f"/api/suppression-lists/{listing['id']}/entries",
                            json={"values": [world["number"]]})).status == 200
    clock.advance(dt.timedelta(minutes=1))
    await wait_until(lambda: _status(http, f["id"], "scheduled", invert=True), 10)
    stopped = await followup(http, f["id"])
    assert stopped["status"] in ("suppressed", "cancelled") and stopped["status_reason"]
    assert dialer.agents.describe(owner).state == "available"
    assert await dialer.store.run(attempts, world["campaign_id"]) == []


async def test_strategy_without_a_preview_first_pass_completes_as_incompatible(
        dialer, clock, world):
    http, owner, account = world["http"], world["agent_ids"][1], world["account_id"]
    resp = await http.put(f"/api/accounts/{account}/on-demand-strategy",
                          json={"passes": ["progressive", "preview"]})
    assert resp.status == 200, await resp.text()
    f = await schedule(http, clock, owner, world["contact_ids"][0], world["campaign_id"])
    assert f["status"] == "incompatible_channel_type"
    clock.advance(dt.timedelta(minutes=1))
    await asyncio.sleep(1.5)  # a few runner ticks
    assert dialer.agents.describe(owner).state == "available"
    assert (await followup(http, f["id"]))["status"] == "incompatible_channel_type"
    assert await dialer.store.run(attempts, world["campaign_id"]) == []


async def _status(http, followup_id, status, invert=False) -> bool:
    now = (await followup(http, followup_id))["status"]
    return (now != status) if invert else (now == status)


async def test_manual_dial_only_for_groups_that_allow_it(dialer, world):
    from dialer.db.models import AgentGroup, Attempt

    http, agent = world["http"], world["agent_ids"][0]
    resp = await http.post(f"/api/agents/{agent}/manual-dial", json={"number": "(415) 555-1003"})
    assert resp.status == 409 and (await resp.json())["error"]["field"] == "agent_id"
    await dialer.store.run(lambda: AgentGroup.update(manual_dial_allowed=True).execute())
    resp = await http.post(f"/api/agents/{agent}/manual-dial", json={"number": "(415) 555-1003"})
    assert await resp.json() == {"dialled": True, "number": "+14155551003"}
    await wait_until(lambda: dialer.agents.describe(agent).state == "on_call", 20)
    await wait_until(lambda: dialer.agents.describe(agent).state == "available", 20)
    rows = await dialer.store.run(lambda: list(Attempt.select().dicts()))
    assert [(r["phone"], r["campaign"], r["agent"], r["outcome"]) for r in rows] == \
        [("+14155551003", None, agent, "human")]
