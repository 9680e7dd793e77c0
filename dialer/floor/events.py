"""What the floor's hub carries: a small typed record per change of an agent session, a call
(campaign, inbound, action-plan; held by its agent) or a supervisor's monitoring, and the
scope that decides what one subscriber (a wallboard) may see."""

from __future__ import annotations

import datetime as dt
import enum
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
    pause_reason: str | None = None    # not ready: the reason's name (floor/http.py names it)
    groups: tuple[int, ...] = ()       # its agent groups (a campaign's occupancy)
    pause_reason_id: int | None = None  # not ready: the account's reason
    contact: str | None = None         # who is on the agent's screen (None: a paced call's
                                       # contact, known by its attempt)

    kind = "agent"


@dataclass(frozen=True)
class AgentHidden:
    """The agent is busy with a campaign outside the subscriber's profile: the
    subscriber sees no more of it than that."""

    agent_id: int

    kind = "agent_hidden"


class Source(enum.Enum):
    """Where a call on the floor comes from."""

    CAMPAIGN = "campaign"
    INBOUND = "inbound"   # a call to the company number (its ring group)
    ACTION = "action"     # an action-plan call: users rung, then the contact called


@dataclass(frozen=True)
class CallChanged:
    """A call's new stage (`stage` closed: it ended); `channel_id` is its key: the
    customer's channel (an action call's contact, before it is dialled too). A campaign's
    call is seen by whom its campaign's profile rule lets see it; an inbound or action
    call (no campaign) by its account's wallboards."""

    channel_id: str
    campaign_id: int | None
    stage: str
    agent_id: int | None = None
    account_id: int | None = None
    source: Source = Source.CAMPAIGN

    kind = "call"


@dataclass(frozen=True)
class MonitorChanged:
    """A supervisor monitoring an agent's call (`state` closed: they left)."""

    agent_id: int
    supervisor: str                    # their user name
    mode: str                          # listen, whisper, barge
    state: str                         # ringing (their desk phone), listening... closed
    campaign_id: int | None = None     # of the call monitored

    kind = "monitor"


@dataclass(frozen=True)
class Resync:
    """The subscriber lagged behind and lost events: it needs a new snapshot."""

    kind = "resync"


@dataclass(frozen=True)
class Ended:
    """The server is stopping: the stream ends (the browser reconnects to another)."""

    kind = "end"


FloorEvent = AgentChanged | AgentHidden | CallChanged | MonitorChanged | Resync | Ended


def as_json(event: FloorEvent) -> dict[str, Any]:
    body = asdict(event)
    for name, value in body.items():
        if isinstance(value, dt.datetime):
            body[name] = value.isoformat()
        elif isinstance(value, enum.Enum):
            body[name] = value.value
    return body


@dataclass(frozen=True)
class Scope:
    """What one subscriber may see: their account's agents, the campaigns of their
    account their profile shows (the same rule as access.may_see_session), and their
    account's calls of no campaign."""

    agents: frozenset[int]
    campaigns: frozenset[int]
    account_id: int | None = None

    def admit(self, event: FloorEvent) -> FloorEvent | None:
        """The event as this subscriber may see it, or None."""
        match event:
            case AgentChanged(agent_id=agent_id, campaign_id=campaign_id):
                if agent_id not in self.agents:
                    return None
                if campaign_id is not None and campaign_id not in self.campaigns:
                    return AgentHidden(agent_id)
                return event
            case CallChanged(campaign_id=None, account_id=account_id):
                return event if account_id is not None and account_id == self.account_id \
                    else None
            case CallChanged(campaign_id=campaign_id):
                return event if campaign_id in self.campaigns else None
            case MonitorChanged(agent_id=agent_id, campaign_id=campaign_id):
                seen = agent_id in self.agents and (campaign_id is None
                                                    or campaign_id in self.campaigns)
                return event if seen else None
            case _:
                return None
