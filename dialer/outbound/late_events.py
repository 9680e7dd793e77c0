"""The outbound machine's answers to events that come after their moment (outbound/machine.py
registers them): an agent reserved for a call that no longer waits, a bridge request answered
after the call closed. The agent is given back, never left held."""

from __future__ import annotations

import dataclasses

from .call_state import CallState, Step
from .events import AgentReserved, Bridged, EndAgentCall, Event, ReleaseAgent


def late_reserved(s: CallState, ev: AgentReserved, now: float) -> Step:
    return s, (ReleaseAgent(ev.agent_id, chosen=False),)


def late_bridge(s: CallState, ev: Event, now: float) -> Step:
    if s.agent is None or not s.connecting:
        return s, ()
    freed = dataclasses.replace(s, agent=None, connecting=False)
    if isinstance(ev, Bridged):
        return freed, (EndAgentCall(s.agent, s.settings.bcw_seconds),)
    return freed, (ReleaseAgent(s.agent, chosen=not s.paced),)
