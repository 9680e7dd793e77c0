"""An agent's live session as the API and the access checks read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .machine import AgentRecord, AgentState
from .previews import Preview


@dataclass(frozen=True)
class SessionView:
    agent_id: int
    state: AgentState
    since: dt.datetime | None = None
    endpoint: str | None = None
    customer: str | None = None
    bridge: str | None = None
    preview: Preview | None = None
    attempt_id: int | None = None
    campaign_id: int | None = None   # of the contact or call on it (None: idle, or none)
    pause_reason_id: int | None = None   # why not ready (None: not given, or ready)
    wrap_up_ends_at: dt.datetime | None = None  # in wrap_up: when the agent is available again

    def as_json(self) -> dict[str, Any]:
        if self.state == AgentState.LOGGED_OUT:
            return {"agent_id": self.agent_id, "state": self.state.value, "campaign_id": None}
        return {"agent_id": self.agent_id, "state": self.state.value,
                "since": self.since.isoformat() if self.since else None,
                "endpoint": self.endpoint, "customer": self.customer, "bridge": self.bridge,
                "preview": self.preview.shown() if self.preview else None,
                "attempt_id": self.attempt_id, "campaign_id": self.campaign_id,
                "pause_reason_id": self.pause_reason_id,
                "wrap_up_ends_at": (self.wrap_up_ends_at.isoformat()
                                    if self.wrap_up_ends_at else None)}


def session_view(agent_id: int, endpoint: str, bridge: str, rec: AgentRecord) -> SessionView:
    """The campaign shows only while a contact or a call is on the session."""
    shown = rec.preview is not None or rec.attempt_id is not None
    return SessionView(agent_id, rec.state, rec.since, endpoint, rec.customer, bridge,
                       rec.preview, rec.attempt_id, rec.campaign_id if shown else None,
                       rec.pause_reason,
                       rec.wrap_ends if rec.state == AgentState.WRAP_UP else None)
