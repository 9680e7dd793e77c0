"""The policies `bench/pacing_sim.py` compares, each a function of the simulator's state at
a tick returning how many calls to place now:

- **fixed r:1**: r x free agents, minus the calls in flight (progressive is 1:1);
- **ADAPT**: an emulation of VICIdial's ADAPT_HARD_LIMIT (bin/AST_VDadapt.pl, read for
  this): every 15 s the dial level is multiplied by 1 + (agents waiting - calls waiting,
  averaged over the last minute) / (agents on calls or waiting, same average), kept in
  [1, max level]; once today's drop rate (drops / humans answered) is over the limit,
  after 50 calls today, the level falls to 1.0. Lines: floor(level x (agents waiting +
  on calls)) - (calls in flight + on calls), as VICIdial counts them. Max level 3,
  VICIdial's default (adaptive_maximum_level);
- **bound**: clairvoyant (bench/pacing_sim.py `Sim.promise`). It reads each call's fate
  before dialling it (outcome, answer delay, AMD time, talk, wrap-up), so it knows when
  each agent will be free, and dials only humans, each at the exact time (not on the
  tick) that makes it want an agent just as one frees up. Non-humans cost an agent
  nothing, so skipping them loses nothing; it abandons no one (but a human promised to
  an agent who then logs out, or whose agent an inbound caller took), so it bounds the
  occupancy of any policy at any abandonment;
- **predictive**: the project's `dialer.outbound.pacing.predictive_decision`, fed only
  what the runtime sees (an agent who asked to log out after the call is not supply).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialer.outbound.pacing import Abandonment, BusyAgent, InFlight, predictive_decision

if TYPE_CHECKING:
    from bench.pacing_sim import Sim

ADAPT_PERIOD, ADAPT_MEMORY, ADAPT_MAX_LEVEL, ADAPT_MIN_DIALS = 15.0, 60.0, 3.0, 50


@dataclass(frozen=True)
class Policy:
    kind: str            # "ratio", "adapt", "bound", "predictive"
    ratio: float = 1.0

    def label(self) -> str:
        if self.kind == "ratio":
            return "progressive 1:1" if self.ratio == 1 else f"fixed {self.ratio:g}:1"
        return {"adapt": "VICIdial ADAPT_HARD_LIMIT", "bound": "clairvoyant bound"}.get(
            self.kind, self.kind)


class Adapt:
    """VICIdial's adaptive dial level (see the module docstring)."""

    def __init__(self) -> None:
        self.level, self.next_update = 1.0, 0.0
        self.samples: deque[tuple[float, int, int]] = deque()  # (t, differential, agents)

    def lines(self, sim: Sim, t: float) -> int:
        idle, talking = len(sim.idle), sim.talking()
        self.samples.append((t, idle - len(sim.waiting), idle + talking))
        while self.samples[0][0] < t - ADAPT_MEMORY:
            self.samples.popleft()
        if t >= self.next_update:
            self.next_update = t + ADAPT_PERIOD
            n = len(self.samples)
            diff = sum(x[1] for x in self.samples) / n
            active = sum(x[2] for x in self.samples) / n
            if active > 0:
                self.level = min(ADAPT_MAX_LEVEL, max(1.0, self.level * (1 + diff / active)))
            abandoned, humans, dials = sim.today
            if dials > ADAPT_MIN_DIALS and abandoned > sim.target * humans:
                self.level = 1.0
        return max(0, math.floor(self.level * (idle + talking) + 1e-9)
                   - len(sim.calls) - talking)


def predictive_lines(sim: Sim, t: float) -> int:
    busy = [BusyAgent("talking" if a.state == "talk" else "wrap_up", t - a.since)
            for a in sim.agents if a.state in ("talk", "wrap") and not a.leaving]
    flight = [InFlight(c.stage, t - c.since) for c in sim.calls.values()]
    return predictive_decision(
        agents_logged_in=sim.logged_in(), agents_free=len(sim.idle), busy=busy,
        in_flight=flight, stats=sim.stats, measured=Abandonment(*sim.window),
        settings=sim.settings, inbound_rate=sim.inbound.per_second,
        inbound_waiting=len(sim.inbound_queue),
        inbound_service=sim.inbound_waits.service_level(
            sim.settings.inbound_target.seconds)).lines
