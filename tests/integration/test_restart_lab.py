"""The dialer dies while a call is still ringing and a new one starts on the same
database: the call nobody can act on any more is hung up, its attempt is recorded as lost,
the contact is called again later by the rules, not twice at once, and the logged-in
agent is taken back on the same desk-phone leg. (Calls already with an agent carry on:
tests/integration/test_crash_lab.py.)"""

from __future__ import annotations

import asyncio

import pytest

from dialer.db import campaigns
from dialer.db.fields import utcnow
from dialer.db.models import CampaignContact
from tests.campaign_driver import attempts, die, lab_config, login_all, started, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import NO_ANSWER
from tests.pbx_cdr import carrier_calls, compare, master_csv

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_restart_while_ringing_closes_the_attempt_and_keeps_the_agent(lab, tmp_path):
    since = utcnow()
    cfg = lab_config(lab.info["pbx"], tmp_path)
    first = await started(cfg)
    seed = await first.store.run(seed_campaign, [NO_ANSWER], agents=lab.info["agents"][:1],
                                 campaign={"max_attempts": 3, "ring_timeout_seconds": 40})
    agent, cid = seed["agent_ids"][0], seed["campaign_id"]
    await login_all(first, [agent])
    leg = first.agents.sessions[agent].channel_id
    await first.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: first.calls.calls, 20)
    [call] = first.calls.calls
    await die(first)
    assert call in {c["id"] for c in await _channels(lab)}

    second = await started(cfg)
    try:
        await wait_until(lambda: _gone(lab, call), 10)
        [row] = await second.store.run(attempts, cid)
        assert row["channel_id"] == call and row["outcome"] == "lost" and row["ended_at"]
        cc = await second.store.run(lambda: CampaignContact.get(campaign=cid))
        assert cc.state == "rescheduled" and cc.next_attempt_at > row["ended_at"]
        await asyncio.sleep(2)  # runner ticks: the contact is not dialled again now
        assert len(await second.store.run(attempts, cid)) == 1 and not second.calls.calls
        assert second.agents.describe(agent).state == "available"
        assert second.agents.sessions[agent].channel_id == leg
        assert leg in {c["id"] for c in await _channels(lab)}
        # The PBX saw one call, never answered, ended when the new dialer hung it up.
        cdr = carrier_calls(master_csv(lab.pbx), prefix="out-t-", since=since)
        assert compare([row], cdr) == [] and cdr[call].disposition == "NO ANSWER"
    finally:
        await second.agents.logout(agent)
        await second.stop()


async def _channels(lab) -> list[dict]:
    from dialer.ari import AriClient

    side = lab.info["pbx"]
    async with AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "x") as c:
        return await c.list_channels()


async def _gone(lab, channel_id) -> bool:
    return channel_id not in {c["id"] for c in await _channels(lab)}


