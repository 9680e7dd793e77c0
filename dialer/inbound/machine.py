"""An inbound call to the company number as one machine: the caller, its ring group's legs
(dialer.inbound.legs), the connection to the user or agent who takes it, or voicemail.

`transition(call, event, now) -> (call, effects)` is total: every (stage, event) pair below
has an answer; "-" is an explicit "ignored" (late or duplicate events).

stage       event                         next stage (effects)
NEW         Arrived                       RINGING (answer, status or hold, first step);
                                          no plan: ENDING (and no record)
RINGING     ring events (legs)            RINGING; a leg won: CONNECTING (or BRIDGING when
                                          nothing plays); no step left: VOICEMAIL
RINGING     PlaybackFinished status       RINGING (hold)
CONNECTING  PlaybackFinished name/agent   BRIDGING (bridge, or connect the agent)
BRIDGING    Bridged                       CONNECTED (ConnectedRecord: who took it)
BRIDGING    BridgeRefused                 agent: VOICEMAIL (free it); user: ENDING (hang
                                          up, destroy the bridge)
CONNECTING  LegGone winner                ENDING (hang the caller up)
BRIDGING    LegGone winner                ENDING (destroy the bridge, hang the caller up)
CONNECTED   LegGone winner                ENDING (destroy the bridge, hang the caller up)
CONNECTED   EndedByAgent (the holder)     ENDING (hang the caller up; their agent's call
                                          ends once the caller is gone); another agent: -
CONNECTED   Moved (agent or None)         CONNECTED: a transfer (dialer/transfers) gave
                                          the caller to that agent (the holder from now
                                          on) or an external number (None: no holder)
VOICEMAIL   PlaybackFinished prompt       RECORDING (record)
RECORDING   RecordRefused                 ENDING (hang the caller up)
RECORDING   RecordingFinished (its name)  ENDING (store the voicemail, hang the caller up)
RECORDING   RecordingFailed (its name)    ENDING (hang the caller up)
any but CLOSED  CallerGone                CLOSED (live legs hung up, the winner hung up or
                                          freed (connected: EndHolderCall), the bridge
                                          destroyed, a recording stored; CloseRecord)
NEW         anything else                 - ; other stages: ring events "late", the rest -
CLOSED      anything                      -

"late": a late answer is hung up, a late agent reservation released, the rest ignored.
The call's record (dialer/db/models/inbound.py InboundCall, `record_id`) is opened by the
shell before Arrived: the machine only writes who took it and closes it.
Every stage but CLOSED has the caller's channel up; ENDING has asked for its hang-up.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from ..agents.previews import CallerShown, InboundCaller
from . import legs
from .legs import Hangup, Outcome, Play, Ring, RingEffect, RingEvent
from .records import CloseRecord, ConnectedRecord, EndHolderCall, Moved
from .ringing import RingPlan

VOICEMAIL_PROMPT = ("sound:vm-nobodyavail", "sound:beep")
VOICEMAIL_MAX_SECONDS = 120


class Stage(enum.Enum):
    NEW = "new"
    RINGING = "ringing"
    CONNECTING = "connecting"  # a user or agent took it: hearing who calls, then the bridge
    BRIDGING = "bridging"      # the bridge (or the agent's) is being made
    CONNECTED = "connected"
    VOICEMAIL = "voicemail"    # the prompt plays
    RECORDING = "recording"
    ENDING = "ending"          # the caller is being hung up
    CLOSED = "closed"


@dataclass(frozen=True)
class Call:
    caller: str                # the caller's channel id: the call's key
    stage: Stage = Stage.NEW
    ring: Ring | None = None
    recording: str | None = None
    ended_by: int | None = None  # the agent who ended the call (freed when the caller is gone)
    record_id: int | None = None  # its InboundCall row (None: no account has the number)
    holder: int | None = None     # CONNECTED: the agent with the caller (the winner, or a
                                  # transfer's target; None: a user, or an external number)

    @property
    def bridge_id(self) -> str:
        return f"inbound-{self.caller}"


# ---- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Arrived:
    plan: RingPlan | None  # None: no account has the number dialled
    nonce: str             # makes the legs' channel ids unique
    record_id: int | None = None


@dataclass(frozen=True)
class PlaybackFinished:
    """A playback of the call ended, or could not start."""
    playback_id: str


@dataclass(frozen=True)
class Bridged:
    pass


@dataclass(frozen=True)
class BridgeRefused:
    pass


@dataclass(frozen=True)
class RecordRefused:
    pass


@dataclass(frozen=True)
class RecordingFinished:
    """The recording stopped: its time limit, silence, `#`, or the caller hanging up."""
    name: str
    duration_seconds: int | None = None  # as Asterisk measured it


@dataclass(frozen=True)
class RecordingFailed:
    name: str


@dataclass(frozen=True)
class CallerGone:
    pass


@dataclass(frozen=True)
class EndedByAgent:
    """The agent on the call asked to end it (the agent page, the API)."""
    agent_id: int


# What the shell shared with action-plan calls (dialer.inbound.shell.CallShell) feeds both.
ShellEvent = RingEvent | PlaybackFinished | Bridged | BridgeRefused
Event = (Arrived | ShellEvent | RecordRefused | RecordingFinished | RecordingFailed
         | CallerGone | EndedByAgent | Moved)


# ---- effects (besides the legs' own) -------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    channel_id: str


@dataclass(frozen=True)
class Hold:
    channel_id: str
    on: bool


@dataclass(frozen=True)
class PlayToAgent:
    """Played on the agent's desk-phone leg; refused if the agent logged out."""
    agent_id: int
    media: tuple[str, ...]
    playback_id: str


@dataclass(frozen=True)
class Bridge:
    bridge_id: str
    channels: tuple[str, ...]
    name: str


@dataclass(frozen=True)
class ConnectAgent:
    """Into the agent's bridge: Bridged, or BridgeRefused if the agent left meanwhile."""
    agent_id: int
    customer: str
    details: CallerShown


@dataclass(frozen=True)
class DestroyBridge:
    bridge_id: str


@dataclass(frozen=True)
class FreeAgent:
    """The agent's part is over: their call ended if `customer` is in their bridge, else
    their reservation is released."""
    agent_id: int
    customer: str | None


@dataclass(frozen=True)
class Record:
    channel_id: str
    name: str
    max_seconds: int


@dataclass(frozen=True)
class StoreVoicemail:
    account_id: int
    contact_id: int | None
    caller: str
    recording: str
    duration_seconds: int | None = None


Effect = (RingEffect | Answer | Hold | PlayToAgent | Bridge | ConnectAgent | DestroyBridge
          | FreeAgent | Record | StoreVoicemail | ConnectedRecord | CloseRecord | EndHolderCall)
Result = tuple[Call, tuple[Effect, ...]]


_WON = (Stage.CONNECTING, Stage.BRIDGING, Stage.CONNECTED)  # a user or agent has the call
_BRIDGED = (Stage.BRIDGING, Stage.CONNECTED)


def _ring(call: Call) -> Ring:
    assert call.ring is not None, "only a NEW call has no ring"
    return call.ring


def transition(call: Call, event: Event, now: dt.datetime) -> Result:
    """The call's next stage and what to do, in order (see the table above)."""
    if call.stage is Stage.CLOSED:
        return call, legs.stray(event)
    if isinstance(event, CallerGone):
        return _caller_gone(call)
    if call.ring is None:  # NEW, or ENDING without a plan: nothing rings
        if call.stage is Stage.NEW and isinstance(event, Arrived):
            return _arrived(call, event)
        return call, legs.stray(event)
    if isinstance(event, legs.RING_EVENTS):
        return _ring_event(call, event)
    if isinstance(event, EndedByAgent):
        return _ended_by_agent(call, event.agent_id)
    if isinstance(event, PlaybackFinished):
        return _played(call, event.playback_id)
    if isinstance(event, Bridged) and call.stage is Stage.BRIDGING:
        return _connected(call)
    if isinstance(event, Moved) and call.stage is Stage.CONNECTED and call.holder is not None:
        return replace(call, holder=event.agent_id), ()
    if isinstance(event, BridgeRefused) and call.stage is Stage.BRIDGING:
        winner = _ring(call).won
        if winner is not None and winner.agent_id is not None:
            return _voicemail(call, (FreeAgent(winner.agent_id, None),))  # the agent left
        return _ending(call, (Hangup(_ring(call).winner or ""), DestroyBridge(call.bridge_id)))
    if call.stage is Stage.RECORDING:
        return _recording(call, event)
    return call, ()  # Arrived again, Bridged or refusals out of their stage: late


def _arrived(call: Call, event: Arrived) -> Result:
    if event.plan is None:
        return _ending(call, ())
    call = replace(call, record_id=event.record_id)
    ring = Ring(call.caller, "ringleg", event.nonce, event.plan)
    first: tuple[Effect, ...] = (
        (Answer(call.caller), Play(call.caller, (event.plan.status_media,),
                                        f"{call.caller}-status"))
        if event.plan.status_message else (Answer(call.caller), Hold(call.caller, True)))
    ring, effects, outcome = legs.next_step(ring)
    return _after_ring(replace(call, stage=Stage.RINGING, ring=ring), first + effects, outcome)


def _ring_event(call: Call, event: RingEvent) -> Result:
    ring = _ring(call)
    if isinstance(event, legs.LegGone) and event.leg_id == ring.winner:
        if call.stage in _WON:  # the user hung up: it is over
            ring = legs.name_said(ring, event.leg_id)
            bridge = (DestroyBridge(call.bridge_id),) if call.stage in _BRIDGED else ()
            return _ending(replace(call, ring=ring), bridge)
        return call, ()
    if call.stage is Stage.RINGING:
        ring, effects, outcome = legs.ringing(ring, event)
        return _after_ring(replace(call, ring=ring), effects, outcome)
    ring, late = legs.after_ringing(ring, event)
    return replace(call, ring=ring), late


def _ended_by_agent(call: Call, agent_id: int) -> Result:
    if call.stage is not Stage.CONNECTED or call.holder != agent_id:
        return call, ()
    return _ending(replace(call, ended_by=agent_id), ())


def _connected(call: Call) -> Result:
    winner = _ring(call).won
    assert winner is not None, "BRIDGING has a winner"
    call = replace(call, stage=Stage.CONNECTED, holder=winner.agent_id)
    if call.record_id is None:
        return call, ()
    return call, (ConnectedRecord(call.record_id, winner.agent_id),)


def _after_ring(call: Call, effects: tuple[Effect, ...], outcome: Outcome) -> Result:
    if outcome is Outcome.EXHAUSTED:
        return _voicemail(call, effects)
    if outcome is Outcome.WON:
        return _won(call, effects)
    return call, effects


def _won(call: Call, effects: tuple[Effect, ...]) -> Result:
    call = replace(call, stage=Stage.CONNECTING)
    winner = _ring(call).won
    assert winner is not None
    if winner.agent_id is not None:  # the agent hears who calls, then the caller joins
        return call, effects + (PlayToAgent(winner.agent_id, legs.who(_ring(call).plan),
                                            f"{call.caller}-agentwhisper"),)
    if winner.saying_name:  # bridged once the name is said
        return call, effects
    return _bridge(call, effects)


def _bridge(call: Call, effects: tuple[Effect, ...] = ()) -> Result:
    call = replace(call, stage=Stage.BRIDGING)
    ring = _ring(call)
    winner = ring.won
    assert winner is not None
    if winner.agent_id is not None:
        return call, effects + (Hold(call.caller, False),
                                ConnectAgent(winner.agent_id, call.caller, caller_shown(ring)))
    return call, effects + (Hold(call.caller, False),
                            Bridge(call.bridge_id, (call.caller, winner.id), "inbound"))


def caller_shown(ring: Ring) -> InboundCaller:
    """What the page of the agent with the caller shows (the winner, a transfer's target)."""
    plan = ring.plan
    return InboundCaller(plan.shown_number, plan.contact_id, plan.contact_name)


def _played(call: Call, playback_id: str) -> Result:
    ring = _ring(call)
    if playback_id.endswith("-whisper"):
        leg_id = playback_id.removesuffix("-whisper")
        leg = ring.leg(leg_id)
        if leg is None or not leg.saying_name:
            return call, ()
        call = replace(call, ring=legs.name_said(ring, leg_id))
        if call.stage is Stage.CONNECTING and ring.winner == leg_id:  # accepted while it played
            return _bridge(call)
        return call, ()
    if playback_id == f"{call.caller}-status" and call.stage is Stage.RINGING:
        return call, (Hold(call.caller, True),)
    if playback_id == f"{call.caller}-agentwhisper" and call.stage is Stage.CONNECTING:
        return _bridge(call)
    if playback_id == f"{call.caller}-vm" and call.stage is Stage.VOICEMAIL:
        name = f"voicemail-{ring.plan.account_id}-{call.caller}"
        return (replace(call, stage=Stage.RECORDING, recording=name),
                (Record(call.caller, name, VOICEMAIL_MAX_SECONDS),))
    return call, ()


def _recording(call: Call, event: Event) -> Result:
    if isinstance(event, RecordRefused) or (
            isinstance(event, RecordingFailed) and event.name == call.recording):
        return _ending(replace(call, recording=None), ())
    if isinstance(event, RecordingFinished) and event.name == call.recording:
        return _ending(replace(call, recording=None), (_store(call, event),))
    return call, ()  # another recording's end, Bridged: late


def _store(call: Call, done: RecordingFinished) -> StoreVoicemail:
    p = _ring(call).plan
    return StoreVoicemail(p.account_id, p.contact_id, p.caller, done.name, done.duration_seconds)


def _voicemail(call: Call, effects: tuple[Effect, ...]) -> Result:
    return replace(call, stage=Stage.VOICEMAIL), effects + (
        Hold(call.caller, False), Play(call.caller, VOICEMAIL_PROMPT, f"{call.caller}-vm"))


def _ending(call: Call, effects: tuple[Effect, ...]) -> Result:
    return replace(call, stage=Stage.ENDING), effects + (Hangup(call.caller),)


def _caller_gone(call: Call) -> Result:
    stage, closed = call.stage, replace(call, stage=Stage.CLOSED)
    if call.ring is None:
        return closed, ()
    ring, effects = legs.stop(call.ring)
    out: list[Effect] = list(effects)
    winner = ring.won
    if winner is not None and stage in _WON:
        if stage is Stage.CONNECTED and winner.agent_id is not None:
            if call.holder is not None:  # the winner, or a transfer's target
                out.append(EndHolderCall(call.holder))
        elif winner.agent_id is not None:
            out.append(FreeAgent(winner.agent_id, call.caller if stage in _BRIDGED else None))
        else:
            out.append(Hangup(winner.id))
            if stage in _BRIDGED:
                out.append(DestroyBridge(call.bridge_id))
    if call.ended_by is not None:  # still in the agent's bridge until now
        out.append(EndHolderCall(call.ended_by))
    if call.recording is not None and stage is Stage.RECORDING:
        out.append(_store(call, RecordingFinished(call.recording)))  # length unknown
    if call.record_id is not None:
        out.append(CloseRecord(call.record_id))
    return replace(closed, ring=ring), tuple(out)
