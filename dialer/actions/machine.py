"""An action-plan call as one machine: ring the account's users like an inbound call
(dialer.inbound.legs), then call the contact for the first who accepts and connect them.

`transition(call, event, now) -> (call, effects)` is total: every (stage, event) pair below
has an answer; "-" is an explicit "ignored" (late or duplicate events).

stage       event                         next stage (effects)
NEW         Started                       RINGING (first step); nobody to ring: CLOSED no_user
RINGING     ring events (legs)            RINGING; a leg won: DIALLING (status calling, hold
                                          message to the user, call the contact);
                                          no step left: CLOSED no_user
DIALLING    ContactDialled                CALLING
DIALLING    ContactAnswered               TALKING (status connected, bridge or connect agent)
DIALLING    LegGone contact or winner     ABANDONED
DIALLING, ABANDONED  ContactRefused       CLOSED no_answer, outcome failed
ABANDONED   ContactDialled                CLOSED no_answer (hang the contact up)
CALLING     ContactAnswered               TALKING (status connected, bridge or connect agent)
CALLING     LegGone contact or winner     CLOSED no_answer
TALKING     the dial's answer, pending    TALKING (the attempt's id)
TALKING     LegGone contact or winner     CLOSED completed, outcome human
TALKING     BridgeRefused                 TALKING (hang the contact up)
any         ContactAnswered elsewhere     - (hang that channel up)
CLOSED      ContactDialled                - (hang the contact up; the dial was pending:
                                          CloseAttempt, the outcome Finish had)
CLOSED      ContactRefused                -; the dial was pending: CloseAttempt failed
CLOSED      anything else                 -
other stages: ring events "late", the rest -

"late": a late answer is hung up, a late agent reservation released, the rest ignored.
CLOSED always comes with one Finish (the action call's status and its attempt's outcome).
`dial_pending`: CallContact made, its ContactDialled/ContactRefused not yet in. The contact
can answer and hang up before then (TALKING to CLOSED): the attempt row opened by
CallContact is closed by the CloseAttempt of the late answer, so every attempt closes once.
A CLOSED call is over for the shell only once no dial is pending.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from ..agents.previews import ActionCallContact
from ..inbound import legs
from ..inbound.legs import Hangup, Outcome, Play, Ring, RingEffect
from ..inbound.machine import (Bridge, BridgeRefused, ConnectAgent, DestroyBridge, FreeAgent,
                               PlayToAgent, ShellEvent)
from ..inbound.ringing import ActionPlan
from ..outbound.decisions import outcome_for_unanswered

HOLD_MESSAGE = "sound:pls-hold-while-try"
CONTACT_RING_SECONDS = 30


class Stage(enum.Enum):
    NEW = "new"
    RINGING = "ringing"
    DIALLING = "dialling"     # a user took it: the contact's attempt and channel are made
    CALLING = "calling"       # the contact's phone rings
    TALKING = "talking"
    ABANDONED = "abandoned"   # over before the contact's attempt was known: waiting for it
    CLOSED = "closed"


@dataclass(frozen=True)
class ActionCall:
    plan: ActionPlan
    stage: Stage = Stage.NEW
    ring: Ring | None = None
    attempt_id: int | None = None
    cause: int | None = None   # why the user or contact went while dialling
    dial_pending: bool = False  # CallContact made, ContactDialled/ContactRefused not in yet
    finish: Finish | None = None  # how it closed

    @property
    def key(self) -> str:
        return f"action-{self.plan.action_call_id}"

    @property
    def contact(self) -> str:
        """The contact's channel id."""
        return f"actc-{self.ring.nonce if self.ring else ''}"


# ---- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    nonce: str


@dataclass(frozen=True)
class ContactDialled:
    attempt_id: int


@dataclass(frozen=True)
class ContactRefused:
    """The contact's channel could not be made: its attempt row exists all the same."""
    attempt_id: int


@dataclass(frozen=True)
class ContactAnswered:
    channel_id: str


Event = Started | ShellEvent | ContactDialled | ContactRefused | ContactAnswered


# ---- effects (besides the legs' own) -------------------------------------------------------
@dataclass(frozen=True)
class SetStatus:
    action_call_id: int
    status: str


@dataclass(frozen=True)
class CallContact:
    """The contact's attempt, then its channel: ContactDialled, or ContactRefused."""
    action_call_id: int
    channel_id: str
    phone: str
    training: bool
    caller_id: str | None
    timeout: int


@dataclass(frozen=True)
class Finish:
    action_call_id: int
    status: str
    attempt_id: int | None
    outcome: str | None
    cause: int | None


@dataclass(frozen=True)
class CloseAttempt:
    """The contact's attempt, confirmed only after the call closed, ends now."""
    attempt_id: int
    outcome: str | None
    cause: int | None


Effect = (RingEffect | SetStatus | PlayToAgent | CallContact | Bridge | ConnectAgent
          | DestroyBridge | FreeAgent | Finish | CloseAttempt)
Result = tuple[ActionCall, tuple[Effect, ...]]


def _ring(call: ActionCall) -> Ring:
    assert call.ring is not None, "only a NEW call has no ring"
    return call.ring


def transition(call: ActionCall, event: Event, now: dt.datetime) -> Result:
    """The call's next stage and what to do, in order (see the table above)."""
    if isinstance(event, ContactAnswered):
        return _contact_answered(call, event.channel_id)
    if isinstance(event, (ContactDialled, ContactRefused)):
        return _dialled(call, event)
    if call.stage is Stage.CLOSED:
        return call, legs.stray(event)
    if call.ring is None:  # NEW: nothing rings yet
        return _started(call, event.nonce) if isinstance(event, Started) else (
            call, legs.stray(event))
    if isinstance(event, legs.LegGone) and event.leg_id in (call.contact, _ring(call).winner):
        return _party_gone(call, event.cause)
    if isinstance(event, legs.RING_EVENTS):
        if call.stage is not Stage.RINGING:
            ring, late = legs.after_ringing(_ring(call), event)
            return replace(call, ring=ring), late
        ring, effects, outcome = legs.ringing(_ring(call), event)
        return _after_ring(replace(call, ring=ring), effects, outcome)
    if isinstance(event, BridgeRefused) and call.stage is Stage.TALKING:
        return call, (Hangup(call.contact),)  # then its ChannelDestroyed closes the call
    return call, ()  # Started again, Bridged, PlaybackFinished: nothing to do


def _started(call: ActionCall, nonce: str) -> Result:
    ring = Ring(call.key, "actionleg", nonce, call.plan.ring)
    ring, effects, outcome = legs.next_step(ring)
    return _after_ring(replace(call, stage=Stage.RINGING, ring=ring), effects, outcome)


def _after_ring(call: ActionCall, effects: tuple[Effect, ...], outcome: Outcome) -> Result:
    if outcome is Outcome.EXHAUSTED:  # nobody took it: nobody to connect the contact to
        return _over(call, effects, "no_user", None)
    if outcome is Outcome.NONE:
        return call, effects
    winner = _ring(call).won
    assert winner is not None
    plan = call.plan
    hold: Effect = (PlayToAgent(winner.agent_id, (HOLD_MESSAGE,), f"{winner.id}-hold")
                    if winner.agent_id is not None
                    else Play(winner.id, (HOLD_MESSAGE,), f"{winner.id}-hold"))
    return replace(call, stage=Stage.DIALLING, dial_pending=True), effects + (
        SetStatus(plan.action_call_id, "calling"), hold,
        CallContact(plan.action_call_id, call.contact, plan.ring.caller, plan.ring.training,
                    plan.ring.company_number, CONTACT_RING_SECONDS))


def _dialled(call: ActionCall, event: ContactDialled | ContactRefused) -> Result:
    pending, call = call.dial_pending, replace(call, dial_pending=False)
    if call.stage is Stage.DIALLING and isinstance(event, ContactDialled):
        return replace(call, stage=Stage.CALLING, attempt_id=event.attempt_id), ()
    if call.stage is Stage.TALKING and pending:  # answered before the dial was confirmed
        return replace(call, attempt_id=event.attempt_id), ()
    if call.stage in (Stage.DIALLING, Stage.ABANDONED):
        call = replace(call, attempt_id=event.attempt_id)
        if isinstance(event, ContactRefused):
            return _over(call, (), "no_answer", "failed")
        return _over(call, (), "no_answer", None, call.cause)
    if call.stage is Stage.CLOSED:
        return _dialled_late(call, event, pending)
    return call, ()


def _dialled_late(call: ActionCall, event: ContactDialled | ContactRefused,
                  pending: bool) -> Result:
    """The dial's answer once the call is over: its attempt is closed here (once)."""
    close: tuple[Effect, ...] = ()
    if pending and call.finish is not None:
        finish = call.finish
        outcome = "failed" if isinstance(event, ContactRefused) else finish.outcome
        close = (CloseAttempt(event.attempt_id, outcome, finish.cause),)
        call = replace(call, attempt_id=event.attempt_id)
    if isinstance(event, ContactDialled):
        return call, (Hangup(call.contact),) + close  # over meanwhile: never left ringing
    return call, close


def _contact_answered(call: ActionCall, channel_id: str) -> Result:
    if call.stage not in (Stage.DIALLING, Stage.CALLING) or channel_id != call.contact:
        return call, (Hangup(channel_id),)
    winner = _ring(call).won
    assert winner is not None
    plan = call.plan
    connect: Effect
    if winner.agent_id is not None:
        shown = ActionCallContact(plan.action_call_id, plan.ring.caller, plan.ring.contact_id,
                                  plan.ring.contact_name)
        connect = ConnectAgent(winner.agent_id, call.contact, shown)
    else:
        connect = Bridge(f"inbound-{call.key}", (winner.id, call.contact), "action call")
    return replace(call, stage=Stage.TALKING), (
        SetStatus(plan.action_call_id, "connected"), connect)


def _party_gone(call: ActionCall, cause: int | None) -> Result:
    if call.stage is Stage.DIALLING:
        return replace(call, stage=Stage.ABANDONED, cause=cause), ()
    if call.stage is Stage.CALLING:
        return _over(call, (), "no_answer", None, cause)
    if call.stage is Stage.TALKING:
        return _over(call, (), "completed", "human", cause)
    return call, ()


def _over(call: ActionCall, effects: tuple[Effect, ...], status: str, outcome: str | None,
          cause: int | None = None) -> Result:
    ring, stopped = legs.stop(_ring(call))
    out: list[Effect] = [*effects, *stopped]
    winner = ring.won
    if winner is not None and winner.agent_id is not None:
        out.append(FreeAgent(winner.agent_id, call.contact))
    elif winner is not None:
        out.append(Hangup(winner.id))
    if call.stage is not Stage.RINGING:
        out.append(Hangup(call.contact))
    if call.stage is Stage.TALKING and winner is not None and winner.agent_id is None:
        out.append(DestroyBridge(f"inbound-{call.key}"))
    if outcome is None and (call.attempt_id is not None or call.dial_pending):
        outcome = outcome_for_unanswered(cause, rang_full_timeout=True)
    finish = Finish(call.plan.action_call_id, status, call.attempt_id, outcome, cause)
    out.append(finish)
    return replace(call, stage=Stage.CLOSED, ring=ring, finish=finish), tuple(out)
