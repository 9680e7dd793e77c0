"""The compliance page's chart, pure: daily abandonment as an inline SVG built on the
server (core.charts), the limit drawn as a red line across it.

A bar per day (the day's own figure), a line for the rolling 30-day figure, the limit as a
dashed line; the scale holds the limit and the highest figure with some headroom.
"""

from __future__ import annotations

from html import escape

from ..core.charts import LEFT, RIGHT, Frame
from .report import CampaignReport


def abandonment_svg(report: CampaignReport) -> str:
    days = report.days
    values = [v for d in days for v in (d.day_percent, d.rolling_percent) if v is not None]
    frame = Frame(len(days), max([report.limit_percent * 1.5, *(v * 1.1 for v in values)]))
    y = frame.y
    parts = frame.open("abandonment-chart",
                       f"Abandonment per day, limit {report.limit_percent:g}%")
    parts += frame.ticks((0.0, report.limit_percent, frame.top), lambda t: f"{t:.1f}%")
    for i, d in enumerate(days):
        if d.day_percent is not None:
            colour = "#c0392b" if d.over_limit else "#4a7fb5"
            parts.append(f'<rect class="day" data-day="{d.day.isoformat()}" x="{frame.x(i)}" '
                         f'y="{y(d.day_percent)}" width="{round(frame.slot * 0.7, 1)}" '
                         f'height="{round(frame.bottom - y(d.day_percent), 1)}" fill="{colour}">'
                         f'<title>{d.day.isoformat()}: {d.day_percent:g}% '
                         f'({d.abandoned} of {d.humans})</title></rect>')
    parts += frame.labels([d.day.strftime("%m-%d") for d in days], max(1, len(days) // 6))
    rolling = [(frame.x(i, 0.5), y(d.rolling_percent))
               for i, d in enumerate(days) if d.rolling_percent is not None]
    if rolling:
        points = " ".join(f"{x},{y_}" for x, y_ in rolling)
        parts.append(f'<polyline class="rolling" points="{points}" fill="none" '
                     f'stroke="#333" stroke-width="1.5"><title>rolling 30 days</title>'
                     f'</polyline>')
    parts.append(f'<line class="limit" x1="{LEFT}" y1="{y(report.limit_percent)}" '
                 f'x2="{frame.width - RIGHT}" y2="{y(report.limit_percent)}" stroke="#c0392b" '
                 f'stroke-dasharray="6 4" stroke-width="2"><title>limit '
                 f'{escape(f"{report.limit_percent:g}")}% ({report.measured_over})</title>'
                 f'</line>')
    parts.append("</svg>")
    return "".join(parts)
