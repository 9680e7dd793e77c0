"""What an account's webhooks are told: one frozen record per kind of event, built where
the change happens (the attempt's close, the disposition, followups, voicemail, the agent
sessions through the floor's hub, the campaign's end), and the JSON body sent for it.

The body: {"id": "evt_...", "type": <kind>, "created_at": ISO 8601 UTC, "account_id",
"data": the record's fields}; times are ISO 8601 in UTC. `schema.py` describes each kind
in the OpenAPI document from these classes, so the two cannot drift apart."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import ClassVar, Literal


@dataclass(frozen=True)
class AttemptFinished:
    """A call attempt ended (campaign call, followup, manual dial or action call)."""

    attempt_id: int
    campaign_id: int | None
    contact_id: int
    phone: str
    outcome: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime
    hangup_cause: int | None
    agent_id: int | None
    disposition: str | None

    kind: ClassVar[str] = "attempt.finished"


@dataclass(frozen=True)
class DispositionSaved:
    """An agent saved the result of a call (during the call or in wrap-up)."""

    attempt_id: int
    campaign_id: int | None
    contact_id: int
    agent_id: int | None
    disposition: str
    saved_at: dt.datetime

    kind: ClassVar[str] = "disposition.saved"


@dataclass(frozen=True)
class FollowupScheduled:
    """An agent scheduled a followup (a call back at a wall-clock time)."""

    followup_id: int
    agent_id: int
    contact_id: int
    campaign_id: int | None
    scheduled_at: dt.datetime
    timezone: str
    source: str

    kind: ClassVar[str] = "followup.scheduled"


@dataclass(frozen=True)
class FollowupExpired:
    """A followup was not launched within 5 minutes of its time."""

    followup_id: int
    agent_id: int
    contact_id: int
    campaign_id: int | None
    scheduled_at: dt.datetime
    reason: str | None

    kind: ClassVar[str] = "followup.expired"


@dataclass(frozen=True)
class VoicemailLeft:
    """A caller to the company number left a message."""

    voicemail_id: int
    caller: str
    contact_id: int | None
    recording_name: str

    kind: ClassVar[str] = "voicemail.left"


@dataclass(frozen=True)
class AgentStateChanged:
    """An agent's session entered a new state (logged_out: the session ended)."""

    agent_id: int
    state: str
    previous_state: str | None
    campaign_id: int | None
    attempt_id: int | None
    pause_reason: str | None

    kind: ClassVar[str] = "agent.state_changed"


@dataclass(frozen=True)
class CampaignFinished:
    """A campaign has nobody left to call (completed) or was terminated."""

    campaign_id: int
    name: str
    reason: Literal["completed", "terminated"]

    kind: ClassVar[str] = "campaign.finished"


WebhookEvent = (AttemptFinished | DispositionSaved | FollowupScheduled | FollowupExpired
                | VoicemailLeft | AgentStateChanged | CampaignFinished)
EVENT_TYPES: tuple[type[WebhookEvent], ...] = (
    AttemptFinished, DispositionSaved, FollowupScheduled, FollowupExpired, VoicemailLeft,
    AgentStateChanged, CampaignFinished)
KINDS: tuple[str, ...] = tuple(t.kind for t in EVENT_TYPES)


def _utc_iso(value: dt.datetime) -> str:
    """Naive values are UTC (the database's convention)."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(dt.timezone.utc).isoformat()


def body(event: WebhookEvent, *, event_id: str, account_id: int, at: dt.datetime) -> str:
    """The JSON text sent for the event (the signature covers exactly these bytes)."""
    data = {name: _utc_iso(value) if isinstance(value, dt.datetime) else value
            for name, value in asdict(event).items()}
    return json.dumps({"id": event_id, "type": event.kind, "created_at": _utc_iso(at),
                       "account_id": account_id, "data": data}, separators=(",", ":"))
