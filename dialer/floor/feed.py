"""The floor's events as the runtime's records give them (sessions' views, calls' states)."""

from __future__ import annotations

from collections.abc import Iterable

from ..agents.view import SessionView
from ..outbound.machine import CallState, Stage
from ..outbound.model import CampaignSettings
from .events import AgentChanged, CallChanged

# What a wallboard shows of a call's stage: ringing, AMD, waiting for an agent, talking,
# and the ends of calls no agent takes (a machine's or the safe-harbour message).
SHOWN_STAGE = {
    Stage.DIALLING: "ringing", Stage.AMD: "amd",
    Stage.WAITING_AGENT: "waiting_agent", Stage.CONNECTING: "waiting_agent",
    Stage.ANNOUNCING: "talking", Stage.CONNECTED: "talking",
    Stage.LISTENING: "message", Stage.PLAYING: "message",
    Stage.HANGING_UP: "ending", Stage.CLOSED: "closed",
}


def agent_event(view: SessionView, groups: Iterable[int] = ()) -> AgentChanged:
    return AgentChanged(view.agent_id, view.state.value, view.since, view.campaign_id,
                        view.customer, view.attempt_id,
                        getattr(view, "pause_reason", None),  # i18-agents adds it
                        tuple(sorted(groups)))


def call_event(state: CallState, before: Stage | None = None) -> CallChanged | None:
    """The call's change as the wallboard shows it; None if it shows no change, or the call
    is an agent's own (no campaign)."""
    settings = state.settings
    if not isinstance(settings, CampaignSettings):
        return None
    if before is not None and SHOWN_STAGE[before] == SHOWN_STAGE[state.stage]:
        return None
    return CallChanged(state.channel_id, settings.id, SHOWN_STAGE[state.stage], state.agent)
