"""A logged-in agent's session: who and where, and the machine's record; the names of
its desk-phone legs and bridge (fixed per agent: found again after a restart)."""

from __future__ import annotations

import datetime as dt
import uuid

from .events import AttemptKnown
from .machine import AgentRecord, AgentState, transition


class Session:
    """A logged-in agent: who and where, and the machine's record (machine.py) of the
    session; the state and what the screen shows are read from it."""

    def __init__(self, agent_id: int, endpoint: str, groups: frozenset[int], channel_id: str,
                 bridge_id: str, since: dt.datetime, state: str = AgentState.LOGGING_IN):
        self.agent_id, self.endpoint, self.groups = agent_id, endpoint, groups
        self.bridge_id = bridge_id
        self.record = AgentRecord(AgentState(state), since, channel_id)

    def __repr__(self) -> str:
        return f"Session({self.agent_id}, {self.endpoint!r}, {self.record})"

    state = property(lambda self: self.record.state)
    since = property(lambda self: self.record.since)
    channel_id = property(lambda self: self.record.channel_id)
    customer = property(lambda self: self.record.customer)
    reserved = property(lambda self: self.record.reserved)
    preview = property(lambda self: self.record.preview)
    campaign_id = property(lambda self: self.record.campaign_id)

    @property
    def attempt_id(self) -> int | None:
        return self.record.attempt_id

    @attempt_id.setter
    def attempt_id(self, attempt_id: int) -> None:
        """The attempt of a call taken back after a restart (no effects to carry out)."""
        self.record, _ = transition(self.record, AttemptKnown(attempt_id), self.record.since)


def new_leg_id(agent_id: int) -> str:
    return f"agent-{agent_id}-{uuid.uuid4().hex[:8]}"


def bridge_id_of(agent_id: int) -> str:
    return f"dialer-agent-{agent_id}"


def agent_of_leg(channel_id: str) -> int | None:
    """The agent whose desk-phone leg this is (`new_leg_id`)."""
    parts = channel_id.split("-")
    if len(parts) == 3 and parts[0] == "agent" and parts[1].isdigit():
        return int(parts[1])
    return None


class AgentStateError(Exception):
    """The agent's state, or a limit, does not allow the request (HTTP 409)."""

    def __init__(self, message: str, field: str = "state"):
        super().__init__(message)
        self.field = field
