"""Dispositions, pure: how many calls of each campaign ended with each disposition the
agents chose, and per agent, over the period (calls counted by the time they were dialled;
calls without a disposition are left out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .periods import Period


@dataclass(frozen=True)
class DispositionCount:
    """One GROUP BY row: calls of a campaign by an agent with a disposition."""

    campaign_id: int
    agent_id: int | None
    disposition: str
    count: int


@dataclass(frozen=True)
class Tally:
    """Calls per disposition, the most frequent first (then by name)."""

    counts: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def percent(self, disposition: str) -> float:
        n = dict(self.counts).get(disposition, 0)
        return round(100 * n / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class AgentDispositions:
    agent_id: int | None       # None: no agent kept (inbound transfers, deleted agents)
    name: str
    tally: Tally


@dataclass(frozen=True)
class CampaignDispositions:
    campaign_id: int
    name: str
    tally: Tally
    agents: tuple[AgentDispositions, ...]


@dataclass(frozen=True)
class DispositionReport:
    account_id: int
    period: Period
    campaigns: tuple[CampaignDispositions, ...]


def tally(rows: list[DispositionCount]) -> Tally:
    counts: Counter[str] = Counter()
    for r in rows:
        counts[r.disposition] += r.count
    return Tally(tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))


def dispositions(account_id: int, period: Period, campaigns: list[tuple[int, str]],
                 agent_names: dict[int, str], rows: list[DispositionCount]
                 ) -> DispositionReport:
    """Each campaign of `campaigns` ((id, name), in order) with its tally and its agents'."""
    out = []
    for campaign_id, name in campaigns:
        mine = [r for r in rows if r.campaign_id == campaign_id]
        agent_ids = sorted({r.agent_id for r in mine},
                           key=lambda a: (a is None, agent_names.get(a or 0, ""), a or 0))
        agents = tuple(AgentDispositions(a, agent_names.get(a, "") if a else "",
                                         tally([r for r in mine if r.agent_id == a]))
                       for a in agent_ids)
        out.append(CampaignDispositions(campaign_id, name, tally(mine), agents))
    return DispositionReport(account_id, period, tuple(out))
