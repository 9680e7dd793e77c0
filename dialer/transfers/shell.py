"""The transfer machine's shell: one `TransferCall` per customer an agent acted on, fed the
agent's requests (dialer/transfers/http.py) and the customer's hang-up, its effects carried
out on ARI, the agent sessions (their public methods) and the store.

Carried out so far: hold and resume (the customer out of the agent's bridge on music on hold,
then back), the leg rows, refusals. The effects of transfers and conference (Reach, Link,
Unlink, Hangup, ReleaseTarget, TargetTakesCall, AgentDone, CallOver) are the next step of
issue 18: their requests are not routed yet.
"""

from __future__ import annotations

import logging
from typing import Callable

from ..agents.session import bridge_id_of
from ..ari import AriClient
from ..ari.errors import AriError
from ..db.validation import ConflictError
from ..features import Feature
from . import store
from .events import (Effect, Event, PutCustomer, RecordLeg, Refused, Request, StartMoh,
                     StopMoh, TakeCustomerOut)
from .machine import Stage, TransferCall, transition

log = logging.getLogger(__name__)


class TransferShell:
    def __init__(self, ari: AriClient, store_, agents, now: Callable) -> None:
        self.ari, self.store, self.agents, self.now = ari, store_, agents, now
        self.calls: dict[str, TransferCall] = {}  # by the customer's channel

    def feature(self) -> Feature:
        return Feature("transfers", on_channel_destroyed=self._on_channel_destroyed)

    async def act(self, agent_id: int, request: Callable[[int], Request]) -> Stage:
        """The agent's request on the call they hold (409 when they hold none, or the
        machine refuses it)."""
        session = self.agents.describe(agent_id)
        if session.customer is None or session.attempt_id is None:
            raise ConflictError("agent", "no call to act on")
        call = self.calls.get(session.customer) or TransferCall(
            session.attempt_id, session.customer, agent_id, agent_id)
        await self._feed(call, request(agent_id))
        return self.calls[call.customer].stage if call.customer in self.calls else Stage.CLOSED

    async def _feed(self, call: TransferCall, event: Event) -> None:
        held = call.stage is Stage.HELD
        call, effects = transition(call, event)
        refused = [e.reason for e in effects if isinstance(e, Refused)]
        if refused:
            raise ConflictError("action", refused[0])
        if held != (call.stage is Stage.HELD) and call.stage is not Stage.CLOSED:
            self.agents.floor.hold(call.customer, not held)  # what the wallboards show
        if call.stage is Stage.CLOSED:
            self.calls.pop(call.customer, None)
        else:
            self.calls[call.customer] = call
        for effect in effects:
            await self._carry_out(effect)

    async def _carry_out(self, effect: Effect) -> None:
        try:
            if isinstance(effect, TakeCustomerOut):
                for bridge in await self._bridges_of(effect.channel):
                    await self.ari.remove_from_bridge(bridge, [effect.channel])
            elif isinstance(effect, (StartMoh, StopMoh)):
                method = "POST" if isinstance(effect, StartMoh) else "DELETE"
                await self.ari.request(method, f"/channels/{effect.channel}/moh")
            elif isinstance(effect, PutCustomer) and effect.agent_id is not None:
                await self.ari.add_to_bridge(bridge_id_of(effect.agent_id), [effect.channel])
            elif isinstance(effect, RecordLeg):
                await self.store.run(store.record_leg, effect, self.now())
            else:
                raise NotImplementedError(f"transfers: {type(effect).__name__} not carried out")
        except AriError as exc:  # the channel went meanwhile: its ChannelDestroyed follows
            log.info("transfer effect %s failed: %s", effect, exc)

    async def _bridges_of(self, channel_id: str) -> list[str]:
        return [b["id"] for b in await self.ari.list_bridges() if channel_id in b["channels"]]

    async def _on_channel_destroyed(self, event: dict) -> bool:
        """A held customer hung up: forgotten here; their call (dialer/outbound) closes the
        attempt, so the channel is not claimed (False)."""
        self.calls.pop(event["channel"]["id"], None)
        return False
