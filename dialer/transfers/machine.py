"""Hold, transfers and conference of one answered call, as one machine (issue 18).

The shell creates it when the agent first acts on the call (hold, transfer) and from then on
this machine decides where the customer is: in an agent's bridge, held on music, or with a
transfer target. The shell turns the agent's API calls and ARI events into the events below
and carries out the effects, in order; it resolves a target before the event (an agent group
to one of its ready agents, reserved through the agent session machine; an external number
checked like a campaign call: do-not-call, international, training plan; campaign caller ID).

The agents' desk phones stay in their own bridges (dialer/agents): a consultation *links*
the transferring agent's bridge with the target's place (the target agent's bridge, or a
bridge of the external leg's own) and the customer moves between places.

`transition(call, event) -> (call, effects)` is total; an agent's request the stage does not
allow (or from an agent who does not hold the call) is answered with `Refused` and no change.

stage        event                     next stage (effects)
TALKING      Hold                      HELD (TakeCustomerOut, StartMoh)
HELD         Resume                    TALKING (StopMoh, PutCustomer agent)
TALKING|HELD Transfer blind, agent     TALKING with the target agent (StopMoh if held,
                                       PutCustomer target, TargetTakesCall, AgentDone first)
TALKING|HELD Transfer blind, number    BLIND ([TakeCustomerOut, StartMoh], Reach, AgentDone)
TALKING|HELD Transfer warm             RINGING ([TakeCustomerOut, StartMoh], Reach)
RINGING      TargetAnswered            CONSULTING (Link the agent's bridge and the target)
RINGING      Cancel | TargetGone       TALKING (drop the target, StopMoh, PutCustomer agent):
                                       the customer returns to the agent
CONSULTING   Cancel | TargetGone       TALKING (Unlink, drop the target, customer back)
CONSULTING   Complete                  TALKING with the target agent | EXTERNAL (Unlink,
                                       StopMoh, PutCustomer target, [TargetTakesCall],
                                       AgentDone)
CONSULTING   Conference                CONFERENCED (StopMoh, PutCustomer agent; the link
                                       stays: three parties; [TargetTakesCall])
CONFERENCED  Leave                     as Complete: the customer stays with the target
CONFERENCED  Cancel | TargetGone       TALKING (Unlink, drop the target)
BLIND        TargetAnswered            TALKING with the target agent | EXTERNAL
BLIND        TargetGone                CLOSED (StopMoh, Hangup customer)
EXTERNAL     TargetGone                CLOSED (Hangup customer)
any          CustomerGone              CLOSED (the target dropped, agents done)
AgentGone    (the agent's phone, while it holds the call)
             TALKING | HELD            CLOSED ([StopMoh], AgentDone, Hangup customer)
             RINGING                   BLIND (AgentDone; the target, still being reached,
                                       takes it)
             CONSULTING | CONFERENCED  as Complete (never left alone on hold)
CLOSED       anything                  - (requests Refused)
Target events of another leg are stale: ignored.

Every transfer try is a leg (`RecordLeg`, one row each: ringing, consulting, conferenced,
then completed, cancelled, failed (never answered), gone (hung up after answering) or
customer_gone), kept with the call's record (`CallRecord`: its attempt, or its inbound call;
the machine is the same for both). CLOSED always comes with one `CallOver`: the record is
closed once (by the customer's own call: dialer/outbound, dialer/inbound). The
disposition stays with the first agent (`first_agent`); `agent` is who holds the call now
(None once it is with an external number or nobody).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from .events import (
    AgentDone, AgentGone, CallOver, CallRecord, Cancel, Complete, Conference, CustomerGone, Effect, Event,
    Hangup, Hold, Leave, Leg, Link, Mode, PutCustomer, Reach, RecordLeg, Refused, ReleaseTarget,
    Request, Resume, StartMoh, StopMoh, TakeCustomerOut, TargetAnswered, TargetGone,
    TargetTakesCall, ToAgent, Transfer, Unlink,
)


class Stage(enum.Enum):
    TALKING = "talking"          # the customer is in `agent`'s bridge
    HELD = "held"                # on music, out of every bridge
    RINGING = "ringing"          # warm: the customer held, the target being reached
    CONSULTING = "consulting"    # warm: the agent talks with the target, the customer held
    CONFERENCED = "conferenced"  # the three parties together
    BLIND = "blind"              # the agent left; the customer held until the target answers
    EXTERNAL = "external"        # the customer with an external number, no agent
    CLOSED = "closed"


LEG_PREFIX = "xfer-"  # an external leg's channel id: xfer-<record tag>-<leg no>


@dataclass(frozen=True)
class TransferCall:
    record: CallRecord
    customer: str          # the customer's channel id
    first_agent: int       # keeps the disposition
    agent: int | None      # who holds the call now
    stage: Stage = Stage.TALKING
    leg: Leg | None = None  # the transfer under way, or the external one holding the call
    legs_made: int = 0

    def leg_channel(self, leg: Leg) -> str | None:
        """The external leg's channel (agents' phones are already up in their bridges)."""
        return None if isinstance(leg.target, ToAgent) else (
            f"{LEG_PREFIX}{self.record.tag}-{leg.no}")


Result = tuple[TransferCall, tuple[Effect, ...]]

HOLDING = (Stage.HELD, Stage.RINGING, Stage.CONSULTING, Stage.BLIND)  # the customer on music


def transition(call: TransferCall, event: Event) -> Result:
    """The call's next stage and what to do, in order (see the table above)."""
    if call.stage is Stage.CLOSED:
        return call, ((Refused("the call is over"),) if isinstance(event, Request) else ())
    if isinstance(event, CustomerGone):
        return _close(call, event.cause, "customer_gone", hang_up_customer=False)
    if isinstance(event, AgentGone):
        return _agent_gone(call) if event.agent_id == call.agent else (call, ())
    if isinstance(event, (TargetAnswered, TargetGone)):
        if call.leg is None or event.leg_no != call.leg.no:
            return call, ()
        if isinstance(event, TargetAnswered):
            return _answered(call, call.leg)
        return _target_gone(call, call.leg)
    if call.agent is None or event.by != call.agent:
        return call, (Refused("not your call"),)
    return _request(call, call.agent, event)


def _request(call: TransferCall, agent: int, event: Request) -> Result:
    stage = call.stage
    if isinstance(event, Hold) and stage is Stage.TALKING:
        return replace(call, stage=Stage.HELD), (TakeCustomerOut(call.customer),
                                                 StartMoh(call.customer))
    if isinstance(event, Resume) and stage is Stage.HELD:
        return _back_to_agent(call, agent, ())
    if isinstance(event, Transfer) and stage in (Stage.TALKING, Stage.HELD):
        return _transfer(call, agent, event)
    if isinstance(event, Cancel) and call.leg is not None and stage in (
            Stage.RINGING, Stage.CONSULTING, Stage.CONFERENCED):
        return _drop_target(call, agent, call.leg, "cancelled")
    if isinstance(event, Conference) and stage is Stage.CONSULTING and call.leg is not None:
        return _conference(call, agent, call.leg)
    if call.leg is not None and (isinstance(event, Complete) and stage is Stage.CONSULTING
                                 or isinstance(event, Leave) and stage is Stage.CONFERENCED):
        return _hand_over(call, agent, call.leg)
    return call, (Refused(f"not possible while {stage.value}"),)


def _record(call: TransferCall, leg: Leg, status: str) -> RecordLeg:
    return RecordLeg(call.record, leg.no, leg.mode, leg.target, status, call.agent)


def _hold(call: TransferCall) -> tuple[Effect, ...]:
    if call.stage is Stage.TALKING:
        return TakeCustomerOut(call.customer), StartMoh(call.customer)
    return ()


def _transfer(call: TransferCall, agent: int, event: Transfer) -> Result:
    target = event.target
    if isinstance(target, ToAgent) and target.agent_id == agent:
        return call, (Refused("cannot transfer to oneself"),)
    leg = Leg(call.legs_made + 1, event.mode, target)
    call = replace(call, leg=leg, legs_made=leg.no)
    if event.mode is Mode.BLIND and isinstance(target, ToAgent):
        moh: tuple[Effect, ...] = (StopMoh(call.customer),) if call.stage is Stage.HELD else ()
        return replace(call, stage=Stage.TALKING, agent=target.agent_id, leg=None), (
            *moh, PutCustomer(call.customer, target.agent_id, None),
            TargetTakesCall(target.agent_id, call.record), AgentDone(agent),
            _record(call, leg, "completed"))
    effects = (*_hold(call), Reach(call.record, leg, call.leg_channel(leg)),
               _record(call, leg, "ringing"))
    if event.mode is Mode.BLIND:
        return replace(call, stage=Stage.BLIND, agent=None), (*effects, AgentDone(agent))
    return replace(call, stage=Stage.RINGING), effects


def _answered(call: TransferCall, leg: Leg) -> Result:
    if call.stage is Stage.RINGING and call.agent is not None:
        return replace(call, stage=Stage.CONSULTING), (
            Link(call.agent, leg.target, call.leg_channel(leg)), _record(call, leg, "consulting"))
    if call.stage is Stage.BLIND:
        return _take_over(call, leg, (StopMoh(call.customer),))
    return call, ()


def _take_over(call: TransferCall, leg: Leg, effects: tuple[Effect, ...]) -> Result:
    """The target now holds the customer alone."""
    target = leg.target
    if isinstance(target, ToAgent):
        return replace(call, stage=Stage.TALKING, agent=target.agent_id, leg=None), (
            *effects, PutCustomer(call.customer, target.agent_id, None),
            TargetTakesCall(target.agent_id, call.record), _record(call, leg, "completed"))
    return replace(call, stage=Stage.EXTERNAL, agent=None), (
        *effects, PutCustomer(call.customer, None, call.leg_channel(leg)),
        _record(call, leg, "completed"))


def _hand_over(call: TransferCall, agent: int, leg: Leg) -> Result:
    """Complete (or Leave the conference, or the agent's phone went while consulting: their
    session lets the customer go before it logs out, never hanging them up)."""
    done: tuple[Effect, ...] = (AgentDone(agent),)
    before: tuple[Effect, ...] = (Unlink(agent, leg.target, call.leg_channel(leg)),)
    if call.stage is Stage.CONSULTING:
        before += (StopMoh(call.customer),)
    else:  # conferenced: the customer is in the leaving agent's bridge
        before += (TakeCustomerOut(call.customer),)
    if call.stage is Stage.CONFERENCED and isinstance(leg.target, ToAgent):
        # the target agent took the call at the conference already
        nxt = replace(call, stage=Stage.TALKING, agent=leg.target.agent_id, leg=None)
        return nxt, (*before, PutCustomer(call.customer, leg.target.agent_id, None),
                     *done, _record(call, leg, "completed"))
    nxt, effects = _take_over(call, leg, before)
    return nxt, (*effects, *done)


def _conference(call: TransferCall, agent: int, leg: Leg) -> Result:
    takes: tuple[Effect, ...] = ((TargetTakesCall(leg.target.agent_id, call.record),)
                                 if isinstance(leg.target, ToAgent) else ())
    return replace(call, stage=Stage.CONFERENCED), (
        StopMoh(call.customer), PutCustomer(call.customer, agent, None), *takes,
        _record(call, leg, "conferenced"))


TARGET_WENT = ("failed", "gone")  # leg statuses of a target whose channel is gone already


def _let_target_go(call: TransferCall, leg: Leg, status: str) -> tuple[Effect, ...]:
    """What ends the target's part: linked or not, took the call or not."""
    out: list[Effect] = []
    if call.stage in (Stage.CONSULTING, Stage.CONFERENCED) and call.agent is not None:
        out.append(Unlink(call.agent, leg.target, call.leg_channel(leg)))
    channel = call.leg_channel(leg)
    if channel is not None and status not in TARGET_WENT:
        out.append(Hangup(channel))
    elif isinstance(leg.target, ToAgent):
        took = call.stage is Stage.CONFERENCED or call.agent == leg.target.agent_id
        out.append(AgentDone(leg.target.agent_id) if took else ReleaseTarget(leg.target.agent_id))
    return tuple(out)


def _drop_target(call: TransferCall, agent: int, leg: Leg, status: str) -> Result:
    effects = (*_let_target_go(call, leg, status), _record(call, leg, status))
    if call.stage is Stage.CONFERENCED:  # the customer is with the agent already
        return replace(call, stage=Stage.TALKING, leg=None), effects
    return _back_to_agent(replace(call, leg=None), agent, effects)


def _back_to_agent(call: TransferCall, agent: int, effects: tuple[Effect, ...]) -> Result:
    return replace(call, stage=Stage.TALKING), (
        *effects, StopMoh(call.customer), PutCustomer(call.customer, agent, None))


def _target_gone(call: TransferCall, leg: Leg) -> Result:
    status = "failed" if call.stage in (Stage.RINGING, Stage.BLIND) else "gone"
    if call.stage in (Stage.RINGING, Stage.CONSULTING, Stage.CONFERENCED):
        assert call.agent is not None, "an agent holds a warm transfer"
        return _drop_target(call, call.agent, leg, status)
    return _close(call, None, status, hang_up_customer=True)  # BLIND, EXTERNAL


def _agent_gone(call: TransferCall) -> Result:
    leg = call.leg
    if call.stage is Stage.RINGING and leg is not None:  # its session lets the customer go
        assert call.agent is not None
        return replace(call, stage=Stage.BLIND, agent=None), (AgentDone(call.agent),)
    if call.stage in (Stage.CONSULTING, Stage.CONFERENCED) and leg is not None:
        assert call.agent is not None
        return _hand_over(call, call.agent, leg)
    return _close(call, None, "agent_gone", hang_up_customer=True)


def _close(call: TransferCall, cause: int | None, leg_status: str, *,
           hang_up_customer: bool) -> Result:
    """Over: whoever is still with the customer is let go; the record closes once."""
    out: list[Effect] = []
    if call.stage in HOLDING:
        out.append(StopMoh(call.customer))
    leg = call.leg  # under way, or (EXTERNAL) the one holding the customer
    if leg is not None:
        out.extend(_let_target_go(call, leg, leg_status))
        if call.stage is not Stage.EXTERNAL:
            out.append(_record(call, leg, leg_status))
    if call.agent is not None:  # (a gone phone: its session lets go, then logs out)
        out.append(AgentDone(call.agent))
    if hang_up_customer:
        out.append(Hangup(call.customer))
    out.append(CallOver(call.record, cause))
    return replace(call, stage=Stage.CLOSED, agent=None), tuple(out)
