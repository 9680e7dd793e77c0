"""Webhooks on the real lab: a campaign's real calls (a human bridged to an agent's desk
phone, a busy number) finish, and a real receiver on 127.0.0.1 gets each attempt's end,
the agent's states and the campaign's end, signed with the endpoint's secret."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

import pytest

from dialer.config import WebhooksConfig
from dialer.db.models import WebhookDelivery
from dialer.server import Dialer
from dialer.webhooks import store as hooks
from tests.campaign_driver import lab_config, login_all, run_to_end, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import BUSY, human
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
KINDS = ["attempt.finished", "agent.state_changed", "campaign.finished"]


async def test_real_calls_finishing_are_delivered_signed(lab, tmp_path, caplog):
    receiver = await Receiver().start()
    cfg = replace(lab_config(lab.info["pbx"], tmp_path),
                  webhooks=WebhooksConfig(allow_private=True))
    d = Dialer(cfg)
    await d.start()
    d.webhooks.poll_seconds = 0.1
    try:
        await asyncio.wait_for(d.ari.connected.wait(), 10)
        seed = await d.store.run(seed_campaign, [human(2, "212"), BUSY],
                                 agents=lab.info["agents"][:1], campaign={"bcw_seconds": 1})
        hook = await d.store.run(hooks.create_endpoint, seed["account_id"],
                                 {"url": receiver.url + "/crm", "events": KINDS},
                                 allow_private=True, now=d.now())
        d.webhooks.endpoints_changed()
        await login_all(d, seed["agent_ids"])
        rows = await run_to_end(d, seed["campaign_id"])
        await wait_until(lambda: _delivered(d, "attempt.finished", len(rows)), 20, step=0.1)
        await wait_until(lambda: _delivered(d, "campaign.finished", 1), 20, step=0.1)
    finally:
        for agent_id in list(d.agents.sessions):
            await d.agents.logout(agent_id)
        await d.stop()
        await receiver.stop()
    assert all(r.verifies(hook["secret"], int(time.time())) for r in receiver.received)
    told = {}
    for r in receiver.received:
        told.setdefault(r.json["type"], []).append(r.json["data"])
    outcomes = {f["phone"]: (f["outcome"], f["agent_id"]) for f in told["attempt.finished"]}
    assert outcomes == {r["phone"]: (r["outcome"], r["agent"]) for r in rows}
    assert outcomes[BUSY][0] == "busy" and outcomes[human(2, "212")][0] == "human"
    assert told["campaign.finished"] == [{"campaign_id": seed["campaign_id"],
                                          "name": told["campaign.finished"][0]["name"],
                                          "reason": "completed"}]
    states = [s["state"] for s in told["agent.state_changed"]]
    assert "on_call" in states and "available" in states
    errors = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.ERROR and r.name.startswith("dialer")]
    assert not errors, errors


async def _delivered(d: Dialer, kind: str, count: int) -> bool:
    return await d.store.run(lambda: WebhookDelivery.select().where(
        (WebhookDelivery.kind == kind) & (WebhookDelivery.status == "delivered")).count()
        >= count)
