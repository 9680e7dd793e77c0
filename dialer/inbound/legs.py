"""The ring group's legs, shared by the inbound call (machine.py) and the action-plan call
(dialer/actions/machine.py): the steps of dialer.inbound.ringing rung one after the other,
each answering user hears who calls and accepts (1) or declines (2) within WHISPER_SECONDS,
the first acceptor wins and every other leg stops at once. A user logged into a dialer
session is not rung: the call waits (within the step's ring time) for that agent to be
free, and being reserved is their acceptance, as in a call queue.

Leg states: RINGING -> WHISPER -> WON | DECLINED; RINGING | WHISPER -> GONE (no answer,
hung up, refused, or another leg won). Each function returns (ring, effects, outcome).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from ..core.asterisk_input import UnsafeValue, announce_media, caller_id
from .ringing import RingPlan

RING_LEG_PREFIX = "ring-"  # ids of the legs that ring users' phones
WHISPER_SECONDS = 10       # an answering user who presses nothing has declined


class LegState(enum.Enum):
    RINGING = "ringing"
    WHISPER = "whisper"    # answered, hears who calls, may accept or decline
    DECLINED = "declined"
    GONE = "gone"
    WON = "won"


class Outcome(enum.Enum):
    NONE = "none"
    WON = "won"              # ring.winner took the call
    EXHAUSTED = "exhausted"  # no step left: nobody took it


@dataclass(frozen=True)
class Leg:
    id: str
    step: int
    target: str
    state: LegState = LegState.RINGING
    agent_id: int | None = None  # through the agent's session: no channel of its own
    saying_name: bool = False    # the whisper still plays (a `characters:` playback cannot
                                 # be stopped, and the channel joins no bridge while it plays)

    @property
    def live(self) -> bool:
        return self.state in (LegState.RINGING, LegState.WHISPER)


@dataclass(frozen=True)
class Ring:
    key: str      # the call's key: its legs enter Stasis with "<route>,<key>"
    route: str
    nonce: str    # makes the legs' channel ids unique
    plan: RingPlan
    step: int = -1
    legs: tuple[Leg, ...] = ()
    winner: str | None = None
    waiting: int | None = None  # the step whose logged-in agents the call waits for

    def leg(self, leg_id: str) -> Leg | None:
        return next((leg for leg in self.legs if leg.id == leg_id), None)

    @property
    def won(self) -> Leg | None:
        return self.leg(self.winner) if self.winner else None


# ---- effects -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Originate:
    channel_id: str
    target: str            # a desk phone or an E.164 number (dial_string)
    training: bool
    app_args: str
    caller_id: str | None
    timeout: int


@dataclass(frozen=True)
class Hangup:
    channel_id: str


@dataclass(frozen=True)
class Play:
    channel_id: str
    media: tuple[str, ...]
    playback_id: str


@dataclass(frozen=True)
class StartWhisperTimer:
    leg_id: str
    seconds: int


@dataclass(frozen=True)
class LookUpSessions:
    """Which of `agent_ids` are logged in now: answered by a Sessions event."""
    step: int
    agent_ids: tuple[int, ...]


@dataclass(frozen=True)
class WaitForAgent:
    """Reserve one of `agent_ids` when free: AgentReserved, or NoAgent after `seconds`."""
    step: int
    agent_ids: tuple[int, ...]
    seconds: int


@dataclass(frozen=True)
class CancelAgentWait:
    pass


@dataclass(frozen=True)
class ReleaseAgent:
    agent_id: int


RingEffect = (Originate | Hangup | Play | StartWhisperTimer | LookUpSessions | WaitForAgent
              | CancelAgentWait | ReleaseAgent)
Result = tuple[Ring, tuple[RingEffect, ...], Outcome]


# ---- the steps -----------------------------------------------------------------------------
def who(plan: RingPlan) -> tuple[str, ...]:
    """What a user hears of the caller: the ring group's whisper prompt if it has one, then
    the contact's name when known, else the number (a beep when neither has anything to say)."""
    whisper = (plan.whisper_media,) if plan.whisper_media else ()
    return whisper + tuple(announce_media(plan.contact_name, plan.caller) or ["sound:beep"])


def shown(plan: RingPlan) -> str | None:
    """The caller ID a rung user sees: the contact's name and the caller's (or the
    company's) number; none rather than a number that is not one."""
    try:
        return caller_id(plan.contact_name, plan.shown_number or "")
    except UnsafeValue:
        return None


def next_step(ring: Ring) -> Result:
    """Ring the next step (first: which of its users are logged in), or nobody is left."""
    step = ring.step + 1
    ring = replace(ring, step=step, waiting=None)
    if step >= len(ring.plan.steps):
        return ring, (), Outcome.EXHAUSTED
    agents = tuple(a for t in ring.plan.steps[step].targets
                   if (a := ring.plan.agent_of(t)) is not None)
    return ring, (LookUpSessions(step, agents),), Outcome.NONE


def sessions(ring: Ring, step: int, logged_in: frozenset[int]) -> Result:
    """The step's users are rung: agents through their session, the others' phones."""
    if (step != ring.step or ring.winner or ring.step >= len(ring.plan.steps)
            or any(leg.step == step for leg in ring.legs)):
        return ring, (), Outcome.NONE  # late, or a duplicate
    ring_step = ring.plan.steps[step]
    legs = list(ring.legs)
    effects: list[RingEffect] = []
    in_session = []
    for n, target in enumerate(ring_step.targets):
        agent_id = ring.plan.agent_of(target)
        if agent_id is not None and agent_id in logged_in:
            in_session.append(agent_id)
            legs.append(Leg(f"session-{agent_id}", step, target, agent_id=agent_id))
            continue
        leg_id = f"{RING_LEG_PREFIX}{ring.nonce}{step:02d}{n:02d}"
        legs.append(Leg(leg_id, step, target))
        effects.append(Originate(leg_id, target, ring.plan.training, f"{ring.route},{ring.key}",
                                 shown(ring.plan), ring_step.seconds))
    waiting = step if in_session else None
    if in_session:
        effects.insert(0, WaitForAgent(step, tuple(in_session), ring_step.seconds))
    return replace(ring, legs=tuple(legs), waiting=waiting), tuple(effects), Outcome.NONE


def _set(ring: Ring, leg_id: str, **changes: object) -> Ring:
    return replace(ring, legs=tuple(replace(leg, **changes) if leg.id == leg_id else leg  # type: ignore[arg-type]
                                    for leg in ring.legs))


def _step_over(ring: Ring, effects: tuple[RingEffect, ...]) -> Result:
    """The current step has no leg left that may still accept (nor agent awaited): next."""
    if ring.winner or ring.waiting == ring.step or any(
            leg.live for leg in ring.legs if leg.step == ring.step):
        return ring, effects, Outcome.NONE
    ring, more, outcome = next_step(ring)
    return ring, effects + more, outcome


def win(ring: Ring, leg_id: str) -> Result:
    """`leg_id` takes the call: every other leg stops ringing now."""
    effects: list[RingEffect] = []
    if ring.waiting is not None:
        effects.append(CancelAgentWait())
    legs = []
    for leg in ring.legs:
        if leg.id == leg_id:
            leg = replace(leg, state=LegState.WON)
        elif leg.live:
            leg = replace(leg, state=LegState.GONE)
            if leg.agent_id is None:
                effects.append(Hangup(leg.id))
        legs.append(leg)
    ring = replace(ring, legs=tuple(legs), winner=leg_id, waiting=None)
    return ring, tuple(effects), Outcome.WON


def answered(ring: Ring, leg_id: str) -> Result:
    leg = ring.leg(leg_id)
    if leg is None or ring.winner or leg.state is not LegState.RINGING:
        return ring, (Hangup(leg_id),), Outcome.NONE  # too late: someone else took it
    if ring.plan.pass_through or ring.plan.forwarded:
        return win(ring, leg_id)  # no accept prompt: it may be a hunt group
    ring = _set(ring, leg_id, state=LegState.WHISPER, saying_name=True)
    return ring, (Play(leg_id, who(ring.plan), f"{leg_id}-whisper"),
                  StartWhisperTimer(leg_id, WHISPER_SECONDS)), Outcome.NONE


def decline(ring: Ring, leg_id: str) -> Result:
    """A DTMF 2, or silence until the whisper timer: that user declines."""
    leg = ring.leg(leg_id)
    if leg is None or leg.state is not LegState.WHISPER or ring.winner:
        return ring, (), Outcome.NONE
    return _step_over(_set(ring, leg_id, state=LegState.DECLINED), (Hangup(leg_id),))


def accept(ring: Ring, leg_id: str) -> Result:
    leg = ring.leg(leg_id)
    if leg is None or leg.state is not LegState.WHISPER or ring.winner:
        return ring, (), Outcome.NONE
    return win(ring, leg_id)


def name_said(ring: Ring, leg_id: str) -> Ring:
    return _set(ring, leg_id, saying_name=False) if ring.leg(leg_id) else ring


def gone(ring: Ring, leg_id: str) -> Result:
    """A leg's channel ended (no answer within the ring time, hung up, or refused)."""
    leg = ring.leg(leg_id)
    if leg is None or not leg.live:
        return ring, (), Outcome.NONE
    return _step_over(_set(ring, leg_id, state=LegState.GONE, saying_name=False), ())


def agent_reserved(ring: Ring, step: int, agent_id: int) -> Result:
    """A logged-in agent of the step is free and reserved: theirs is the call."""
    leg_id = f"session-{agent_id}"
    leg = ring.leg(leg_id)
    if ring.winner or step != ring.step or leg is None or not leg.live:
        return ring, (ReleaseAgent(agent_id),), Outcome.NONE  # too late
    return win(replace(ring, waiting=None), leg_id)


def no_agent(ring: Ring, step: int) -> Result:
    """The step's ring time passed and none of its agents was free."""
    if ring.winner or step != ring.step or ring.waiting != step:
        return ring, (), Outcome.NONE
    legs = tuple(replace(leg, state=LegState.GONE)
                 if leg.agent_id is not None and leg.step == step and leg.live else leg
                 for leg in ring.legs)
    return _step_over(replace(ring, legs=legs, waiting=None), ())


def stop(ring: Ring) -> tuple[Ring, tuple[RingEffect, ...]]:
    """The call ends while ringing: every live leg is hung up, the agent wait cancelled."""
    effects: list[RingEffect] = [CancelAgentWait()] if ring.waiting is not None else []
    legs = []
    for leg in ring.legs:
        if leg.live:
            if leg.agent_id is None:
                effects.append(Hangup(leg.id))
            leg = replace(leg, state=LegState.GONE)
        legs.append(leg)
    return replace(ring, legs=tuple(legs), waiting=None), tuple(effects)


# ---- events (what the ring's legs and the agents' sessions report) ---------------------------
@dataclass(frozen=True)
class Sessions:
    step: int
    logged_in: frozenset[int]


@dataclass(frozen=True)
class LegAnswered:
    leg_id: str


@dataclass(frozen=True)
class Digit:
    leg_id: str
    digit: str


@dataclass(frozen=True)
class WhisperTimeout:
    leg_id: str


@dataclass(frozen=True)
class LegGone:
    """A leg's channel was destroyed, or could not be originated."""
    leg_id: str
    cause: int | None = None


@dataclass(frozen=True)
class AgentReserved:
    step: int
    agent_id: int


@dataclass(frozen=True)
class NoAgent:
    step: int


RingEvent = Sessions | LegAnswered | Digit | WhisperTimeout | LegGone | AgentReserved | NoAgent
RING_EVENTS = (Sessions, LegAnswered, Digit, WhisperTimeout, LegGone, AgentReserved, NoAgent)


def ringing(ring: Ring, event: RingEvent) -> Result:
    """A ring event while the call still rings (the winner's LegGone is the caller's
    machine's business: it never reaches here)."""
    if isinstance(event, Sessions):
        return sessions(ring, event.step, event.logged_in)
    if isinstance(event, LegAnswered):
        return answered(ring, event.leg_id)
    if isinstance(event, Digit):
        if event.digit == "1":
            return accept(ring, event.leg_id)
        return decline(ring, event.leg_id) if event.digit == "2" else (ring, (), Outcome.NONE)
    if isinstance(event, WhisperTimeout):
        return decline(ring, event.leg_id)
    if isinstance(event, LegGone):
        return gone(ring, event.leg_id)
    if isinstance(event, AgentReserved):
        return agent_reserved(ring, event.step, event.agent_id)
    return no_agent(ring, event.step)


def stray(event: object) -> tuple[RingEffect, ...]:
    """An event for a call that rings nobody (yet, or at all): an answer is hung up, an
    agent reservation released, the rest ignored."""
    if isinstance(event, LegAnswered):
        return (Hangup(event.leg_id),)
    return (ReleaseAgent(event.agent_id),) if isinstance(event, AgentReserved) else ()


def after_ringing(ring: Ring, event: RingEvent) -> tuple[Ring, tuple[RingEffect, ...]]:
    """A ring event once the call no longer rings: late answers are hung up, late agent
    reservations released, the rest ignored."""
    if isinstance(event, LegAnswered):
        leg = ring.leg(event.leg_id)
        if leg is None or leg.state is not LegState.WON:
            return ring, (Hangup(event.leg_id),)
    elif isinstance(event, AgentReserved):
        return ring, (ReleaseAgent(event.agent_id),)
    elif isinstance(event, LegGone) and ring.leg(event.leg_id):
        leg = ring.leg(event.leg_id)
        if leg is not None and leg.live:
            return _set(ring, event.leg_id, state=LegState.GONE), ()
    return ring, ()
