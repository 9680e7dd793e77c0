"""A supervisor monitoring an agent's call: the desk phone rings, then listen (hears both
sides, nobody hears them), whisper (only the agent hears them) or barge (a three-way call).

`begin(...)` makes a session (RINGING: ring the supervisor's phone, audit "start");
`transition(session, event) -> (session, effects)` is total: "-" is an explicit "ignored".

state                          event            next state (effects)
RINGING                        Answered         the mode's state (Join mode)
RINGING                        Switch m         RINGING, mode m (Audit switch); same mode: -
RINGING                        Leave            CLOSED (HangUpSupervisor, Audit stop)
RINGING                        SupervisorGone   CLOSED (Audit stop)
RINGING                        CallEnded        CLOSED (HangUpSupervisor, Audit stop)
LISTENING, WHISPERING, BARGING Answered         -
LISTENING, WHISPERING, BARGING Switch m         m's state (Part old, Join m, Audit switch);
                                                same mode: -
LISTENING, WHISPERING, BARGING Leave            CLOSED (Part old, HangUpSupervisor, Audit stop)
LISTENING, WHISPERING, BARGING SupervisorGone   CLOSED (Part old, Audit stop)
LISTENING, WHISPERING, BARGING CallEnded        CLOSED (Part old, HangUpSupervisor, Audit stop)
CLOSED                         anything         -

The call goes on (`call_goes_on`) while the agent's session is on the call with the
customer it had when the monitoring began: held on music, consulting a transfer's target
or in a conference included (the supervisor stays, with the agent's side); it ends for the
agent when the session leaves the call (the customer hung up or the agent ended it: wrap-up
or available; the agent logged out or lost the phone) or holds another customer, which is
what a completed transfer does: the first agent's monitoring ends there (the supervisor may
then pick the receiving agent).

Every way into CLOSED ends with one `Closed` (the shell forgets the session). `Part` always
undoes the `Join` before it: the agent's call never loses a channel but the supervisor's
(listen and whisper never touch the call's bridge; barge adds the supervisor to it and
`Part` takes only the supervisor out), so the supervisor leaving never drops the call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from ..agents.machine import AgentState


class Mode(enum.Enum):
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


class State(enum.Enum):
    RINGING = "ringing"
    LISTENING = "listening"
    WHISPERING = "whispering"
    BARGING = "barging"
    CLOSED = "closed"


STATE_OF = {Mode.LISTEN: State.LISTENING, Mode.WHISPER: State.WHISPERING,
            Mode.BARGE: State.BARGING}
JOINED = frozenset(STATE_OF.values())


@dataclass(frozen=True)
class Monitoring:
    agent_id: int
    supervisor_id: int   # the user
    leg: str             # the supervisor's channel id
    mode: Mode
    state: State = State.RINGING


# ---- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    """The supervisor picked up."""


@dataclass(frozen=True)
class Switch:
    mode: Mode


@dataclass(frozen=True)
class Leave:
    """The supervisor asked to leave (the API)."""


@dataclass(frozen=True)
class SupervisorGone:
    """The supervisor's leg hung up (or could not be rung)."""


@dataclass(frozen=True)
class CallEnded:
    """The agent's call is over for the agent (`call_goes_on` no longer holds): ended,
    transferred away, or the agent is gone."""


Event = Answered | Switch | Leave | SupervisorGone | CallEnded


def call_goes_on(agent_state: AgentState, customer: str | None, watched: str) -> bool:
    """Whether the agent is still on the call being monitored (`watched`: its customer)."""
    return agent_state is AgentState.ON_CALL and customer == watched


# ---- effects -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RingSupervisor:
    leg: str


@dataclass(frozen=True)
class Join:
    """Connect the answered supervisor in `mode` (listen/whisper: a snoop on the agent's
    leg in the supervisor's own bridge; barge: the supervisor in the agent's bridge)."""
    mode: Mode


@dataclass(frozen=True)
class Part:
    """Undo the Join of `mode`: only the supervisor's side is taken apart."""
    mode: Mode


@dataclass(frozen=True)
class HangUpSupervisor:
    leg: str


@dataclass(frozen=True)
class Audit:
    action: str          # "start", "switch", "stop"
    before: Mode | None  # the mode before (None: start)
    after: Mode | None   # the mode after (None: stop)


@dataclass(frozen=True)
class Closed:
    """The session is over: the shell forgets it."""


Effect = RingSupervisor | Join | Part | HangUpSupervisor | Audit | Closed
Result = tuple[Monitoring, tuple[Effect, ...]]


def begin(agent_id: int, supervisor_id: int, leg: str, mode: Mode) -> Result:
    session = Monitoring(agent_id, supervisor_id, leg, mode)
    return session, (RingSupervisor(leg), Audit("start", None, mode))


def _close(session: Monitoring, *, hang_up: bool) -> Result:
    joined = session.state in JOINED
    effects: list[Effect] = [Part(session.mode)] if joined else []
    if hang_up:
        effects.append(HangUpSupervisor(session.leg))
    effects += [Audit("stop", session.mode, None), Closed()]
    return replace(session, state=State.CLOSED), tuple(effects)


def _switch(session: Monitoring, mode: Mode) -> Result:
    if mode is session.mode:
        return session, ()
    audit = Audit("switch", session.mode, mode)
    if session.state is State.RINGING:
        return replace(session, mode=mode), (audit,)
    return (replace(session, mode=mode, state=STATE_OF[mode]),
            (Part(session.mode), Join(mode), audit))


def transition(session: Monitoring, event: Event) -> Result:
    if session.state is State.CLOSED:
        return session, ()
    if isinstance(event, Answered):
        if session.state is not State.RINGING:
            return session, ()
        return replace(session, state=STATE_OF[session.mode]), (Join(session.mode),)
    if isinstance(event, Switch):
        return _switch(session, event.mode)
    if isinstance(event, SupervisorGone):
        return _close(session, hang_up=False)
    return _close(session, hang_up=True)  # Leave, CallEnded
