"""Caller-ID pools and trunks as the dialer dials, on the scripted fake PBX
(tests/unit/test_nothing_stuck.py): each call shows the pool's number nearest its callee;
a pool spent to its daily cap stops the campaign, which says why; a destination no trunk
serves ends its attempt with the reason stored and shown."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialer.callerids import store as pools
from dialer.callerids.choice import EXHAUSTED
from dialer.db import attempts, campaigns
from dialer.db.models import Attempt, CampaignContact, Trunk
from tests.campaign_driver import wait_until
from tests.unit.test_nothing_stuck import (BUSY, HUMAN, MACHINE, check_nothing_stuck,
                                           dialer_on_fake_pbx, done)

pytestmark = pytest.mark.timeout(60)
NY, CHICAGO, SF, ALABAMA = "+12125550150", "+13125550150", "+14155550150", "+12055550150"


def _shown(ari) -> dict[str, str]:
    """Callee -> the caller id its originate showed."""
    return {r.query["endpoint"].split("/")[1].split("@")[0]: r.query.get("callerId")
            for r in ari.requests if r.method == "POST" and r.path == "/ari/channels"
            and r.query.get("channelId", "").startswith("out-")}


async def _pool(d, seed, numbers: list[str], **settings) -> int:
    account_id = await d.store.run(lambda: CampaignContact.get(
        CampaignContact.campaign == seed["campaign_id"]).contact.account_id)
    pool = await d.store.run(pools.create_pool, account_id, {"name": "local", **settings})
    await d.store.run(pools.add_numbers, pool["id"], {"numbers": numbers}, d.now())
    return pool["id"]


async def test_each_call_shows_the_pools_number_nearest_its_callee(tmp_path):
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d, seed = rig.d, rig.seed
        await _pool(d, seed, [NY, CHICAGO, SF])
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: done(d, rig.pbx), 20, step=0.05)
        await check_nothing_stuck(d, seed, rig.pbx)
        assert _shown(rig.ari) == {
            HUMAN: NY, MACHINE: CHICAGO, BUSY: SF,   # same area code
            "+12135551000": SF,                      # Los Angeles: California
            "+12055551000": NY}                      # Alabama: the US, least used first
        shown = await d.store.run(lambda: {a.phone: a.caller_id for a in Attempt.select()})
        assert shown[HUMAN] == NY and shown[BUSY] == SF


async def test_a_pool_spent_to_its_daily_cap_stops_the_campaign_and_says_why(tmp_path):
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d, seed = rig.d, rig.seed
        await _pool(d, seed, [ALABAMA], daily_cap=2)
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: d.store.run(lambda: Attempt.select().where(
            Attempt.ended_at.is_null(False)).count() == 2), 20, step=0.05)
        await asyncio.sleep(0.5)  # ten ticks: nothing more is dialled
        rows = await d.store.run(lambda: list(Attempt.select()))
        assert len(rows) == 2 and {r.caller_id for r in rows} == {ALABAMA}
        waiting = await d.store.run(lambda: CampaignContact.get(
            CampaignContact.campaign == seed["campaign_id"],
            CampaignContact.state == "waiting").contact_id)
        answer = await d.store.run(campaigns.why_not, seed["campaign_id"], waiting, d.now())
        assert not answer["eligible"]
        [reason] = [r for r in answer["reasons"] if r["code"] == EXHAUSTED]
        assert reason["message"] == ("pool 'local': every number of the caller-ID pool is "
                                     "rested (0) or at its daily cap of 2 calls (1)")


async def test_a_destination_no_trunk_serves_ends_its_attempt_with_the_reason(tmp_path):
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d, seed = rig.d, rig.seed
        await d.store.run(lambda: Trunk.create(name="UK only", target="carrier-uk",
                                               destinations=["GB"]))
        await d.trunks.reload()
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: d.store.run(lambda: Attempt.select().where(
            Attempt.ended_at.is_null(False)).count() >= 5), 20, step=0.05)
        rows = await d.store.run(lambda: [attempts.get_attempt(a.id) for a in Attempt.select()])
        assert {r["outcome"] for r in rows} == {"failed"}
        assert {r["end_reason"] for r in rows} == {"no trunk serves this destination"}
        assert not [r for r in rig.ari.requests if r.method == "POST"
                    and r.path == "/ari/channels" and "carrier" in r.query.get("endpoint", "")]
        contact = rows[0]["contact_id"]
        answer = await d.store.run(campaigns.why_not, seed["campaign_id"], contact,
                                   d.now() + dt.timedelta(seconds=1))
        assert answer["last_reason"] == "no trunk serves this destination"
