"""The floor's events as the runtime's records give them (sessions' views, the calls' and
the monitorings' machine states)."""

from __future__ import annotations

from collections.abc import Iterable

from ..actions import machine as action
from ..agents.previews import (ActionCallContact, CampaignPreview, FollowupPreview,
                               InboundCaller, ManualDial, Preview)
from ..agents.view import SessionView
from ..inbound import machine as inbound
from ..monitor.machine import Monitoring
from ..outbound.machine import CallState, Stage
from ..outbound.model import CampaignSettings
from .events import AgentChanged, CallChanged, MonitorChanged, Source

# What a wallboard shows of a call's stage: ringing, AMD, waiting for an agent, talking,
# and the ends of calls no agent takes (a machine's or the safe-harbour message).
SHOWN_STAGE = {
    Stage.DIALLING: "ringing", Stage.AMD: "amd", Stage.SCREENING: "amd",
    Stage.WAITING_AGENT: "waiting_agent", Stage.CONNECTING: "waiting_agent",
    Stage.ANNOUNCING: "talking", Stage.CONNECTED: "talking",
    Stage.LISTENING: "message", Stage.PLAYING: "message",
    Stage.HANGING_UP: "ending", Stage.CLOSED: "closed",
}
# An inbound call: its ring group rings (or it waits for a logged-in agent: ring.waiting),
# the user or agent who took it hears who calls, then talks; or voicemail ("message").
INBOUND_STAGE = {
    inbound.Stage.RINGING: "ringing", inbound.Stage.CONNECTING: "waiting_agent",
    inbound.Stage.BRIDGING: "waiting_agent", inbound.Stage.CONNECTED: "talking",
    inbound.Stage.VOICEMAIL: "message", inbound.Stage.RECORDING: "message",
    inbound.Stage.ENDING: "ending", inbound.Stage.CLOSED: "closed",
}
# An action-plan call rings its users, then the contact; then they talk.
ACTION_STAGE = {
    action.Stage.RINGING: "ringing", action.Stage.DIALLING: "ringing",
    action.Stage.CALLING: "ringing", action.Stage.TALKING: "talking",
    action.Stage.ABANDONED: "ending", action.Stage.CLOSED: "closed",
}


def contact_shown(preview: Preview | None) -> str | None:
    """Who the agent's screen shows, in a few words (None: nothing, or a paced campaign
    call, which shows its attempt)."""
    match preview:
        case InboundCaller(caller_id=number, name=name):
            return f"{name or number or 'unknown caller'} (inbound)"
        case ActionCallContact(caller_id=number, name=name):
            return f"{name or number or 'contact'} (action call)"
        case CampaignPreview(details=details) | FollowupPreview(details=details):
            phones = details.get("phones") or [None]
            return str(details.get("name") or phones[0] or "") or None
        case ManualDial(number=number):
            return f"{number} (manual)"
    return None


def agent_event(view: SessionView, groups: Iterable[int] = ()) -> AgentChanged:
    return AgentChanged(view.agent_id, view.state.value, view.since, view.campaign_id,
                        view.customer, view.attempt_id, None, tuple(sorted(groups)),
                        view.pause_reason_id, contact_shown(view.preview))


def call_event(state: CallState, before: CallState | None = None) -> CallChanged | None:
    """The call's change as the wallboard shows it: its stage, and who holds it (a
    transfer moves it to another agent, or to none: an external number); None if it
    shows no change, or the call is an agent's own (no campaign)."""
    settings = state.settings
    if not isinstance(settings, CampaignSettings):
        return None
    if before is not None and _shown(before) == _shown(state):
        return None
    return CallChanged(state.channel_id, settings.id, SHOWN_STAGE[state.stage], state.agent,
                       settings.account_id)


def _shown(state: CallState) -> tuple[str, int | None]:
    """What a wallboard shows of a campaign call: its stage, and the agent talking with the
    customer (not one only reserved for it)."""
    return SHOWN_STAGE[state.stage], state.agent if state.bridged else None


def _inbound_shown(call: inbound.Call | None) -> CallChanged | None:
    ring = call.ring if call is not None else None
    if call is None or ring is None:  # new, or no account has the number: not shown
        return None
    stage = INBOUND_STAGE[call.stage]
    if stage == "ringing" and ring.waiting is not None:
        stage = "waiting_agent"  # its step's logged-in agents are all busy
    agent = ring.won.agent_id if ring.won is not None else None
    if call.stage is inbound.Stage.CONNECTED:
        agent = call.holder  # the one who took it, or a transfer's target
    return CallChanged(call.caller, None, stage, agent, ring.plan.account_id, Source.INBOUND)


def _action_shown(call: action.ActionCall | None) -> CallChanged | None:
    if call is None or call.stage is action.Stage.NEW:
        return None
    won = call.ring.won if call.ring is not None else None
    return CallChanged(call.contact, None, ACTION_STAGE[call.stage],
                       won.agent_id if won is not None else None,
                       call.plan.ring.account_id, Source.ACTION)


def inbound_event(before: inbound.Call | None, call: inbound.Call) -> CallChanged | None:
    """An inbound call's change as the wallboard shows it (None: no change shown)."""
    now = _inbound_shown(call)
    return now if now != _inbound_shown(before) else None


def action_event(before: action.ActionCall | None,
                 call: action.ActionCall) -> CallChanged | None:
    """An action-plan call's change as the wallboard shows it (None: no change shown)."""
    now = _action_shown(call)
    return now if now != _action_shown(before) else None


def monitor_event(session: Monitoring, supervisor: str,
                  campaign_id: int | None) -> MonitorChanged:
    return MonitorChanged(session.agent_id, supervisor, session.mode.value,
                          session.state.value, campaign_id)
