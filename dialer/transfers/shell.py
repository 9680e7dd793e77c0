"""The transfer machine's shell: one `TransferCall` per customer an agent acted on, fed the
agent's requests (dialer/transfers/http.py), the external legs' answers and every hang-up
that matters (the customer's, a leg's, an agent's desk phone); its effects carried out by
TransferEffects (effects.py) on ARI, the agent sessions and the store.

A target is resolved before the machine sees it: an agent reserved through its session
machine (a group: its longest-idle free agent, as campaign calls take one), an external
number checked like a campaign call (store.external_target). Calls of the outbound
machine (campaign, preview, followup, manual; their record: the attempt) and inbound callers
an agent took (dialer/inbound; their record: the InboundCall) are transferred: the
customer's own call is told where the customer went (`customer_moved`: its machine's
`Moved`), so it ends the right agent's call and closes its record once when the customer
hangs up. Other calls an agent holds (action-plan calls) may be held, not transferred.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Callable, Protocol

from ..agents.session import agent_of_leg, bridge_id_of
from ..ari import CALL_BRIDGE_TYPE, AriClient
from ..ari.errors import AriError
from ..db.validation import ConflictError
from ..features import (Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep,
                        StasisRoute)
from . import store
from .effects import TransferEffects, leg_bridge
from .events import (AgentGone, CallKind, CallRecord, CustomerGone, Event, Mode, Refused,
                     Request, Target, TargetAnswered, TargetGone, ToAgent, Transfer)
from .machine import Stage, TransferCall, transition

log = logging.getLogger(__name__)
ON_MUSIC = {Stage.HELD, Stage.RINGING, Stage.CONSULTING, Stage.BLIND}  # the customer hears music


class CustomersCall(Protocol):
    """The feature whose machine has the customer's call (OutboundCalls, InboundCalls)."""

    async def customer_moved(self, customer: str, agent_id: int | None) -> None: ...


class TransferShell(TransferEffects):
    def __init__(self, ari, store_, agents, now: Callable, *, outbound=None, inbound=None,
                 app: str = "dialer", trunk: str = "carrier") -> None:
        self.ari, self.store, self.agents, self.now = ari, store_, agents, now
        self.outbound, self.inbound, self.app, self.trunk = outbound, inbound, app, trunk
        self.calls: dict[str, TransferCall] = {}  # by the customer's channel
        self.legs: dict[str, str] = {}  # an external leg's channel -> its customer
        self.let_go: set[str] = set()  # customers with an external leg before a restart
        self.lock = asyncio.Lock()  # one event's effects at a time

    def feature(self) -> Feature:
        return Feature("transfers", stasis={"transfer": StasisRoute(
            lambda event, args: self._on_leg_answered(event), lambda args: True)},
            channels=self.legs.keys, on_channel_destroyed=self._on_channel_destroyed,
            clean_up=self.clean_up, resync=ResyncStep(ResyncPhase.CALLS, self._put_back_held))

    async def _put_back_held(self, ari: AriClient, pbx: PbxSnapshot,
                             handover: ResyncHandover) -> ResyncHandover:
        """After a restart (before the calls' own step, which adopts the calls found in
        agents' bridges and ends the others): a customer held on music, in no bridge, whose
        agent was taken back free, is put back with that agent."""
        bridged = {c for b in pbx.bridges for c in b.get("channels") or []}
        loose = {c["id"] for c in pbx.channels if c.get("state") == "Up"} - bridged
        taken_back = dict(handover.taken_back)
        for attempt_id, customer, agent_id, campaign_id in await self.store.run(
                store.held_customers, self.outbound.node,
                sorted(loose - handover.hung_up - self.let_go)):
            if agent_id is None or taken_back.get(agent_id) != [] or not (
                    await self.agents.reserve(agent_id)):
                continue
            try:
                await ari.request("DELETE", f"/channels/{customer}/moh")
                await ari.add_to_bridge(bridge_id_of(agent_id), [customer])
            except AriError as exc:
                log.warning("attempt %s: held customer not put back: %s", attempt_id, exc)
                await self.agents.release(agent_id)
                continue
            await self.agents.take_over(agent_id, customer, attempt_id, campaign_id)
            taken_back[agent_id] = [customer]
            log.info("attempt %s: held customer %s put back with agent %s", attempt_id,
                     customer, agent_id)
        return replace(handover, taken_back=taken_back)

    # ---- the agent's requests ------------------------------------------------------------
    async def act(self, agent_id: int, request: Callable[[int], Request]) -> TransferCall:
        """The agent's request on the call they hold (409 when they hold none, or the
        machine refuses it)."""
        async with self.lock:
            return await self._feed(self._held_by(agent_id), request(agent_id))

    async def transfer(self, agent_id: int, mode: Mode, *, to_agent: int | None = None,
                       to_group: int | None = None, number: object = None) -> TransferCall:
        """Transfer the agent's call (exactly one target given, checked by the caller)."""
        async with self.lock:
            call = self._held_by(agent_id)
            if self._own_call(call) is None:
                raise ConflictError("action", "only campaign, followup, manual and inbound "
                                              "calls are transferred")
            if number is not None:
                target: Target = await self.store.run(store.external_target, call.record,
                                                      number)
            else:
                target = await self._reserve(agent_id, to_agent, to_group)
            try:
                return await self._feed(call, Transfer(agent_id, mode, target))
            except ConflictError:
                if isinstance(target, ToAgent):
                    await self.agents.release(target.agent_id)
                raise

    def stage_of(self, agent_id: int) -> tuple[str | None, bool]:
        """The stage of the agent's customer's call (None: no call) and whether the agent
        is the one who acts on it (a target agent in a conference is not)."""
        customer = self.agents.describe(agent_id).customer
        call = self.calls.get(customer or "")
        if call is None:
            return ("talking" if customer else None), customer is not None
        return call.stage.value, call.agent == agent_id

    def _held_by(self, agent_id: int) -> TransferCall:
        session = self.agents.describe(agent_id)
        customer = session.customer
        call = self.calls.get(customer or "")
        if call is not None:
            return call
        inbound = self.inbound.record_of(customer) if self.inbound and customer else None
        if inbound is not None:
            record = CallRecord(CallKind.INBOUND, inbound)
        elif customer is not None and session.attempt_id is not None:
            record = CallRecord(CallKind.ATTEMPT, session.attempt_id)
        else:
            raise ConflictError("agent", "no call to act on")
        return TransferCall(record, customer, agent_id, agent_id)

    def _own_call(self, call: TransferCall) -> CustomersCall | None:
        """The feature whose machine has the customer's call (told where they go), if any."""
        if call.record.kind is CallKind.INBOUND:
            return self.inbound
        if self.outbound is not None and call.customer in self.outbound.calls:
            return self.outbound
        return None

    async def _reserve(self, agent_id: int, to_agent: int | None,
                       to_group: int | None) -> ToAgent:
        """The target agent, reserved for this call (free now, or refused: 409)."""
        if to_group is not None:
            loop = asyncio.get_running_loop()
            picked = await self.agents.take(to_group, loop.time())
            if picked is None:
                raise ConflictError("group_id", f"no agent of group {to_group} is available")
            return ToAgent(picked, to_group)
        assert to_agent is not None
        if to_agent == agent_id:
            raise ConflictError("agent_id", "cannot transfer to oneself")
        if not await self.agents.reserve(to_agent):
            raise ConflictError("agent_id", f"agent {to_agent} is not available")
        return ToAgent(to_agent)

    # ---- the machine ---------------------------------------------------------------------
    async def _feed(self, call: TransferCall, event: Event) -> TransferCall:
        """Feed the event, carry out its effects in order, then the events they answered
        (a target reached at once, or refused); the customer's call told where it went."""
        pending = [event]
        while pending:
            before = call
            call, effects = transition(call, pending.pop(0))
            refused = [e.reason for e in effects if isinstance(e, Refused)]
            if refused:
                raise ConflictError("action", refused[0])
            on_music = call.stage in ON_MUSIC
            if on_music != (before.stage in ON_MUSIC) and call.stage is not Stage.CLOSED:
                self.agents.floor.hold(call.customer, on_music)  # what the wallboards show
            if call.stage is Stage.CLOSED:
                self.calls.pop(call.customer, None)
            else:
                self.calls[call.customer] = call
            for effect in effects:
                pending += await self.carry_out(call, effect)
            own = self._own_call(call)
            if call.agent != before.agent and call.stage is not Stage.CLOSED and own:
                await own.customer_moved(call.customer, call.agent)
        return call

    # ---- ARI events ----------------------------------------------------------------------
    async def _on_leg_answered(self, event: dict) -> None:
        """An external target answered (its channel entered Stasis): into its own bridge."""
        channel = event["channel"]["id"]
        async with self.lock:
            call = self.calls.get(self.legs.get(channel, ""))
            if call is None:  # its call is over
                await self.hang_up(channel)
                return
            await self.ari.create_bridge(leg_bridge(channel), type=CALL_BRIDGE_TYPE, name="transfer")
            await self.ari.add_to_bridge(leg_bridge(channel), [channel])
            await self._feed(call, TargetAnswered(_leg_no(channel)))

    async def _on_channel_destroyed(self, event: dict) -> bool:
        """The customer (their call in dialer/outbound closes the attempt: not claimed), an
        external leg (claimed), a desk phone of an agent holding a call or its target."""
        channel = event["channel"]["id"]
        async with self.lock:
            if channel in self.calls:
                await self._feed(self.calls[channel], CustomerGone(event.get("cause")))
                return False
            customer = self.legs.pop(channel, None)
            if customer is not None:
                await self.ari.destroy_bridge(leg_bridge(channel))
                if customer in self.calls:
                    await self._feed(self.calls[customer], TargetGone(_leg_no(channel)))
                return True
            agent = agent_of_leg(channel)
            if agent is None:
                return False
            for call in list(self.calls.values()):
                leg = call.leg
                if call.agent == agent:
                    await self._feed(call, AgentGone(agent))
                elif leg and isinstance(leg.target, ToAgent) and leg.target.agent_id == agent:
                    await self._feed(call, TargetGone(leg.no))
            return False


def _leg_no(channel: str) -> int:
    return int(channel.rsplit("-", 1)[1])  # LEG_PREFIX<record>-<leg> (TransferCall.leg_channel)
