"""Predictive pacing: how many new calls to place now, as a pure function of live statistics.

The model, in four steps (everything is passed in: no clock, no I/O):

1. **Learned distributions** (`CallStats`, updated from every finished attempt, forgetting
   exponentially so a change of answer rate mid-campaign is followed within a few hundred
   attempts): the share of dials that end as a human / a machine (answered, not for an
   agent) / a no-answer (rings until the timeout) / a quick rejection (busy, congestion,
   failed); and lognormal fits of the answer delay, the AMD time of humans and of
   machines, and the talk time; the mean wrap-up. Priors (weight of ~20 attempts, a high
   human rate) make a new campaign start close to progressive.

2. **Demand** `X`: the humans who will want an agent soon. Each call in flight counts
   with its probability of being a human given its stage and age (a call still ringing
   after 15 s is most likely a no-answer; a call 2.5 s into AMD is most likely a
   machine); a call waiting for an agent counts 1. Each new call counts `p`, an upper
   confidence bound of the human rate (cautious while little is known). Inbound callers
   sharing the agents (blended) come first: those waiting count 1 each, and the arrival
   rate (learned from the gaps between arrivals) x the horizon counts as Poisson demand,
   weighted up while the recent callers fall short of the campaign's service level (80%
   taken within 20 s unless set): an integral controller, `inbound_weight`.

3. **Supply** `Y`: the agents free by the time a new call's human would arrive (horizon
   = mean answer delay + mean human AMD time + the 2 s safe harbour): the free agents,
   agents in wrap-up whose mean wrap-up ends within it, and each agent on a call with the
   probability (from the talk-time distribution, given how long they have talked) that
   the call and its wrap-up end within it.

4. **Decision**: place the k-th new call only if its human would find an agent: with
   `X` and `Y` as independent sums of Bernoullis, in a normal approximation,
   P(X_others >= Y) <= r. The allowed risk `r` comes from an integral controller on the
   window's (30 days; 24 h for the UK option) spare abandonments, target x humans -
   abandoned: r = target x 2.5 x exp((spare - wanted) / 1.5), wanted = 2.5 + 2% of the
   budget, r kept within [0.1, 8] x target. The factor 2.5 is a first calibration (the
   last call placed carries more risk than the average one); the controller corrects
   it on any far end: every abandonment beyond the wanted spare cuts r by half, every
   spare one under it raises r alike, so a window's unused margin (a slow start, a
   drop of the answer rate, a quiet night) is spent, and realised abandonment ends the
   window a couple of abandonments under the target (bench/pacing_report.py measures
   it on two independent far ends). The human of a new call is taken to arrive anywhere
   from 0.5 to 1.5 x the horizon (supply averaged over five points).

Bounds: no fixed lines per agent. At most 2 expected humans in flight per agent logged
in at the learned human rate (a 10% rate allows 20 lines per agent, 25% allows 8: the
risk binds well before); an operator's `max_lines_per_agent` if set; the absolute
`line_limit` (the trunks' capacity); never above the hourly cap; nothing with no agent
logged in; never fewer lines than progressive (one per free agent that no call in
flight, inbound caller waiting or inbound caller due within the horizon will take; as
many due as a Poisson count may bring but for the allowed risk, at most the target).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Sequence

SAFE_HARBOUR_SECONDS = 2.0  # as outbound.decisions: a human waits at most this for an agent
HORIZON_SPREAD = (0.5, 0.75, 1.0, 1.25, 1.5)  # where a new call's human may arrive
RISK_BASE, RISK_MIN, RISK_MAX = 2.5, 0.1, 8.0  # x target; see allowed_risk
SPARE_ABANDONS, AIM_MARGIN, SPARE_SCALE = 2.5, 0.02, 1.5  # see allowed_risk
HUMANS_IN_FLIGHT_PER_AGENT, MIN_HUMAN_RATE = 2.0, 0.02  # see line_cap
SL_SPARE, SL_SCALE, SL_WEIGHT_MAX = 2.0, 3.0, 8.0  # see inbound_weight
VAR_FLOOR = 0.25

# How a finished attempt counts for pacing.
HUMAN, MACHINE, NO_ANSWER, REJECTED = "human", "machine", "no_answer", "rejected"
_CLASS_OF_OUTCOME = {
    "human": HUMAN, "abandoned": HUMAN,               # a human, bridged or not
    "machine": MACHINE, "hangup_during_amd": MACHINE,  # answered, never for an agent
    "no_answer": NO_ANSWER,
    "busy": REJECTED, "congestion": REJECTED, "failed": REJECTED,
}


def outcome_class(outcome: str | None) -> str | None:
    """The pacing class of an attempt's outcome; None: not informative (lost, unknown)."""
    return _CLASS_OF_OUTCOME.get(outcome or "")


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


class LogNormalEstimate:
    """A duration's lognormal fit, exponentially weighted: the mean and variance of
    log(duration) over roughly the last `memory` observations, starting from a prior
    worth `prior_weight` observations."""

    def __init__(self, mean: float, cv: float, *, prior_weight: float = 10,
                 memory: float = 200):
        s2 = math.log(1 + cv * cv)
        self.mu, self.var = math.log(mean) - s2 / 2, s2
        self.weight, self.memory = prior_weight, memory

    def observe(self, seconds: float) -> None:
        y = math.log(max(seconds, 0.05))
        self.weight = min(self.weight + 1, self.memory)
        a = 1 / self.weight
        delta = y - self.mu
        self.mu += a * delta
        self.var = max((1 - a) * (self.var + a * delta * delta), 1e-4)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.var / 2)

    def survival(self, t: float) -> float:
        """P(duration > t)."""
        if t <= 0:
            return 1.0
        return 1 - _phi((math.log(t) - self.mu) / math.sqrt(self.var))


class RateEstimate:
    """An arrival rate from the gaps between arrivals, exponentially weighted over about
    the last `memory` gaps; zero until `min_gaps` were seen."""

    def __init__(self, *, memory: float = 50, min_gaps: int = 3):
        self.mean_gap, self.weight, self.memory, self.min_gaps = 0.0, 0.0, memory, min_gaps
        self.gaps = 0

    def observe_gap(self, seconds: float) -> None:
        self.gaps += 1
        self.weight = min(self.weight + 1, self.memory)
        self.mean_gap += (max(seconds, 0.0) - self.mean_gap) / self.weight

    @property
    def per_second(self) -> float:
        if self.gaps < self.min_gaps or self.mean_gap <= 0:
            return 0.0
        return 1 / self.mean_gap


@dataclass(frozen=True)
class ServiceLevel:
    """Inbound callers' recent waits for the agents: how many, and how many an agent took
    within the target's seconds."""
    callers: int = 0
    within: int = 0


class InboundWaits:
    """The last `memory` inbound callers' waits for the agents (None: none took them)."""

    def __init__(self, memory: int = 100):
        self.waits: deque[float | None] = deque(maxlen=memory)

    def observe(self, waited: float | None) -> None:
        self.waits.append(waited)

    def service_level(self, seconds: float) -> ServiceLevel:
        return ServiceLevel(len(self.waits),
                            sum(1 for w in self.waits if w is not None and w <= seconds))


@dataclass
class CallStats:
    """What one campaign's finished attempts taught so far (kept in memory, per campaign).

    `memory`: about how many recent attempts the outcome shares follow.
    """

    memory: float = 300
    prior_weight: float = 20
    shares: dict[str, float] = field(default_factory=lambda: {
        HUMAN: 0.6, MACHINE: 0.2, NO_ANSWER: 0.2, REJECTED: 0.0})
    answer_delay: LogNormalEstimate = field(default_factory=lambda: LogNormalEstimate(8, 0.6))
    amd_human: LogNormalEstimate = field(default_factory=lambda: LogNormalEstimate(1.8, 0.3))
    amd_machine: LogNormalEstimate = field(default_factory=lambda: LogNormalEstimate(3.0, 0.3))
    talk: LogNormalEstimate = field(default_factory=lambda: LogNormalEstimate(90, 1.0))
    wrap_mean: float = 5.0
    weight: float = 0.0

    def __post_init__(self) -> None:
        if not self.weight:
            self.weight = self.prior_weight

    def observe_attempt(self, outcome: str | None, *, answer_delay: float | None = None,
                        amd_seconds: float | None = None) -> None:
        """A finished attempt: its outcome (the dialer's, see `outcome_class`), seconds
        from dial to answer and from answer to the AMD verdict when known."""
        kind = outcome_class(outcome)
        if kind is None:
            return
        self.weight = min(self.weight + 1, self.memory)
        a = 1 / self.weight
        for k in self.shares:
            self.shares[k] += a * ((k == kind) - self.shares[k])
        if answer_delay is not None and kind in (HUMAN, MACHINE):
            self.answer_delay.observe(answer_delay)
        if amd_seconds is not None and kind in (HUMAN, MACHINE):
            (self.amd_human if kind == HUMAN else self.amd_machine).observe(amd_seconds)

    def observe_talk(self, seconds: float, wrap_seconds: float | None = None) -> None:
        """A call an agent had: its length, and the wrap-up that followed."""
        self.talk.observe(seconds)
        if wrap_seconds is not None:
            self.wrap_mean += (max(wrap_seconds, 0.0) - self.wrap_mean) / 50

    @property
    def human_rate(self) -> float:
        return self.shares[HUMAN]

    def human_rate_upper(self, z: float = 0.5) -> float:
        """A cautious human rate: the estimate plus z standard errors."""
        p = self.shares[HUMAN]
        return min(1.0, p + z * math.sqrt(max(p * (1 - p), 0.01) / self.weight))

    def horizon(self) -> float:
        """Seconds from a dial to its human wanting an agent, plus the safe harbour."""
        return self.answer_delay.mean + self.amd_human.mean + SAFE_HARBOUR_SECONDS


@dataclass(frozen=True)
class InFlight:
    stage: str    # "dialling", "amd", "waiting_agent"
    age: float    # seconds in that stage


@dataclass(frozen=True)
class BusyAgent:
    stage: str    # "talking" or "wrap_up"
    elapsed: float


@dataclass(frozen=True)
class ServiceLevelTarget:
    """Inbound callers sharing the agents (blended): the share an agent should take within
    `seconds` (80% in 20 s, the usual call-centre target)."""
    share: float = 0.8
    seconds: float = 20.0


@dataclass(frozen=True)
class PacingSettings:
    abandon_target: float = 0.03       # a fraction of humans answered
    ring_timeout: float = 30.0         # how long a no-answer rings
    # an operator's cap on calls in flight per agent logged in; None: the risk decides
    max_lines_per_agent: float | None = None
    # an absolute safety limit on this campaign's calls in flight (the trunks' capacity)
    line_limit: int | None = None
    inbound_target: ServiceLevelTarget = ServiceLevelTarget()


@dataclass(frozen=True)
class Abandonment:
    """Measured over the rolling window: humans abandoned, of all humans who answered."""
    abandoned: int = 0
    humans: int = 0


def human_probability(call: InFlight, stats: CallStats, ring_timeout: float) -> float:
    """P(this call in flight will be a human who wants an agent)."""
    s = stats.shares
    if call.stage == "waiting_agent":
        return 1.0
    if call.stage == "amd":
        h = s[HUMAN] * stats.amd_human.survival(call.age)
        m = s[MACHINE] * stats.amd_machine.survival(call.age)
        return h / (h + m) if h + m > 1e-12 else 0.0
    answered_later = stats.answer_delay.survival(call.age)
    ringing = s[NO_ANSWER] if call.age < ring_timeout else 0.0
    denominator = (s[HUMAN] + s[MACHINE]) * answered_later + ringing
    return s[HUMAN] * answered_later / denominator if denominator > 1e-12 else 0.0


def free_probability(agent: BusyAgent, stats: CallStats, horizon: float) -> float:
    """P(a busy agent is free within `horizon` seconds)."""
    if agent.stage == "wrap_up":
        return 1.0 if stats.wrap_mean - agent.elapsed <= horizon else 0.0
    left = horizon - stats.wrap_mean
    if left <= 0:
        return 0.0
    alive = stats.talk.survival(agent.elapsed)
    if alive <= 1e-12:
        return 1.0
    return max(0.0, 1 - stats.talk.survival(agent.elapsed + left) / alive)


def allowed_risk(measured: Abandonment, target: float) -> float:
    """The abandonment risk a new call may carry: an integral controller on the window's
    spare abandonments (target x humans - abandoned), aiming to keep `SPARE_ABANDONS` +
    `AIM_MARGIN` of the budget in hand. Each abandonment over that multiplies the risk
    by exp(-1 / SPARE_SCALE); each spare one under it divides it likewise."""
    if target <= 0:
        return 0.0
    spare = target * measured.humans - measured.abandoned
    wanted = SPARE_ABANDONS + AIM_MARGIN * target * measured.humans
    return target * min(RISK_MAX, max(RISK_MIN, RISK_BASE * math.exp(
        (spare - wanted) / SPARE_SCALE)))


def inbound_weight(measured: ServiceLevel, target: ServiceLevelTarget) -> float:
    """How much of the inbound callers expected within the horizon new calls must leave
    agents for: an integral controller on the recent callers answered in time beyond the
    target's share, aiming `SL_SPARE` of them in hand: each one short multiplies the weight
    by exp(1 / SL_SCALE), up to `SL_WEIGHT_MAX` times the expected callers (agents are
    held back for them); each one over divides it likewise, never below the expected
    callers themselves (a caller takes a free agent first: counting fewer would leave
    the humans of new calls without one)."""
    spare = measured.within - target.share * measured.callers
    return min(SL_WEIGHT_MAX, max(1.0, math.exp(-(spare - SL_SPARE) / SL_SCALE)))


def poisson_quantile(mean: float, tail: float) -> int:
    """The fewest k with P(Poisson(mean) > k) <= tail."""
    k, term = 0, math.exp(-mean)
    cdf, most = term, math.ceil(mean + 10 * math.sqrt(mean) + 10)
    while 1 - cdf > tail and k < most:
        k += 1
        term *= mean / k
        cdf += term
    return k


def line_cap(agents_logged_in: int, in_flight: int, human_rate: float,
             settings: PacingSettings) -> int:
    """How many more calls may be in flight: at most `HUMANS_IN_FLIGHT_PER_AGENT`
    expected humans per agent at the learned human rate (a 10% rate allows 2.5 times
    the lines of a 25% one), the operator's per-agent cap if any, the line limit."""
    lines = agents_logged_in * HUMANS_IN_FLIGHT_PER_AGENT / max(human_rate, MIN_HUMAN_RATE)
    if settings.max_lines_per_agent is not None:
        lines = min(lines, settings.max_lines_per_agent * agents_logged_in)
    if settings.line_limit is not None:
        lines = min(lines, settings.line_limit)
    return math.floor(lines + 1e-9) - in_flight


@dataclass(frozen=True)
class PacingDecision:
    lines: int
    human_rate: float   # the cautious rate used for new calls
    demand: float       # expected humans from the calls in flight
    supply: float       # expected agents free within the horizon
    risk: float         # allowed P(abandon) of the last call placed


def predictive_decision(*, agents_logged_in: int, agents_free: int,
                        busy: Sequence[BusyAgent], in_flight: Sequence[InFlight],
                        stats: CallStats, measured: Abandonment,
                        settings: PacingSettings = PacingSettings(),
                        hourly_left: int | None = None,
                        max_new: int | None = None,
                        inbound_rate: float = 0.0,
                        inbound_waiting: int = 0,
                        inbound_service: ServiceLevel = ServiceLevel()) -> PacingDecision:
    """How many new calls to place now, and why (see the module docstring)."""
    p = stats.human_rate_upper()
    risk = allowed_risk(measured, settings.abandon_target)
    cap = line_cap(agents_logged_in, len(in_flight), stats.human_rate, settings)
    if hourly_left is not None:
        cap = min(cap, hourly_left)
    if max_new is not None:
        cap = min(cap, max_new)
    if agents_logged_in <= 0 or cap <= 0:
        return PacingDecision(0, p, 0.0, 0.0, risk)

    horizon = stats.horizon()
    # the human of a new call arrives around the horizon, not exactly at it
    spread = [horizon * f for f in HORIZON_SPREAD]
    qs = [sum(free_probability(a, stats, h) for h in spread) / len(spread) for a in busy]
    supply_mean = agents_free + sum(qs)
    supply_var = sum(q * (1 - q) for q in qs)
    ps = [human_probability(c, stats, settings.ring_timeout) for c in in_flight]
    # callers who arrive first take agents first, as many as their service level needs
    inbound = inbound_rate * horizon * inbound_weight(inbound_service, settings.inbound_target)
    demand_mean = sum(ps) + inbound_waiting + inbound
    demand_var = sum(x * (1 - x) for x in ps) + inbound

    def risk_of(k: int) -> float:
        """P(the k-th new call's human finds every agent taken)."""
        mean = demand_mean + (k - 1) * p - supply_mean
        var = demand_var + supply_var + (k - 1) * p * (1 - p) + VAR_FLOOR
        return _phi((mean + 0.5) / math.sqrt(var))

    lo, hi = 0, cap  # the largest k in [0, cap] with risk_of(k) <= risk (monotone in k)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if risk_of(mid) <= risk:
            lo = mid
        else:
            hi = mid - 1
    # one line per free agent no caller in flight, waiting or soon arriving will take (as
    # many arriving as there may be but for the allowed risk, at most the target's: each
    # takes a free agent first)
    progressive = (agents_free - len(in_flight) - inbound_waiting
                   - poisson_quantile(inbound, min(risk, settings.abandon_target)))
    lines = max(0, min(cap, max(lo, progressive)))
    return PacingDecision(lines, p, demand_mean, supply_mean, risk)


def predictive_lines(**kwargs: Any) -> int:
    """`predictive_decision(...).lines`."""
    return predictive_decision(**kwargs).lines
