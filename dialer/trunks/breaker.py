"""A trunk's circuit breaker: consecutive failures take it out, a probe after a cool-down
brings it back.

    state      event                      next       note
    closed     failure (n < threshold)    closed     failures counted
    closed     failure (n = threshold)    open       opened_at = now
    closed     success                    closed     failures reset
    open       probe sent (cooled down)   half_open  one call tests the trunk
    half_open  success                    closed
    half_open  failure                    open       cool-down starts again
    half_open  (no answer a cool-down)    half_open  the probe counts as lost: another
    any        endpoint offline           (same)     no call while Asterisk says offline
    any        endpoint online            (same)     offline lifted

Asterisk qualifies a trunk (OPTIONS) when its AOR has qualify_frequency: ARI then reports
the endpoint's state, and an offline trunk gets no call whatever its count of failures.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Admission(enum.Enum):
    """What the breaker lets through now."""

    CALLS = "calls"   # closed: any call
    PROBE = "probe"   # cooled down: one call, to test the trunk
    NONE = "none"     # open, probing, or offline


@dataclass(frozen=True)
class BreakerPolicy:
    failures_to_open: int = 3
    cool_down: dt.timedelta = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Breaker:
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0                  # consecutive
    changed_at: dt.datetime | None = None  # opened, or probe sent
    offline: bool = False              # Asterisk's endpoint state

    def admission(self, now: dt.datetime, policy: BreakerPolicy) -> Admission:
        if self.offline:
            return Admission.NONE
        if self.state is BreakerState.CLOSED:
            return Admission.CALLS
        cooled = self.changed_at is None or now - self.changed_at >= policy.cool_down
        return Admission.PROBE if cooled else Admission.NONE


def probe_sent(b: Breaker, now: dt.datetime) -> Breaker:
    """A probe call goes out: no other until it ends (or is lost for a cool-down)."""
    return replace(b, state=BreakerState.HALF_OPEN, changed_at=now)


def succeeded(b: Breaker) -> Breaker:
    return replace(b, state=BreakerState.CLOSED, failures=0, changed_at=None)


def failed(b: Breaker, now: dt.datetime, policy: BreakerPolicy) -> Breaker:
    failures = b.failures + 1
    if b.state is BreakerState.CLOSED and failures < policy.failures_to_open:
        return replace(b, failures=failures)
    return replace(b, state=BreakerState.OPEN, failures=failures, changed_at=now)


def endpoint_state(b: Breaker, online: bool) -> Breaker:
    """ARI's EndpointStateChange for the trunk's endpoint ("online" or "offline")."""
    return replace(b, offline=not online)
