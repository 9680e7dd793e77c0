"""Discrete-event simulation of outbound pacing on simulated time: fixed dial ratios,
an emulation of VICIdial's ADAPT, a clairvoyant bound and the dialer's predictive mode
(the very `dialer.outbound.pacing.predictive_decision` the runtime calls); see
bench/pacing_model.py (far ends, scenarios), bench/pacing_policies.py (policies) and
bench/pacing_report.py (the tables).

A human not bridged to an agent within 2 s is abandoned. A freed agent takes a waiting
outbound human first, then the longest-waiting inbound caller. The policies run every
0.5 s, like the runtime's tick. Abandonment = abandoned / humans answered over the whole
window (every shift of the run, warm-ups included: what the regulator counts);
occupancy = time on calls and in wrap-up / logged-in time, after each shift's warm-up.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from dataclasses import dataclass
from typing import Callable

from bench.pacing_model import RING_TIMEOUT, Fate, Scenario, draw_fate, inbound_talk
from bench.pacing_policies import Adapt, Policy, predictive_lines
from dialer.outbound.pacing import (CallStats, InboundWaits, PacingSettings, RateEstimate,
                                    ServiceLevelTarget)

TICK = 0.5
SAFE_HARBOUR = 2.0
TARGET = 0.03


@dataclass
class Agent:
    idx: int
    state: str = "off"           # off, idle, talk, wrap
    since: float = 0.0
    leaving: bool = False        # logs out when the current call's wrap-up ends
    on_since: float = 0.0        # logged in since
    busy_from: float = 0.0       # the current call's start


@dataclass
class Call:
    fate: Fate
    dialled: float
    stage: str = "dialling"      # dialling, amd, waiting_agent
    since: float = 0.0


class Sim:
    def __init__(self, scenario: Scenario, policy: Policy, seed: int):
        self.s, self.policy = scenario, policy
        self.rng = random.Random(seed)
        self.target = TARGET
        self.agents = [Agent(i) for i in range(scenario.agents)]
        self.idle: deque[int] = deque()                     # longest idle first
        self.waiting: deque[int] = deque()                  # outbound humans, by call id
        self.inbound_queue: deque[float] = deque()          # inbound arrival times
        self.calls: dict[int, Call] = {}
        self.events: list = []
        self.seq = itertools.count()
        self.ids = itertools.count(1)
        self.stats = CallStats()
        self.inbound = RateEstimate()  # inbound callers sharing the agents, as the runtime learns them
        self.inbound_waits = InboundWaits()  # and their waits for an agent
        self.settings = PacingSettings(abandon_target=TARGET, ring_timeout=RING_TIMEOUT,
                                       inbound_target=ServiceLevelTarget(*scenario.inbound_target))
        self.window = [0, 0]                                # abandoned, humans: all run
        self.today = [0, 0, 0]                              # abandoned, humans, dials
        self.m = {"busy": 0.0, "on": 0.0, "in_all": 0, "in_ok": 0}
        self.adapt = Adapt()
        self.last_inbound: float | None = None
        self.chained: set[int] = set()                      # the bound's agent slots
        self.end = (scenario.days - 1) * 86400.0 + scenario.shift
        self.decide: Callable[[Sim, float], int] = {
            "ratio": lambda sim, t: max(0, int(policy.ratio * len(sim.idle) + 1e-9)
                                        - len(sim.calls)),
            "adapt": lambda sim, t: sim.adapt.lines(sim, t),
            "bound": lambda sim, t: 0,  # it dials through `promise`
            "predictive": predictive_lines}[policy.kind]

    # --- helpers ---------------------------------------------------------------------
    def push(self, t: float, kind: str, ref: object = None) -> None:
        heapq.heappush(self.events, (t, next(self.seq), kind, ref))

    def measured(self, a: float, b: float) -> float:
        """Seconds of [a, b] inside the measured part of a shift."""
        total, s = 0.0, self.s
        for day in range(s.days):
            lo, hi = day * 86400.0 + s.warmup, day * 86400.0 + s.shift
            total += max(0.0, min(b, hi) - max(a, lo))
        return total

    def logged_in(self) -> int:
        """Agents logged in and staying (not about to log out after their call)."""
        return sum(1 for a in self.agents if a.state != "off" and not a.leaving)

    def talking(self) -> int:
        return sum(1 for a in self.agents if a.state == "talk")

    def draw_human(self, t: float) -> Fate:
        while (fate := draw_fate(self.rng, self.s, t)).kind != "human":
            pass
        return fate

    def count_human(self, t: float, abandoned: int) -> None:
        for tally in (self.window, self.today):
            tally[0] += abandoned
            tally[1] += 1

    # --- agents ----------------------------------------------------------------------
    def draining(self, t: float) -> bool:
        """After a shift, agents stay until the calls in flight are over."""
        return self.s.agents_at(t) == 0 and bool(self.calls)

    def log_out(self, a: Agent, t: float) -> None:
        if a.state == "idle":
            self.idle.remove(a.idx)
        a.state, a.leaving = "off", False
        self.m["on"] += self.measured(a.on_since, t)

    def go_idle(self, a: Agent, t: float) -> None:
        """An agent logs in or ends a wrap-up: next caller, idle, or logged out."""
        if a.leaving and not self.draining(t):
            self.log_out(a, t)
            return
        a.state, a.since = "idle", t
        if self.waiting:
            cid = self.waiting.popleft()
            self.connect(a, self.calls.pop(cid).fate, t)
        elif self.inbound_queue:
            arrived = self.inbound_queue.popleft()
            self.count_inbound(arrived, t)
            self.connect(a, inbound_talk(self.rng, self.s), t)
        else:
            self.idle.append(a.idx)

    def connect(self, a: Agent, fate: Fate, t: float) -> None:
        a.state, a.since = "talk", t
        a.busy_from = t
        if fate.kind == "human":
            self.count_human(t, 0)
        self.push(t + fate.talk, "talk_end", (a.idx, fate))

    def promise(self, slot: int, free_at: float, t: float) -> None:
        """The clairvoyant bound: the next human of an agent `slot` (0..agents - 1), timed
        to want an agent just before the slot's agent is free; the slot chains while its
        agent is logged in (slots past `agents_at` are away)."""
        if slot >= self.s.agents_at(free_at):
            self.chained.discard(slot)
            return
        self.chained.add(slot)
        fate = self.draw_human(t)
        self.push(max(t, free_at - fate.wants_agent_after - 1e-6), "bound_dial",
                  (slot, free_at, fate))

    def on_bound_dial(self, ref: tuple[int, float, Fate], t: float) -> None:
        slot, free_at, fate = ref
        self.dial(t, fate)
        self.promise(slot, max(t + fate.wants_agent_after, free_at) + fate.talk + fate.wrap, t)

    def staff(self, t: float) -> None:
        """Log agents in or out to match the scenario's schedule."""
        want, have = self.s.agents_at(t), [a for a in self.agents
                                           if a.state != "off" and not a.leaving]
        for a in have[want:]:                 # the excess: idle ones at once, others later
            a.leaving = True
            if a.state == "idle" and not self.draining(t):
                self.log_out(a, t)
        missing = want - len(have)
        for a in self.agents:
            if missing <= 0:
                break
            if a.leaving:
                a.leaving, missing = False, missing - 1
            elif a.state == "off":
                a.on_since, missing = t, missing - 1
                self.go_idle(a, t)
        if self.policy.kind == "bound":
            for slot in set(range(want)) - self.chained:
                self.promise(slot, t, t)
        if t % 86400.0 == 0.0:
            self.today = [0, 0, 0]

    def count_inbound(self, arrived: float, t: float) -> None:
        """An inbound caller taken by an agent (every arrival counts in `in_all`)."""
        self.inbound_waits.observe(t - arrived)
        if self.s.measuring(arrived):
            self.m["in_ok"] += t - arrived <= self.settings.inbound_target.seconds

    # --- calls -----------------------------------------------------------------------
    def dial(self, t: float, fate: Fate | None = None) -> None:
        fate = fate or draw_fate(self.rng, self.s, t)
        self.today[2] += 1
        cid = next(self.ids)
        self.calls[cid] = Call(fate, t, since=t)
        self.push(t + fate.ends_after, "answer" if fate.kind in ("human", "machine")
                  else "gone", cid)

    def on_answer(self, cid: int, t: float) -> None:
        call = self.calls[cid]
        call.stage, call.since = "amd", t
        self.push(t + call.fate.amd, "amd", cid)

    def on_amd(self, cid: int, t: float) -> None:
        call, fate = self.calls[cid], self.calls[cid].fate
        if fate.kind == "machine":
            del self.calls[cid]
            self.stats.observe_attempt("machine", answer_delay=fate.ends_after,
                                       amd_seconds=fate.amd)
        elif self.idle:
            del self.calls[cid]
            self.connect(self.agents[self.idle.popleft()], fate, t)
        else:
            call.stage, call.since = "waiting_agent", t
            self.waiting.append(cid)
            self.push(t + SAFE_HARBOUR, "harbour", cid)

    def on_harbour(self, cid: int, t: float) -> None:
        call = self.calls.get(cid)
        if call is not None and call.stage == "waiting_agent":
            self.waiting.remove(cid)
            del self.calls[cid]
            self.count_human(t, 1)
            self.stats.observe_attempt("abandoned", answer_delay=call.fate.ends_after,
                                       amd_seconds=call.fate.amd)

    def on_talk_end(self, ref: tuple[int, Fate], t: float) -> None:
        idx, fate = ref
        a = self.agents[idx]
        if fate.kind == "human":
            self.stats.observe_attempt("human", answer_delay=fate.ends_after,
                                       amd_seconds=fate.amd)
            self.stats.observe_talk(fate.talk, fate.wrap)
        a.state, a.since = "wrap", t
        self.push(t + fate.wrap, "wrap_end", idx)

    def on_wrap_end(self, idx: int, t: float) -> None:
        a = self.agents[idx]
        self.m["busy"] += self.measured(a.busy_from, t)
        self.go_idle(a, t)

    def on_inbound(self, t: float) -> None:
        """An inbound caller (only while agents are logged in); the next one is drawn."""
        if self.s.agents_at(t):
            if self.last_inbound is not None and self.s.agents_at(self.last_inbound):
                self.inbound.observe_gap(t - self.last_inbound)
            self.last_inbound = t
            self.m["in_all"] += self.s.measuring(t)
            if self.idle:
                self.count_inbound(t, t)
                self.connect(self.agents[self.idle.popleft()],
                             inbound_talk(self.rng, self.s), t)
            else:
                self.inbound_queue.append(t)
        self.push(t + self.rng.expovariate(self.s.inbound_per_hour / 3600), "inbound")

    # --- the run ---------------------------------------------------------------------
    def on_tick(self, t: float) -> None:
        if self.s.agents_at(t) == 0:  # the shift is over: no new call
            if not self.calls:
                for a in self.agents:
                    if a.state == "idle":
                        self.log_out(a, t)
                later = [x for x in self.s.changes() if x > t]  # asleep until the next shift
                if later:
                    self.push(later[0], "tick")
                return
        else:
            for _ in range(self.decide(self, t)):
                self.dial(t)
        self.push(t + TICK, "tick")

    def run(self) -> dict[str, float]:
        for t in self.s.changes():
            self.push(t, "staff")
        self.push(0.0, "tick")
        if self.s.inbound_per_hour:
            self.push(self.rng.expovariate(self.s.inbound_per_hour / 3600), "inbound")
        handlers = {"answer": self.on_answer, "amd": self.on_amd, "harbour": self.on_harbour,
                    "gone": self.on_gone, "talk_end": self.on_talk_end,
                    "wrap_end": self.on_wrap_end}
        while self.events:
            t, _, kind, ref = heapq.heappop(self.events)
            if t >= self.end:
                break
            if kind == "tick":
                self.on_tick(t)
            elif kind == "staff":
                self.staff(t)
            elif kind == "inbound":
                self.on_inbound(t)
            elif kind == "bound_dial":
                self.on_bound_dial(ref, t)
            else:
                handlers[kind](ref, t)
        for a in self.agents:  # still logged in, or on a call, at the end
            if a.state in ("talk", "wrap"):
                self.m["busy"] += self.measured(a.busy_from, self.end)
            if a.state != "off":
                self.m["on"] += self.measured(a.on_since, self.end)
        abandoned, humans = self.window
        return {"occupancy": self.m["busy"] / self.m["on"],
                "abandon": abandoned / humans if humans else 0.0, "humans": humans,
                "service_level": (self.m["in_ok"] / self.m["in_all"]
                                  if self.m["in_all"] else float("nan"))}

    def on_gone(self, cid: int, t: float) -> None:
        self.stats.observe_attempt(self.calls.pop(cid).fate.kind)


def simulate(scenario: Scenario, policy: Policy, seed: int) -> dict[str, float]:
    return Sim(scenario, policy, seed).run()


if __name__ == "__main__":
    from bench.pacing_report import main
    raise SystemExit(main())
