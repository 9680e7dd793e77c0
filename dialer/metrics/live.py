"""What the runtime holds, read from its own objects at scrape time: calls by stage, agents
by state, attempts closed by outcome, the events websocket's reconnects, and the
campaigns' abandonment last read (store.py).

Why at scrape time rather than from the floor hub's records: a count read from the objects
the calls run on cannot drift (a gauge kept by +1/-1 from events is wrong for good after
one missed or dropped event, and the hub drops a lagging subscriber's queue), the hub
carries neither inbound nor action-plan calls, and the calling path does no work for it.
A scrape walks the live calls once (a few hundred objects), on the event loop, so it sees
one consistent moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from enum import Enum

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..actions.machine import Stage as ActionStage
from ..agents.machine import LIVE, AgentState
from ..inbound.machine import Stage as InboundStage
from ..outbound.machine import Stage as OutboundStage
from .store import Abandonment


def by_value(members: Iterable[Enum], values: Iterable[Enum]) -> dict[str, int]:
    """How many of `values` hold each of `members` (every member listed, 0 included: a
    series that vanishes at 0 would read as "no data" rather than 0)."""
    seen = Counter(v.value for v in values)
    return {m.value: seen[m.value] for m in members}


def _open_stages(stages: type[Enum]) -> list[Enum]:
    return [s for s in stages if s.value != "closed"]


class LiveCollector(Collector):
    def __init__(self, dialer) -> None:
        self.dialer = dialer
        self.abandonment: tuple[Abandonment, ...] = ()  # set by the scrape (http.py)

    def collect(self) -> Iterator[Metric]:
        yield self._calls()
        agents = GaugeMetricFamily("dialer_agents", "Logged-in agents by state",
                                   labels=["state"])
        states = [s for s in AgentState if s in LIVE]
        for state, count in by_value(states, (s.state for s in
                                              self.dialer.agents.sessions.values())).items():
            agents.add_metric([state], count)
        yield agents
        attempts = CounterMetricFamily("dialer_attempts", "Outbound attempts closed by this "
                                       "process, by outcome", labels=["outcome"])
        for outcome, count in sorted(self.dialer.calls.outcomes.items()):
            attempts.add_metric([outcome], count)
        yield attempts
        yield from self._ari()
        yield from self._abandonment()

    def _calls(self) -> Metric:
        calls = GaugeMetricFamily("dialer_calls_in_flight", "Calls of this process by kind "
                                  "and stage (their state machine's)", labels=["kind", "stage"])
        runtime = self.dialer
        for kind, stages, live in (
                ("outbound", OutboundStage, runtime.calls.calls.values()),
                ("inbound", InboundStage, runtime.inbound.calls.values()),
                ("action", ActionStage, runtime.actions.calls.values())):
            for stage, count in by_value(_open_stages(stages), (c.stage for c in live)).items():
                calls.add_metric([kind, stage], count)
        return calls

    def _ari(self) -> Iterator[Metric]:
        ari = self.dialer.ari
        yield CounterMetricFamily("dialer_ari_websocket_reconnects", "Times the ARI events "
                                  "websocket connected again after its first connection",
                                  value=ari.reconnects)
        yield GaugeMetricFamily("dialer_ari_connected", "1 while the ARI events websocket is "
                                "connected and resynced", value=int(ari.connected.is_set()))

    def _abandonment(self) -> Iterator[Metric]:
        labels = ["account", "campaign", "window"]
        ratio = GaugeMetricFamily("dialer_campaign_abandonment_ratio", "Abandoned of humans "
                                  "answered, today (the account's zone) and over the "
                                  "campaign's rolling window (0 with none answered), the "
                                  "estimated AMD false positives included in both", labels=labels)
        humans = GaugeMetricFamily("dialer_campaign_humans_answered", "Humans answered, the "
                                   "abandoned included (measured)", labels=labels)
        amd = GaugeMetricFamily("dialer_campaign_amd_false_positives_estimated", "People "
                                "AMD is estimated to have hung up on as machines (machines "
                                "decided x the detector's measured false-positive share)",
                                labels=labels)
        limit = GaugeMetricFamily("dialer_campaign_abandonment_limit_ratio", "The campaign's "
                                  "abandonment target", labels=["account", "campaign"])
        for a in self.abandonment:
            ids = [str(a.account_id), str(a.campaign_id)]
            for window, abandoned, answered, estimate in (
                    ("today", a.abandoned_today, a.humans_today, a.amd_false_positives_today),
                    ("rolling", a.abandoned_window, a.humans_window,
                     a.amd_false_positives_window)):
                total = answered + estimate
                ratio.add_metric([*ids, window], (abandoned + estimate) / total if total else 0.0)
                humans.add_metric([*ids, window], answered)
                amd.add_metric([*ids, window], estimate)
            limit.add_metric(ids, a.limit_percent / 100)
        yield from (ratio, humans, amd, limit)
