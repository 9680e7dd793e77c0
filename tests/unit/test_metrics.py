"""Issue 19: `/metrics` (dialer/metrics). A real registry read through the app, in
Prometheus' text format parsed by prometheus_client's own parser: a campaign on the
scripted fake PBX moves the call and agent gauges and the attempts counter; the
latency histograms carry path templates, never ids; strangers are refused."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from dialer.amd.store import evaluation
from dialer.ari.paths import template
from dialer.config import ConfigError, MetricsConfig, load_config
from dialer.db import campaigns
from dialer.db.models import Attempt
from dialer.metrics.access import Verdict, may_scrape
from dialer.metrics.registry import function_name
from dialer.outbound import store as dialing
from dialer.outbound.pacing import ServiceLevel
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.unit.test_nothing_stuck import dialer_on_fake_pbx, done

TOKEN = "scrape-secret-1"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of the exposition: (name, its labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(parsed: dict, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in parsed.items() if n == name and want <= ls)


@pytest.mark.parametrize("path, expected", [
    ("/channels", "/channels"),
    ("/channels/1733-5.2", "/channels/{id}"),
    ("/channels/a%2Fb/answer", "/channels/{id}/answer"),
    ("/channels/c1/snoop/s1", "/channels/{id}/snoop/{id}"),
    ("/channels/c1/play/p1?media=sound:x", "/channels/{id}/play/{id}"),
    ("/channels/create", "/channels/create"),
    ("/channels/externalMedia", "/channels/externalMedia"),
    ("/bridges/agent-7/addChannel", "/bridges/{id}/addChannel"),
    ("/bridges/agent/agent", "/bridges/{id}/agent"),  # a verb-like id stays in its place
    ("/bridges/b1/x-1", "/bridges/{id}/{id}"),
    ("/playbacks/p1", "/playbacks/{id}"),
    ("/recordings/live/rec-1/stop", "/recordings/live/{id}/stop"),
    ("/recordings/stored/rec-1/file", "/recordings/stored/{id}/file"),
    ("/endpoints/PJSIP/agent-1", "/endpoints/{id}/{id}"),
    ("/asterisk/config/dynamic/res_pjsip/endpoint/x", "/asterisk/config/{id}"),
    ("/asterisk/ping", "/asterisk/ping"),
    ("/applications/dialer/subscription", "/applications/{id}/subscription"),
    ("/whatever/123", "/other"),
    ("/recordings/secret/x", "/other"),
])
def test_ari_paths_become_templates(path, expected):
    assert template(path) == expected


def test_scrape_access_decision():
    ask = functools.partial(may_scrape, enabled=True, token=TOKEN, allow=("10.0.0.0/8",))
    assert may_scrape(enabled=False, token=TOKEN, allow=("0.0.0.0/0",), client="10.0.0.1",
                      authorization=f"Bearer {TOKEN}") is Verdict.OFF
    assert ask(client="192.0.2.1", authorization=f"Bearer {TOKEN}") is Verdict.ALLOWED
    assert ask(client="10.2.3.4", authorization=None) is Verdict.ALLOWED
    assert ask(client="::ffff:10.2.3.4", authorization=None) is Verdict.ALLOWED
    for header in (None, "", "Bearer ", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN,
                   f"bearer {TOKEN[:-1]}"):
        assert ask(client="192.0.2.1", authorization=header) is Verdict.UNAUTHORIZED, header
    assert ask(client="::1", authorization=None) is Verdict.UNAUTHORIZED  # v6, v4 list
    assert ask(client="not an address", authorization=None) is Verdict.UNAUTHORIZED
    no_token = functools.partial(may_scrape, enabled=True, token="", allow=("127.0.0.1",))
    assert no_token(client="127.0.0.1", authorization="Bearer ") is Verdict.ALLOWED
    assert no_token(client="127.0.0.2", authorization="Bearer ") is Verdict.UNAUTHORIZED


def test_metrics_config():
    with pytest.raises(ConfigError, match="token"):
        MetricsConfig(enabled=True)  # open to anyone reaching the console: refused
    with pytest.raises(ConfigError, match="allow"):
        MetricsConfig(enabled=True, allow=("10.0.0.300",))
    cfg = load_config(env={"DIALER_METRICS_TOKEN": TOKEN})
    assert cfg.metrics.token == TOKEN and not cfg.metrics.enabled
    assert cfg.redacted()["metrics"]["token"] == "***" and TOKEN not in str(cfg.redacted())
    docker = Path(__file__).resolve().parents[2] / "docker"
    for shipped in ("dialer.toml.example", "dialer.compose.toml"):  # they stay loadable
        assert load_config(docker / shipped, env={}).log.format in ("text", "json")


def test_store_functions_are_named_by_their_code():
    def closure():
        return None
    assert function_name(dialing.recent_attempts) == "outbound.store.recent_attempts"
    assert function_name(functools.partial(dialing.recent_attempts, 1)) == \
        "outbound.store.recent_attempts"
    assert function_name(closure) == f"{__name__}.test_store_functions_are_named_by_their_code"
    assert function_name(lambda: None) == f"{__name__}.test_store_functions_are_named_by_their_code"


async def test_a_campaign_moves_the_gauges_and_the_counters(tmp_path, aiohttp_client):
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d = rig.d
        d.cfg = replace(d.cfg, metrics=MetricsConfig(enabled=True, token=TOKEN))
        client = await aiohttp_client(create_app(d))

        async def scrape() -> dict:
            response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status == 200, await response.text()
            return samples(await response.text())

        before = await scrape()
        assert total(before, "dialer_agents", state="available") == 2
        assert total(before, "dialer_calls_in_flight") == 0
        assert total(before, "dialer_attempts_total") == 0
        await d.store.run(campaigns.set_status, rig.seed["campaign_id"], "running")
        seen: Counter[str] = Counter()
        while not await done(d, rig.pbx):
            during = await scrape()
            for (name, labels), value in during.items():
                if name in ("dialer_calls_in_flight", "dialer_agents") and value:
                    seen[f"{name}:{dict(labels).get('stage') or dict(labels)['state']}"] += 1
            await asyncio.sleep(0.02)
        after_text = await (await client.get(
            "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text()
        after = samples(after_text)
        # inbound callers' waits for a group's agents (the service level), taken or not
        for waited in (3.0, 18.0, 25.0, None):
            d.agents.inbound_waited(frozenset({7}), waited)
        waits = await scrape()
        assert total(waits, "dialer_inbound_wait_seconds_bucket", group="7", le="20.0") == 2
        assert total(waits, "dialer_inbound_wait_seconds_count", group="7") == 3
        assert total(waits, "dialer_inbound_waits_untaken_total", group="7") == 1
        assert d.calls.pacing.inbound_service(7, 20) == ServiceLevel(callers=4, within=2)
        rows = await d.store.run(lambda: list(Attempt.select(Attempt.outcome,
                                                             Attempt.channel_id).tuples()))
        originates = [r for r in rig.ari.requests if (r.method, r.path) == ("POST", "/ari/channels")]
    assert seen["dialer_calls_in_flight:dialling"] and seen["dialer_agents:on_call"], seen
    assert total(after, "dialer_calls_in_flight") == 0
    assert total(after, "dialer_agents", state="available") == 2
    outcomes = Counter(outcome for outcome, _ in rows)
    assert outcomes == {"human": 3, "machine": 1, "busy": 1}
    for outcome, count in outcomes.items():
        assert total(after, "dialer_attempts_total", outcome=outcome) == count
    # the histograms: every originate (the agents' desk phones too), templated paths, no
    # channel id anywhere
    assert total(after, "dialer_ari_request_duration_seconds_count", method="POST",
                 path="/channels") == len(originates) == len(rows) + 2
    assert total(after, "dialer_ari_request_duration_seconds_count", method="DELETE",
                 path="/channels/{id}") >= 1
    assert not [c for _, c in rows if c in after_text]
    assert total(after, "dialer_db_call_duration_seconds_count", kind="write",
                 function="outbound.store.claim_due") >= 1
    assert total(after, "dialer_db_call_duration_seconds_count", kind="read",
                 function="metrics.store.campaign_abandonment") >= 2
    campaign = {"campaign": str(rig.seed["campaign_id"]), "account": str(rig.seed["account_id"])}
    # app_amd's machine: its share of people among the calls it calls machines, abandoned
    estimate = evaluation().share("app_amd")
    for window in ("today", "rolling"):
        assert total(after, "dialer_campaign_humans_answered", window=window, **campaign) == 3
        assert total(after, "dialer_campaign_amd_false_positives_estimated", window=window,
                     **campaign) == pytest.approx(estimate)
        assert total(after, "dialer_campaign_abandonment_ratio", window=window, **campaign) == \
            pytest.approx(estimate / (3 + estimate))
    assert total(after, "dialer_ari_connected") == 1
    assert total(after, "dialer_ari_websocket_reconnects_total") == 0
    assert total(after, "process_resident_memory_bytes") > 0  # the library's collectors


async def test_strangers_cannot_read_the_metrics(tmp_path, aiohttp_client):
    """From the attacker's side: off by default (404 whatever is sent); when on, neither a
    wrong token, another scheme, a signed-in user's own API token nor a forged
    X-Forwarded-For gets in; the answer to them names no metric."""
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d = rig.d
        admin = await d.store.run(bearer, rig.seed["account_id"], "admin")
        client = await aiohttp_client(create_app(d))

        async def get(**headers: str):
            response = await client.get("/metrics", headers=headers)
            return response.status, await response.text()

        assert (await get())[0] == 404
        assert (await get(Authorization=f"Bearer {TOKEN}"))[0] == 404
        d.cfg = replace(d.cfg, metrics=MetricsConfig(enabled=True, token=TOKEN,
                                                     allow=("10.0.0.0/8",)))
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                        admin, {"X-Forwarded-For": "10.0.0.7"},
                        {"Authorization": f"Bearer {TOKEN[:-1]}", "X-Forwarded-For": "10.0.0.7"}):
            status, text = await get(**headers)
            assert status == 401 and "dialer_" not in text, (headers, status)
        status, text = await get(Authorization=f"Bearer {TOKEN}")
        assert status == 200 and "dialer_calls_in_flight" in text
        d.cfg = replace(d.cfg, metrics=MetricsConfig(enabled=True, allow=("127.0.0.1",)))
        status, text = await get()
        assert status == 200 and samples(text)
