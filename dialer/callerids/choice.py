"""Which number of a caller-ID pool a call shows, and which numbers to rest.

The choice (`choose`): among the numbers neither rested nor at the pool's daily cap, the
one closest to the callee (same area code, then region, then country: presence.py), the
least used today among those, the oldest on a tie. None left: `Exhausted`, and the
campaign does not dial (a call always shows a caller ID).

Resting (`to_rest`): a number whose answer rate today is well below the pool's (a sign
carriers label it spam) is rested, once both have a minimum of finished calls; a rested
number comes back by itself after `rest` (or when an admin says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .presence import closeness, presence_of

EXHAUSTED = "caller_id_pool_exhausted"  # the "why not" reason's code


@dataclass(frozen=True)
class PoolNumber:
    """A pool's number with today's figures: `calls_today` counts every call placed
    (the cap's count), `finished` and `answers` the calls ended today and those a person
    answered."""

    id: int
    number: str
    calls_today: int = 0
    finished: int = 0
    answers: int = 0
    rested_since: dt.datetime | None = None
    rested_why: str | None = None

    @property
    def answer_rate(self) -> float | None:
        return self.answers / self.finished if self.finished else None


@dataclass(frozen=True)
class PoolRules:
    daily_cap: int | None = None      # calls per number per day (None: no cap)
    rest: dt.timedelta = dt.timedelta(days=7)
    min_sample: int = 30               # finished calls before a rate is judged
    low_ratio: float = 0.5             # rested below this share of the pool's rate

    def resting(self, n: PoolNumber, now: dt.datetime) -> bool:
        return n.rested_since is not None and now - n.rested_since < self.rest

    def capped(self, n: PoolNumber) -> bool:
        return self.daily_cap is not None and n.calls_today >= self.daily_cap


@dataclass(frozen=True)
class Chosen:
    number: PoolNumber
    closeness: int  # 3 area code, 2 region, 1 country, 0 elsewhere


@dataclass(frozen=True)
class Exhausted:
    reason: str
    code: str = EXHAUSTED


@dataclass(frozen=True)
class Rest:
    number_id: int
    why: str


def choose(callee: str, numbers: Sequence[PoolNumber], rules: PoolRules,
           now: dt.datetime) -> Chosen | Exhausted:
    usable = [n for n in numbers if not rules.resting(n, now) and not rules.capped(n)]
    if not usable:
        return Exhausted(why_exhausted(numbers, rules, now))
    where = presence_of(callee)
    best = min(usable, key=lambda n: (-closeness(presence_of(n.number), where),
                                      n.calls_today, n.id))
    return Chosen(best, closeness(presence_of(best.number), where))


def why_exhausted(numbers: Sequence[PoolNumber], rules: PoolRules, now: dt.datetime) -> str:
    if not numbers:
        return "the caller-ID pool has no number"
    rested = sum(1 for n in numbers if rules.resting(n, now))
    if rested == len(numbers):
        return f"every number of the caller-ID pool is rested ({rested})"
    return (f"every number of the caller-ID pool is rested ({rested}) or at its daily cap "
            f"of {rules.daily_cap} calls ({len(numbers) - rested})")


def to_rest(numbers: Sequence[PoolNumber], rules: PoolRules, now: dt.datetime) -> tuple[Rest, ...]:
    """The numbers in use to rest now, each with why."""
    active = [n for n in numbers if not rules.resting(n, now)]
    finished = sum(n.finished for n in active)
    if finished < rules.min_sample:
        return ()
    pool_rate = sum(n.answers for n in active) / finished
    return tuple(
        Rest(n.id, f"answer rate {n.answers}/{n.finished} ({rate:.0%}) well below the "
                   f"pool's {pool_rate:.0%}")
        for n in active
        if n.finished >= rules.min_sample and (rate := n.answers / n.finished)
        < pool_rate * rules.low_ratio)
