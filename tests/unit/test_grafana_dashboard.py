"""Issue 19: the shipped Grafana dashboard (grafana/dialer.json) asks only for what
`/metrics` exports: every metric name in its expressions is a sample name of a real
scrape, every label it selects or groups by is one of that metric's, and every metric
of the dialer's own is on it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from dialer.config import Config, DatabaseConfig
from dialer.metrics.store import Abandonment
from dialer.outbound import store as dialing
from dialer.server import Dialer

DASHBOARD = Path(__file__).resolve().parents[2] / "grafana" / "dialer.json"
METRIC = re.compile(r"\b((?:dialer|process|python)_[a-zA-Z0-9_]*)\s*(\{[^}]*\})?")
GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
PROMETHEUS_LABELS = {"instance", "job"}  # added by the scrape


def expressions(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["expr"]] if isinstance(node.get("expr"), str) else []
        if isinstance(node.get("definition"), str):
            found.append(node["definition"])
        return found + [e for key, value in node.items() if key != "expr"
                        for e in expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in expressions(value)]
    return []


async def exported(tmp_path) -> tuple[dict[str, set[str]], set[str]]:
    """Sample name -> its labels, and the dialer's own family names, of a real scrape in
    which every metric has a sample."""
    d = Dialer(Config(database=DatabaseConfig(url=f"sqlite:///{tmp_path}/m.sqlite3")))
    try:
        d.metrics.observe_ari("POST", "/channels/c-1/answer", 0.01)
        d.metrics.observe_db("write", dialing.recent_attempts, 0.002)
        d.calls.outcomes["human"] += 1
        d.metrics.inbound_waited(frozenset({1}), 5.0)
        d.metrics.inbound_waited(frozenset({1}), None)
        d.metrics.live.abandonment = (Abandonment(1, 1, 0, 2, 1, 10, 3.0),)
        families = list(text_string_to_metric_families(generate_latest(d.metrics.registry)
                                                       .decode()))
    finally:
        await d.store.close()
    samples: dict[str, set[str]] = {}
    for family in families:
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    return samples, {f.name for f in families if f.name.startswith("dialer_")}


async def test_the_dashboard_uses_exported_names_only(tmp_path):
    samples, own = await exported(tmp_path)
    exprs = expressions(json.loads(DASHBOARD.read_text()))
    assert len(exprs) >= 10
    used: set[str] = set()
    for expr in exprs:
        names = METRIC.findall(expr)
        assert names, f"no metric in {expr!r}"
        for name, selector in names:
            assert name in samples, f"{name} (in {expr!r}) is not exported"
            used.add(name)
            labels = samples[name] | PROMETHEUS_LABELS
            assert set(MATCHER.findall(selector)) <= labels, (name, selector)
        grouped = {label.strip() for group in GROUPING.findall(expr)
                   for label in group.split(",") if label.strip()}
        labels = set().union(*(samples[n] for n, _ in names)) | PROMETHEUS_LABELS
        assert grouped <= labels, (expr, grouped - labels)
    missing = {f for f in own
               if not any(u == f or u.startswith(f + "_") for u in used)}
    assert not missing, f"exported but not on the dashboard: {missing}"
