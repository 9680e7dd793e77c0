"""The dialer's metrics in a registry of its own (one per `Dialer`, so tests each get a
fresh one): the process and Python collectors of prometheus_client, the ARI and database
latency histograms the hooks of `AriRest.request` and `Store` feed, and the scrape-time
collector (live.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from prometheus_client import (CollectorRegistry, Counter, GCCollector, Histogram,
                               PlatformCollector, ProcessCollector, disable_created_metrics)
from prometheus_client.aiohttp import make_aiohttp_handler

from ..ari.paths import template
from .live import LiveCollector
from .store import campaign_abandonment

ARI_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# No `<histogram>_created` series: one more per label set, read by no dashboard.
disable_created_metrics()
DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# an inbound service level is "taken within N s": the usual Ns are bucket edges
WAIT_BUCKETS = (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0)


def function_name(fn: Callable) -> str:
    """A store function as a label: `outbound.store.abandonment_since`. Closures are named
    by the function that made them, so the label set stays the code's functions."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module.removeprefix('dialer.')}.{qualname.split('.<locals>')[0]}"


class Metrics:
    def __init__(self, dialer) -> None:
        self.dialer = dialer
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.ari_seconds = Histogram(
            "dialer_ari_request_duration_seconds", "ARI REST requests, answered or not, by "
            "method and path template", ["method", "path"], registry=self.registry,
            buckets=ARI_BUCKETS)
        self.db_seconds = Histogram(
            "dialer_db_call_duration_seconds", "Store calls (one transaction each), waiting "
            "for a database thread included, by kind (write or read) and function",
            ["kind", "function"], registry=self.registry, buckets=DB_BUCKETS)
        self.inbound_wait = Histogram(
            "dialer_inbound_wait_seconds", "Inbound callers' waits for an agent group's agents "
            "that ended with one taking the caller, by group (the service level: the share "
            "within N s, the untaken counted too)", ["group"], registry=self.registry,
            buckets=WAIT_BUCKETS)
        self.inbound_untaken = Counter(
            "dialer_inbound_waits_untaken", "Inbound callers' waits for an agent group's agents "
            "that ended with none taking the caller (hung up, or on to the ring group's next "
            "step), by group", ["group"], registry=self.registry)
        self.live = LiveCollector(dialer)
        self.registry.register(self.live)
        # the library's own: the text format, or OpenMetrics when the scraper asks for it
        self.handler = make_aiohttp_handler(self.registry)
        dialer.ari.observe = self.observe_ari
        dialer.store.observe = self.observe_db

    def observe_ari(self, method: str, path: str, seconds: float) -> None:
        self.ari_seconds.labels(method, template(path)).observe(seconds)

    def observe_db(self, kind: str, fn: Callable, seconds: float) -> None:
        self.db_seconds.labels(kind, function_name(fn)).observe(seconds)

    def inbound_waited(self, groups: frozenset[int], waited: float | None) -> None:
        for group in map(str, groups):
            if waited is None:
                self.inbound_untaken.labels(group).inc()
            else:
                self.inbound_wait.labels(group).observe(waited)

    async def refresh(self) -> None:
        """Before a scrape: the campaigns' abandonment (one read transaction, beside the
        writer); the collectors then run on the event loop."""
        self.live.abandonment = await self.dialer.store.read(campaign_abandonment,
                                                             self.dialer.now())
