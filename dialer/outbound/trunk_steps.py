"""The outbound machine's steps for the leg's trunk (outbound/machine.py registers them):
the routing choice, the trunk ringing or staying silent, and the failover to the next
trunk inside the same attempt (outbound/failover.py)."""

from __future__ import annotations

import dataclasses

from .call_state import CallState, Step, originate
from .events import (Hangup, ReleaseTrunk, Ringing, TrunkChosen, TrunkSilent, WatchTrunk,
                     WriteLeg)
from .failover import TRUNK_ANSWER_SECONDS


def trunk_chosen(s: CallState, ev: TrunkChosen, now: float) -> Step:
    s = dataclasses.replace(s, leg=s.leg.chosen(ev.trunk_id))
    watch = WatchTrunk(s.channel_id, TRUNK_ANSWER_SECONDS)
    return s, ((WriteLeg(s.channel_id), watch) if s.leg.number else (watch,))


def ringing(s: CallState, ev: Ringing, now: float) -> Step:
    return dataclasses.replace(s, leg=dataclasses.replace(s.leg, rang=True)), ()


def trunk_silent(s: CallState, ev: TrunkSilent, now: float) -> Step:
    if ev.channel_id != s.channel_id or s.leg.rang or s.leg.trunk is None:
        return s, ()  # an earlier leg's timer, or the trunk works
    return dataclasses.replace(s, leg=dataclasses.replace(s.leg, silent=True)), (Hangup(),)


def fail_over(s: CallState, outcome: str, cause: int | None) -> Step:
    """The leg's trunk failed the call: the same attempt dials the next trunk (its channel
    is gone or never was: never two at once); with none left it ends as this leg did."""
    assert s.leg.trunk is not None
    released = ReleaseTrunk(s.leg.trunk, s.channel_id, healthy=False)
    leg = s.leg.following(outcome, cause)
    s = dataclasses.replace(s, leg=leg, channel_id=leg.channel)
    return s, (released, originate(s))
