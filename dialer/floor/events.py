"""What the floor's hub carries: a small typed record per change of an agent session or a
campaign call, and the scope that decides what one subscriber (a wallboard) may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class AgentChanged:
    """An agent session's new state (`state` logged_out: the session ended)."""

    agent_id: int
    state: str
    since: dt.datetime | None
    campaign_id: int | None = None     # of the contact or call on it (None: idle, or none)
    customer: str | None = None        # the customer's channel on the agent's bridge
    attempt_id: int | None = None
    pause_reason: str | None = None    # not ready: why (when sessions record one)
    groups: tuple[int, ...] = ()       # its agent groups (a campaign's occupancy)

    kind = "agent"


@dataclass(frozen=True)
class AgentHidden:
    """The agent is busy with a campaign outside the subscriber's profile: the
    subscriber sees no more of it than that."""

    agent_id: int

    kind = "agent_hidden"


@dataclass(frozen=True)
class CallChanged:
    """A campaign call's new stage (`stage` closed: it ended)."""

    channel_id: str
    campaign_id: int
    stage: str
    agent_id: int | None = None

    kind = "call"


@dataclass(frozen=True)
class Resync:
    """The subscriber lagged behind and lost events: it needs a new snapshot."""

    kind = "resync"


@dataclass(frozen=True)
class Ended:
    """The server is stopping: the stream ends (the browser reconnects to another)."""

    kind = "end"


FloorEvent = AgentChanged | AgentHidden | CallChanged | Resync | Ended


def as_json(event: FloorEvent) -> dict[str, Any]:
    body = asdict(event)
    for name, value in body.items():
        if isinstance(value, dt.datetime):
            body[name] = value.isoformat()
    return body


@dataclass(frozen=True)
class Scope:
    """What one subscriber may see: their account's agents, and the campaigns of their
    account their profile shows (the same rule as access.may_see_session)."""

    agents: frozenset[int]
    campaigns: frozenset[int]

    def admit(self, event: FloorEvent) -> FloorEvent | None:
        """The event as this subscriber may see it, or None."""
        match event:
            case AgentChanged(agent_id=agent_id, campaign_id=campaign_id):
                if agent_id not in self.agents:
                    return None
                if campaign_id is not None and campaign_id not in self.campaigns:
                    return AgentHidden(agent_id)
                return event
            case CallChanged(campaign_id=campaign_id):
                return event if campaign_id in self.campaigns else None
            case _:
                return None
