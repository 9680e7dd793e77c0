"""The far end and the shift of `bench/pacing_sim.py`: scenarios, two independent laws of
ring time / AMD / talk, and each call's fate drawn when it is dialled (so a clairvoyant
policy can read it, and every policy meets the same kind of callee).

Far end "A" (the one the policy was first tuned on): humans and machines answer after
2 s + Gamma(3, 3 s); AMD U(1.2, 2.2) s for a human, U(2, 4) s for a machine; busy after
3 s; no answer rings 25 s; talk lognormal (CV 1). Far end "B" (independent, never used
for tuning): answer after lognormal(mean 14 s, CV 0.7), AMD lognormal(2.4 s, CV 0.35) for
a human and lognormal(3.6 s, CV 0.5) for a machine (the laws overlap), busy after
U(1, 8) s, talk Gamma(shape 2) (CV 0.71). Both: a no-answer rings until the dialer's
25 s timeout.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

RING_TIMEOUT = 25.0


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    s2 = math.log(1 + cv * cv)
    return rng.lognormvariate(math.log(mean) - s2 / 2, math.sqrt(s2))


@dataclass(frozen=True)
class Scenario:
    name: str
    agents: int
    human: float = 0.25
    machine: float = 0.15
    busy: float = 0.10
    far_end: str = "A"
    talk_mean: float = 120.0
    wrap: tuple[float, float] = (5.0, 15.0)
    warmup: float = 1800.0
    measured: float = 3 * 3600.0
    # the answer rate (humans and machines alike) times `answer_factor` from this second on
    change_at: float | None = None
    answer_factor: float = 1.0
    # a share of the agents logs out (after their call) for the middle third of the shift
    away_share: float = 0.0
    days: int = 1                      # shifts of warmup + measured, 24 h apart
    inbound_per_hour: float = 0.0      # inbound callers sharing the agents (Poisson)
    inbound_target: tuple[float, float] = (0.8, 20.0)  # their service level: share within s

    @property
    def shift(self) -> float:
        return self.warmup + self.measured

    def agents_at(self, t: float) -> int:
        """Agents meant to be logged in at `t` (seconds from the first shift's start)."""
        day, into = divmod(t, 86400.0)
        if day >= self.days or into >= self.shift:
            return 0
        third = self.measured / 3
        if self.away_share and self.warmup + third <= into < self.warmup + 2 * third:
            return self.agents - round(self.away_share * self.agents)
        return self.agents

    def changes(self) -> list[float]:
        """When `agents_at` may change, in order."""
        third = self.measured / 3
        out = []
        for day in range(self.days):
            at = [0.0, self.shift]
            if self.away_share:
                at[1:1] = [self.warmup + third, self.warmup + 2 * third]
            out += [day * 86400.0 + x for x in at]
        return out

    def measuring(self, t: float) -> bool:
        into = t % 86400.0
        return t < self.days * 86400.0 and self.warmup <= into < self.shift


@dataclass
class Fate:
    """A dialled call's future, drawn at dial time."""
    kind: str                  # human, machine, busy, no_answer
    ends_after: float          # seconds from the dial to its answer (or to busy / timeout)
    amd: float = 0.0           # seconds from the answer to the AMD verdict
    talk: float = 0.0          # if a human who gets an agent
    wrap: float = 0.0

    @property
    def wants_agent_after(self) -> float:
        return self.ends_after + self.amd


def draw_fate(rng: random.Random, s: Scenario, t: float) -> Fate:
    factor = s.answer_factor if s.change_at is not None and t >= s.warmup + s.change_at else 1.0
    h, mach = s.human * factor, s.machine * factor
    u = rng.random()
    kind = ("human" if u < h else "machine" if u < h + mach
            else "busy" if u < h + mach + s.busy else "no_answer")
    if kind == "no_answer":
        return Fate(kind, RING_TIMEOUT)
    if kind == "busy":
        return Fate(kind, 3.0 if s.far_end == "A" else rng.uniform(1, 8))
    if s.far_end == "A":
        answer = 2 + rng.gammavariate(3, 3)
        amd = rng.uniform(1.2, 2.2) if kind == "human" else rng.uniform(2, 4)
        talk = _lognormal(rng, s.talk_mean, 1.0)
    else:
        answer = min(_lognormal(rng, 14.0, 0.7), RING_TIMEOUT - 0.5)
        amd = _lognormal(rng, 2.4, 0.35) if kind == "human" else _lognormal(rng, 3.6, 0.5)
        talk = rng.gammavariate(2, s.talk_mean / 2)
    return Fate(kind, answer, amd, talk, rng.uniform(*s.wrap))


def inbound_talk(rng: random.Random, s: Scenario) -> Fate:
    return Fate("inbound", 0.0, 0.0, _lognormal(rng, s.talk_mean, 1.0), rng.uniform(*s.wrap))
