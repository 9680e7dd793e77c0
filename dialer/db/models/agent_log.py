"""The agent session log (issue 18): a row each time an agent's session enters a state,
written with the state on the agent's row (agents.effects), read as login, logout, ready,
pauses with their reason and calls with talk and wrap-up (agents.session_log)."""

from __future__ import annotations

import peewee as pw

from ..fields import UTCDateTimeField
from .base import CASCADE, BaseModel
from .agents import Agent


class AgentSessionEntry(BaseModel):
    agent = pw.ForeignKeyField(Agent, backref="session_entries", on_delete=CASCADE)
    agent_id: int
    state = pw.CharField(max_length=16)     # machine.AgentState entered
    at = UTCDateTimeField()
    pause_reason = pw.CharField(null=True)  # the reason's name when chosen (not_ready)
    # on_call, wrap_up: its call; no foreign key, the log never blocks the state's write
    attempt_id = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("agent", "at"), False),)
