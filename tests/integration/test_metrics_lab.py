"""Issue 19: `/metrics` on the real lab. A campaign's real calls (AMD on real RTP, a desk
phone answering) move the call and agent gauges and the attempts counter as Prometheus
reads them over HTTP, parsed by prometheus_client's parser; the ARI latency histogram
counts the originates under a path template."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dialer.config import MetricsConfig
from dialer.web.app import create_app
from tests.campaign_driver import login_all, run_to_end
from tests.campaign_seed import seed_campaign
from tests.lab_calls import MACHINE, human

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
TOKEN = "lab-scraper"


def total(text: str, name: str, **labels: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text)
               for s in family.samples
               if s.name == name and labels.items() <= s.labels.items())


async def test_real_calls_move_the_gauges_and_the_counter(dialer, lab, aiohttp_client):
    dialer.cfg = replace(dialer.cfg, metrics=MetricsConfig(enabled=True, token=TOKEN))
    client = await aiohttp_client(create_app(dialer))

    async def scrape() -> str:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status == 200
        return await response.text()

    seed = await dialer.store.run(seed_campaign, [human(3, "212"), MACHINE],
                                  agents=lab.info["agents"][:1], campaign={"bcw_seconds": 0})
    await login_all(dialer, seed["agent_ids"])
    before = await scrape()
    assert total(before, "dialer_agents", state="available") == 1
    assert total(before, "dialer_attempts_total") == 0
    seen: Counter[str] = Counter()
    running = asyncio.ensure_future(run_to_end(dialer, seed["campaign_id"]))
    while not running.done():
        text = await scrape()
        for stage in ("dialling", "amd", "connected"):
            seen[stage] += total(text, "dialer_calls_in_flight", kind="outbound", stage=stage) > 0
        seen["on_call"] += total(text, "dialer_agents", state="on_call") == 1
        await asyncio.sleep(0.1)
    rows = running.result()
    after = await scrape()
    assert sorted(r["outcome"] for r in rows) == ["human", "machine"]
    assert seen["dialling"] and seen["amd"] and seen["connected"] and seen["on_call"], seen
    assert total(after, "dialer_attempts_total", outcome="human") == 1
    assert total(after, "dialer_attempts_total", outcome="machine") == 1
    assert total(after, "dialer_calls_in_flight") == 0
    # both customers' originates and the desk phone's, under one template
    assert total(after, "dialer_ari_request_duration_seconds_count", method="POST",
                 path="/channels") == 3
    campaign = {"campaign": str(seed["campaign_id"]), "window": "today"}
    assert total(after, "dialer_campaign_humans_answered", **campaign) == 1
    assert total(after, "dialer_ari_connected") == 1
