"""The report pages' charts, pure: stacked bars (core.charts) of each agent's time, each
campaign's calls per hour (per day over a longer period) and the dispositions."""

from __future__ import annotations

from ..core.charts import Series, stacked_bars
from .agents import AgentPerformance
from .campaigns import CampaignFigures
from .dispositions import DispositionReport
from .periods import Breakdown

PALETTE = ("#4a7fb5", "#e59c3b", "#8e6bb8", "#5aa469", "#c0392b", "#7f8c8d", "#d4a5a5",
           "#2c3e50")
HOURS_UP_TO_DAYS = 2  # longer periods are charted by day


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def agents_svg(report: AgentPerformance) -> str:
    """A bar per agent: talk, wrap-up, pauses and the rest of their logged-in time."""
    totals = [a.total for a in report.agents]
    series = [Series("talk", PALETTE[0], tuple(f.talk_seconds for f in totals)),
              Series("wrap-up", PALETTE[1], tuple(f.wrap_seconds for f in totals)),
              Series("paused", PALETTE[5], tuple(f.paused_seconds for f in totals)),
              Series("other logged in", "#c8d6e5", tuple(
                  max(0, f.logged_in_seconds - f.talk_seconds - f.wrap_seconds
                      - f.paused_seconds) for f in totals))]
    return stacked_bars("agents-chart", "Agents' logged-in time",
                        [a.name for a in report.agents], series, _hours)


def campaign_svg(campaign: Breakdown[CampaignFigures]) -> str:
    """The campaign's dials per hour (per day over more than two days), split into
    connected, abandoned, other answers (machines) and not answered."""
    by_hour = len(campaign.days) <= HOURS_UP_TO_DAYS
    rows = campaign.hours if by_hour else campaign.days
    figures = [r.figures for r in rows]
    series = [Series("connected", PALETTE[3], tuple(f.connects for f in figures)),
              Series("abandoned", PALETTE[4], tuple(f.abandons for f in figures)),
              Series("other answers", PALETTE[1], tuple(
                  max(0, f.answers - f.connects - f.abandons) for f in figures)),
              Series("not answered", "#c8d6e5", tuple(
                  max(0, f.dials - max(f.answers, f.connects + f.abandons)) for f in figures))]
    categories = [r.bucket.label for r in rows]
    labels = [r.bucket.local_start.strftime("%H:%M" if by_hour else "%m-%d") for r in rows]
    return stacked_bars(f"campaign-chart-{campaign.id}",
                        f"{campaign.name}: dials per {'hour' if by_hour else 'day'}",
                        categories, series, lambda n: f"{n:g}", labels)


def dispositions_svg(report: DispositionReport) -> str:
    """A bar per disposition, the campaigns stacked in it."""
    names = sorted({d for c in report.campaigns for d, _ in c.tally.counts})
    series = [Series(c.name, PALETTE[n % len(PALETTE)],
                     tuple(dict(c.tally.counts).get(d, 0) for d in names))
              for n, c in enumerate(report.campaigns)]
    return stacked_bars("dispositions-chart", "Calls per disposition", names, series,
                        lambda n: f"{n:g}")
