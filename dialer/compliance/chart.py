"""The compliance page's chart, pure: daily abandonment as an inline SVG built on the
server (no script, no chart library), the limit drawn as a red line across it.

A bar per day (the day's own figure), a line for the rolling 30-day figure, the limit as a
dashed line; the scale holds the limit and the highest figure with some headroom.
"""

from __future__ import annotations

from html import escape

from .report import CampaignReport

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 28  # margins: the axis labels


def abandonment_svg(report: CampaignReport) -> str:
    days = report.days
    values = [v for d in days for v in (d.day_percent, d.rolling_percent) if v is not None]
    top = max([report.limit_percent * 1.5, *(v * 1.1 for v in values)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))

    def y(percent: float) -> float:
        return round(TOP + plot_h * (1 - percent / top), 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="abandonment-chart" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
             f'<title>Abandonment per day, limit {report.limit_percent:g}%</title>',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
             f'stroke="#888"/>']
    for tick in (0.0, report.limit_percent, top):
        parts.append(f'<text x="{LEFT - 4}" y="{y(tick) + 4}" text-anchor="end" '
                     f'font-size="10">{tick:.1f}%</text>')
    for i, d in enumerate(days):
        x = round(LEFT + i * slot + slot * 0.15, 1)
        if d.day_percent is not None:
            colour = "#c0392b" if d.over_limit else "#4a7fb5"
            parts.append(f'<rect class="day" data-day="{d.day.isoformat()}" x="{x}" '
                         f'y="{y(d.day_percent)}" width="{round(slot * 0.7, 1)}" '
                         f'height="{round(TOP + plot_h - y(d.day_percent), 1)}" fill="{colour}">'
                         f'<title>{d.day.isoformat()}: {d.day_percent:g}% '
                         f'({d.abandoned} of {d.humans})</title></rect>')
        if i % max(1, len(days) // 6) == 0:
            parts.append(f'<text x="{x}" y="{HEIGHT - 10}" font-size="10">'
                         f'{d.day.strftime("%m-%d")}</text>')
    rolling = [(round(LEFT + (i + 0.5) * slot, 1), y(d.rolling_percent))
               for i, d in enumerate(days) if d.rolling_percent is not None]
    if rolling:
        points = " ".join(f"{x},{y_}" for x, y_ in rolling)
        parts.append(f'<polyline class="rolling" points="{points}" fill="none" '
                     f'stroke="#333" stroke-width="1.5"><title>rolling 30 days</title>'
                     f'</polyline>')
    parts.append(f'<line class="limit" x1="{LEFT}" y1="{y(report.limit_percent)}" '
                 f'x2="{WIDTH - RIGHT}" y2="{y(report.limit_percent)}" stroke="#c0392b" '
                 f'stroke-dasharray="6 4" stroke-width="2"><title>limit '
                 f'{escape(f"{report.limit_percent:g}")}% ({report.measured_over})</title>'
                 f'</line>')
    parts.append("</svg>")
    return "".join(parts)
