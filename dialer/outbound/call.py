"""A call of this node as the shell keeps it: the machine's state, and what only the
shell holds (its tasks and lock)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .machine import CallState, Stage
from .model import AgentCall, DialingSettings


@dataclass
class Call:
    """A call of this node: the machine's state, and what only the shell holds."""
    state: CallState
    phone: str
    caller_id: str | None = None
    agent_call: AgentCall | None = None  # a followup's or manual call: no contact moves on
    listener: asyncio.Task | None = None  # listening to the callee: the AMD classifier, the beep
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one event's effects at a time

    @property
    def channel_id(self) -> str:
        return self.state.channel_id

    @property
    def campaign(self) -> DialingSettings:
        return self.state.settings

    @property
    def stage(self) -> Stage:
        return self.state.stage

    @property
    def agent_id(self) -> int | None:
        return self.state.agent


def training_endpoint(phone: str) -> str:
    """A training plan's call: simulated inside Asterisk, never a trunk call (see
    [dialer-training]). Other calls go through a trunk (dialer/trunks)."""
    return f"Local/{phone}@dialer-training"
