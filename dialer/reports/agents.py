"""Agent performance, pure: each agent's session log (agents.session_log) spread over
the period's hours, then added up into days and the whole period.

Per bucket: calls (counted in the hour the call began; a call already under way when the
period starts adds its time, not a call), talk (on the call), wrap-up, pause by reason
(not ready; "" is no reason given), logged in (every state from login to logout), and
occupancy = (talk + wrap-up) / (logged in - pauses): the share of the time an agent was
available for work that they spent on calls and their wrap-up. Times are whole seconds,
so the hours add up to the day and the days to the period exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from ..agents.session_log import Entry, LogKind, LogLine, session_log
from .periods import Breakdown, Bucket, Period, breakdown, bucket_of, spread, whole_seconds


@dataclass(frozen=True)
class AgentEntries:
    """An agent and the states their session entered (time order; the first may be from
    before the period: the state they were in when it starts)."""

    agent_id: int
    name: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class AgentFigures:
    calls: int = 0
    talk_seconds: int = 0
    wrap_seconds: int = 0
    pause_by_reason: dict[str, int] = field(default_factory=dict)  # seconds ("": none given)
    logged_in_seconds: int = 0

    @property
    def paused_seconds(self) -> int:
        return sum(self.pause_by_reason.values())

    @property
    def occupancy_percent(self) -> float | None:
        """(talk + wrap-up) / (logged in - pauses); None: never available."""
        available = self.logged_in_seconds - self.paused_seconds
        if available <= 0:
            return None
        return round(100 * (self.talk_seconds + self.wrap_seconds) / available, 1)

    def __add__(self, other: AgentFigures) -> AgentFigures:
        return AgentFigures(self.calls + other.calls, self.talk_seconds + other.talk_seconds,
                            self.wrap_seconds + other.wrap_seconds,
                            dict(Counter(self.pause_by_reason) + Counter(other.pause_by_reason)),
                            self.logged_in_seconds + other.logged_in_seconds)


@dataclass(frozen=True)
class AgentPerformance:
    account_id: int
    period: Period
    agents: tuple[Breakdown[AgentFigures], ...]

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        """Every reason any agent paused for, sorted ("" first: no reason given)."""
        return tuple(sorted({r for a in self.agents for r in a.total.pause_by_reason}))


class _Tally:
    """Per-bucket accumulators (mutable while one agent's lines are spread)."""

    def __init__(self, count: int):
        self.calls = [0] * count
        self.talk = [0] * count
        self.wrap = [0] * count
        self.logged_in = [0] * count
        self.pause: list[Counter[str]] = [Counter() for _ in range(count)]

    def add(self, into: list[int], start: dt.datetime, seconds: int,
            hours: tuple[Bucket, ...]) -> None:
        for i, s in spread(start, seconds, hours):
            into[i] += s

    def figures(self, i: int) -> AgentFigures:
        return AgentFigures(self.calls[i], self.talk[i], self.wrap[i],
                            {r: s for r, s in self.pause[i].items() if s}, self.logged_in[i])


def _tally_line(t: _Tally, line: LogLine, hours: tuple[Bucket, ...], carried: bool) -> None:
    if line.kind == LogKind.LOGOUT:
        return
    t.add(t.logged_in, line.at, line.seconds, hours)
    if line.kind == LogKind.PAUSE:
        for i, s in spread(line.at, line.seconds, hours):
            t.pause[i][line.pause_reason or ""] += s
    elif line.kind == LogKind.WRAP_UP:
        t.add(t.wrap, line.at, line.seconds, hours)
    elif line.kind == LogKind.CALL:
        talk, wrap = line.talk_seconds or 0, line.wrap_seconds or 0
        t.add(t.talk, line.at, talk, hours)
        t.add(t.wrap, line.at + dt.timedelta(seconds=talk), wrap, hours)
        at = bucket_of(line.at, hours)
        if at is not None and not carried:
            t.calls[at] += 1


def hourly_figures(entries: tuple[Entry, ...], hours: tuple[Bucket, ...], now: dt.datetime
                   ) -> list[AgentFigures]:
    """One agent's figures in each of `hours`, their log read up to `now` at the latest."""
    since, until = hours[0].start, min(hours[-1].end, whole_seconds(now))
    tally = _Tally(len(hours))
    if since >= until:
        return [tally.figures(i) for i in range(len(hours))]
    exact = [replace(e, at=whole_seconds(e.at)) for e in entries]
    lines = session_log(exact, since, until)
    carried = bool(exact) and exact[0].at < since
    for n, line in enumerate(lines):
        _tally_line(tally, line, hours, carried and n == 0)
    return [tally.figures(i) for i in range(len(hours))]


def agent_performance(account_id: int, period: Period, agents: list[AgentEntries],
                      now: dt.datetime) -> AgentPerformance:
    return AgentPerformance(account_id, period, tuple(
        breakdown(a.agent_id, a.name, period, hourly_figures(a.entries, period.hours, now),
                  AgentFigures()) for a in agents))
