"""Which trunk a call goes through now, if any: the routing choice of one attempt.

1. The trunks that may carry it: enabled, open to the account, allowing the destination,
   not already tried by this attempt, and let through by their breaker (a cooled-down
   open trunk takes one probe call).
2. Best first: lower priority, then lower cost per minute (a trunk without a cost after
   those with one), then a weighted draw among trunks equal on both (`draw` in [0, 1)).
3. The first with room: fewer live channels than its cap and fewer calls started in the
   last second than its calls-per-second cap.

No trunk serves the destination, or every one was tried by this attempt: `NoRoute` (the
attempt ends). Trunks serve it, but each is full or out of service: `Wait` until the
soonest one may take it (a call-per-second slot frees, a broken trunk's cool-down ends and
it is probed, or a short recheck for channels and offline endpoints): the call is not
failed, it waits, and a lone broken trunk does not burn the contacts' attempts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .breaker import Admission, Breaker, BreakerPolicy
from .model import Trunk, region_of

# A calls-per-second cap counts the starts of the last second, plus a margin: the carrier
# counts arrivals, which the network spreads by a few milliseconds.
CPS_WINDOW = dt.timedelta(seconds=1, milliseconds=50)
CHANNEL_RECHECK = dt.timedelta(milliseconds=500)  # a channel frees at no known time
OFFLINE_RECHECK = dt.timedelta(seconds=2)  # Asterisk says when it is back: look again soon
DEFAULT_POLICY = BreakerPolicy()


@dataclass(frozen=True)
class TrunkUsage:
    """A trunk's load now, on every node: live channels, and when its recent calls began."""

    channels: int = 0
    recent_starts: tuple[dt.datetime, ...] = ()

    def calls_in_window(self, now: dt.datetime) -> int:
        return sum(1 for t in self.recent_starts if now - t < CPS_WINDOW)


@dataclass(frozen=True)
class Route:
    trunk: Trunk
    probe: bool = False  # the breaker's test call: report its outcome


@dataclass(frozen=True)
class DialLeg:
    """Where a leg is originated: its trunk and the dial string for the callee."""
    trunk_id: int
    endpoint: str


@dataclass(frozen=True)
class Wait:
    until: dt.datetime
    reason: str


@dataclass(frozen=True)
class NoRoute:
    reason: str


@dataclass(frozen=True)
class CallToRoute:
    account_id: int
    e164: str
    tried: frozenset[int] = field(default_factory=frozenset)  # trunk ids this attempt used


def _cost_key(trunk: Trunk) -> tuple[bool, Decimal]:
    return (trunk.cost_per_minute is None, trunk.cost_per_minute or Decimal(0))


def _weighted_order(trunks: Sequence[Trunk], draw: float) -> list[Trunk]:
    """The drawn trunk first (chance proportional to weight), the others after it."""
    if len(trunks) < 2:
        return list(trunks)
    total = sum(t.weight for t in trunks)
    point, upto = draw * total, 0.0
    for index, trunk in enumerate(trunks):
        upto += trunk.weight
        if point < upto:
            return [trunk, *trunks[:index], *trunks[index + 1:]]
    return list(trunks)


def ranked(trunks: Sequence[Trunk], draw: float) -> list[Trunk]:
    """Priority, then cost, then the weighted draw inside each group of equals."""
    order: list[Trunk] = []
    ordered = sorted(trunks, key=lambda t: (t.priority, _cost_key(t), t.id))
    start = 0
    for end in range(1, len(ordered) + 1):
        if end == len(ordered) or (ordered[end].priority, _cost_key(ordered[end])) != (
                ordered[start].priority, _cost_key(ordered[start])):
            order += _weighted_order(ordered[start:end], draw)
            start = end
    return order


def _not_before(trunk: Trunk, breaker: Breaker, load: TrunkUsage, now: dt.datetime,
                policy: BreakerPolicy) -> dt.datetime | None:
    """When the trunk may take a call if not now (None: now)."""
    admission = breaker.admission(now, policy)
    if admission is Admission.NONE:
        if breaker.offline or breaker.changed_at is None:
            return now + OFFLINE_RECHECK
        return max(breaker.changed_at + policy.cool_down, now + CHANNEL_RECHECK)
    if trunk.max_channels is not None and load.channels >= trunk.max_channels:
        return now + CHANNEL_RECHECK
    if trunk.max_cps is not None and load.calls_in_window(now) >= trunk.max_cps:
        window = sorted(t for t in load.recent_starts if now - t < CPS_WINDOW)
        return window[-trunk.max_cps] + CPS_WINDOW
    return None


def choose(call: CallToRoute, trunks: Sequence[Trunk], health: Mapping[int, Breaker],
           usage: Mapping[int, TrunkUsage], now: dt.datetime, draw: float,
           policy: BreakerPolicy = DEFAULT_POLICY) -> Route | Wait | NoRoute:
    region = region_of(call.e164)
    serving = [t for t in trunks if t.id not in call.tried
               and t.serves(call.account_id, call.e164, region)]
    if not serving:
        return NoRoute("no trunk left for this destination" if call.tried
                       else "no trunk serves this destination")
    soonest: dt.datetime | None = None
    for trunk in ranked(serving, draw):
        breaker = health.get(trunk.id, Breaker())
        retry = _not_before(trunk, breaker, usage.get(trunk.id, TrunkUsage()), now, policy)
        if retry is None:
            return Route(trunk, probe=breaker.admission(now, policy) is Admission.PROBE)
        soonest = retry if soonest is None else min(soonest, retry)
    assert soonest is not None
    return Wait(soonest, "every trunk for this destination is out of service or at its "
                         "channel or call-rate cap")


def channel_capacity(trunks: Sequence[Trunk], health: Mapping[int, Breaker],
                     now: dt.datetime, policy: BreakerPolicy = DEFAULT_POLICY) -> int | None:
    """The channels these trunks could carry now, the predictive pacing's line limit: a
    working trunk's cap (None: one without a cap, no limit), one probe call for a
    cooled-down broken one, none for one out of service or offline. Shared by every
    campaign and node using them: a limit, not a share."""
    total = 0
    for trunk in trunks:
        admission = health.get(trunk.id, Breaker()).admission(now, policy)
        if admission is Admission.CALLS and trunk.max_channels is None:
            return None
        total += {Admission.CALLS: trunk.max_channels or 0, Admission.PROBE: 1,
                  Admission.NONE: 0}[admission]
    return total
