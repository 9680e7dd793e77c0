"""Inline SVG charts built on the server, pure (no script, no chart library): a frame with
its value axis and category labels, and stacked bars on it. The compliance page's
abandonment chart and the reports' charts are drawn on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 28  # margins: the axis labels


@dataclass(frozen=True)
class Frame:
    """The plot area: `slots` categories side by side, values from 0 to `top`."""

    slots: int
    top: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def plot_h(self) -> float:
        return self.height - TOP - BOTTOM

    @property
    def slot(self) -> float:
        return (self.width - LEFT - RIGHT) / max(1, self.slots)

    @property
    def bottom(self) -> float:
        return TOP + self.plot_h

    def y(self, value: float) -> float:
        return round(TOP + self.plot_h * (1 - value / self.top), 1) if self.top else self.bottom

    def x(self, i: int, at: float = 0.15) -> float:
        """Where slot `i` starts (its bar at 15% of its width), or `at` of the way in."""
        return round(LEFT + (i + at) * self.slot, 1)

    def open(self, chart_id: str, title: str) -> list[str]:
        """The svg element, its title and the base line."""
        return [f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" role="img" '
                f'viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
                f'height="{self.height}">', f'<title>{escape(title)}</title>',
                f'<line x1="{LEFT}" y1="{self.bottom}" x2="{self.width - RIGHT}" '
                f'y2="{self.bottom}" stroke="#888"/>']

    def ticks(self, values: Sequence[float], text: Callable[[float], str]) -> list[str]:
        return [f'<text x="{LEFT - 4}" y="{self.y(v) + 4}" text-anchor="end" '
                f'font-size="10">{escape(text(v))}</text>' for v in values]

    def labels(self, names: Sequence[str], every: int) -> list[str]:
        """The label of every `every`-th slot under it."""
        return [f'<text x="{self.x(i)}" y="{self.height - 10}" font-size="10">'
                f'{escape(name)}</text>' for i, name in enumerate(names) if i % every == 0]


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[float, ...]  # one per category


def stacked_bars(chart_id: str, title: str, categories: Sequence[str],
                 series: Sequence[Series], value_text: Callable[[float], str],
                 labels: Sequence[str] | None = None) -> str:
    """A bar per category, the series stacked from the bottom in order, a legend above;
    each piece is a `rect.bar` with data-series, data-category and a tooltip. `labels`:
    the category labels written under the bars (default: the categories)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    frame = Frame(len(categories), max([*totals, 0]) * 1.1 or 1)
    parts = frame.open(chart_id, title)
    parts += frame.ticks((0, frame.top / 2, frame.top), value_text)
    width = round(frame.slot * 0.7, 1)
    for i, category in enumerate(categories):
        below = 0.0
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            y = frame.y(below + value)
            parts.append(f'<rect class="bar" data-series="{escape(s.name)}" '
                         f'data-category="{escape(category)}" x="{frame.x(i)}" y="{y}" '
                         f'width="{width}" height="{round(frame.y(below) - y, 1)}" '
                         f'fill="{s.colour}"><title>{escape(category)}: {escape(s.name)} '
                         f'{escape(value_text(value))}</title></rect>')
            below += value
    shown = labels if labels is not None else categories
    parts += frame.labels(shown, max(1, -(-len(shown) // 8)))  # 8 labels at most
    for n, s in enumerate(series):  # the legend, along the top
        x = LEFT + 8 + n * 110
        parts.append(f'<rect class="legend" x="{x}" y="{TOP}" width="10" height="10" '
                     f'fill="{s.colour}"/><text x="{x + 14}" y="{TOP + 9}" font-size="10">'
                     f'{escape(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
