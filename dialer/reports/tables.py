"""The reports as JSON documents and CSV files, pure: one row per agent (or campaign) and
hour (or day), the period's bounds and its zone; CSV cells that a spreadsheet would run as
a formula are quoted (core.spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..core.spreadsheet import spreadsheet_safe
from .agents import AgentFigures, AgentPerformance
from .campaigns import CampaignFigures, CampaignReport
from .dispositions import DispositionReport, Tally
from .periods import Breakdown, Bucket, F, Period

BY = ("hour", "day")
NO_REASON = "(no reason)"


def _period(period: Period, by: str) -> dict[str, Any]:
    return {"timezone": period.zone.key, "from": period.first.isoformat(),
            "until": period.last.isoformat(), "by": by}


def _bucket(b: Bucket, by: str) -> dict[str, Any]:
    return {"date": b.day.isoformat(), "hour": b.label if by == "hour" else None,
            "start": b.start.isoformat() + "Z", "end": b.end.isoformat() + "Z"}


def agent_figures(f: AgentFigures) -> dict[str, Any]:
    return {"calls": f.calls, "talk_seconds": f.talk_seconds, "wrap_seconds": f.wrap_seconds,
            "pause_seconds": f.paused_seconds,
            "pause_by_reason": {r or NO_REASON: s for r, s in sorted(f.pause_by_reason.items())},
            "logged_in_seconds": f.logged_in_seconds, "occupancy_percent": f.occupancy_percent}


def campaign_figures(f: CampaignFigures) -> dict[str, Any]:
    return {"dials": f.dials, "answers": f.answers, "humans": f.humans, "abandons": f.abandons,
            "amd_false_positives_estimated": round(f.amd_false_positives, 2),
            "abandon_percent": f.abandon_percent, "connects": f.connects,
            "agent_hours": f.agent_hours, "connects_per_agent_hour": f.connects_per_agent_hour}


def _breakdowns(items: Sequence[Breakdown[F]], by: str, key: str,
                figures: Callable[[F], dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: b.id, "name": b.name, "total": figures(b.total),
             "rows": [_bucket(r.bucket, by) | figures(r.figures)
                      for r in (b.hours if by == "hour" else b.days)]} for b in items]


def agents_json(report: AgentPerformance, by: str) -> dict[str, Any]:
    return {"account_id": report.account_id, **_period(report.period, by),
            "pause_reasons": [r or NO_REASON for r in report.pause_reasons],
            "agents": _breakdowns(report.agents, by, "agent_id", agent_figures)}


def campaigns_json(report: CampaignReport, by: str) -> dict[str, Any]:
    return {"account_id": report.account_id, **_period(report.period, by),
            "campaigns": _breakdowns(report.campaigns, by, "campaign_id", campaign_figures)}


def _tally(t: Tally) -> list[dict[str, Any]]:
    return [{"disposition": d, "count": n, "percent": t.percent(d)} for d, n in t.counts]


def dispositions_json(report: DispositionReport) -> dict[str, Any]:
    return {"account_id": report.account_id, **_period(report.period, "period"),
            "campaigns": [{"campaign_id": c.campaign_id, "name": c.name, "total": c.tally.total,
                           "dispositions": _tally(c.tally),
                           "agents": [{"agent_id": a.agent_id, "name": a.name,
                                       "total": a.tally.total, "dispositions": _tally(a.tally)}
                                      for a in c.agents]}
                          for c in report.campaigns]}


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()


AGENT_COLUMNS = ("agent_id", "agent", "date", "hour", "calls", "talk_seconds", "wrap_seconds",
                 "pause_seconds", "logged_in_seconds", "occupancy_percent")


def agents_csv(report: AgentPerformance, by: str) -> str:
    """A row per agent and hour (or day); a pause column per reason."""
    reasons = report.pause_reasons
    header = [*AGENT_COLUMNS, *(f"pause_seconds:{r or NO_REASON}" for r in reasons)]
    return _csv(header, (
        [a.id, a.name, r.bucket.day.isoformat(), r.bucket.label if by == "hour" else "",
         r.figures.calls, r.figures.talk_seconds, r.figures.wrap_seconds,
         r.figures.paused_seconds, r.figures.logged_in_seconds, r.figures.occupancy_percent,
         *(r.figures.pause_by_reason.get(reason, 0) for reason in reasons)]
        for a in report.agents for r in (a.hours if by == "hour" else a.days)))


CAMPAIGN_COLUMNS = ("campaign_id", "campaign", "date", "hour", "dials", "answers", "humans",
                    "abandons", "amd_false_positives_estimated", "abandon_percent", "connects", "agent_hours",
                    "connects_per_agent_hour")


def campaigns_csv(report: CampaignReport, by: str) -> str:
    return _csv(CAMPAIGN_COLUMNS, (
        [c.id, c.name, r.bucket.day.isoformat(), r.bucket.label if by == "hour" else "",
         *campaign_figures(r.figures).values()]
        for c in report.campaigns for r in (c.hours if by == "hour" else c.days)))


DISPOSITION_COLUMNS = ("campaign_id", "campaign", "agent_id", "agent", "disposition", "count",
                       "percent")


def dispositions_csv(report: DispositionReport, by_agent: bool) -> str:
    """A row per campaign and disposition, or (`by_agent`) per campaign, agent and
    disposition; percent: of that campaign's (or agent's) calls with a disposition."""
    def rows() -> Iterable[list[Any]]:
        for c in report.campaigns:
            tallies = ([(a.agent_id, a.name, a.tally) for a in c.agents] if by_agent
                       else [(None, "", c.tally)])
            for agent_id, name, t in tallies:
                for d, n in t.counts:
                    yield [c.campaign_id, c.name, agent_id, name, d, n, t.percent(d)]
    return _csv(DISPOSITION_COLUMNS, rows())
