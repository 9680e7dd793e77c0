"""Carrying out the transfer machine's effects (machine.py) on ARI, the agent sessions
(their public methods) and the store; what ARI answers that matters comes back as events.

Places: each agent's desk phone stays in the agent's bridge (dialer/agents); an external
target, once answered, sits in a bridge of its own (`leg_bridge`). A consultation (`Link`)
brings the target (the target agent's desk phone, or the external leg) into the
transferring agent's bridge; `Unlink` takes it back to its own place. A channel moved
between bridges is first taken out of the one it is in.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Callable

from ..agents.session import bridge_id_of
from ..ari import AriClient
from ..ari.errors import AriError
from ..core.asterisk_input import PhoneNumber
from . import store
from .events import (AgentDone, CallKind, CallOver, Effect, Event, Hangup, Link, PutCustomer,
                     Reach, RecordLeg, ReleaseTarget, StartMoh, StopMoh, TakeCustomerOut,
                     Target, TargetAnswered, TargetGone, TargetTakesCall, ToAgent, Unlink)
from .machine import LEG_PREFIX, TransferCall

log = logging.getLogger(__name__)
RING_SECONDS = 30  # an external target's ring time


def leg_bridge(channel: str) -> str:
    return f"dialer-{channel}"


class TransferEffects:
    ari: AriClient
    store: Any
    agents: Any     # dialer.agents.shell.AgentSessions
    outbound: Any   # dialer.outbound.shell.OutboundCalls
    inbound: Any    # dialer.inbound.shell.InboundCalls
    now: Callable
    app: str
    trunk: str
    legs: dict[str, str]
    let_go: set[str]

    async def clean_up(self, ari: AriClient, channels: list[dict], bridges: list[dict]) -> int:
        """After a restart: external legs and their bridges from before are hung up (what
        they were for is lost); the customers with them are let go (`let_go`: ended by
        their call's own resync, never put back with an agent)."""
        stale = [c["id"] for c in channels if c["id"].startswith(LEG_PREFIX)]
        for channel in stale:
            with contextlib.suppress(AriError):  # gone meanwhile
                await ari.hangup(channel)
        gone = [b for b in bridges if b["id"].startswith(leg_bridge(LEG_PREFIX))]
        for bridge in gone:
            self.let_go.update(bridge.get("channels") or [])
            await ari.destroy_bridge(bridge["id"])  # False if gone meanwhile
        return len(stale) + len(gone)

    async def carry_out(self, call: TransferCall, effect: Effect) -> list[Event]:
        """One effect; the events it answers with (a target reached, or not)."""
        try:
            return await self._do(call, effect)
        except AriError as exc:  # the channel went meanwhile: its ChannelDestroyed follows
            log.info("transfer effect %s failed: %s", effect, exc)
            return []

    async def _do(self, call: TransferCall, effect: Effect) -> list[Event]:
        match effect:
            case TakeCustomerOut(channel):
                await self._take_out(channel)
            case StartMoh(channel):
                await self.ari.request("POST", f"/channels/{channel}/moh")
            case StopMoh(channel):
                await self.ari.request("DELETE", f"/channels/{channel}/moh")
            case PutCustomer(channel, agent_id, leg_channel):
                place = bridge_id_of(agent_id) if agent_id is not None else leg_bridge(
                    str(leg_channel))
                await self._move(channel, place)
            case Reach():
                return await self._reach(call, effect)
            case Link(agent_id, target, leg_channel):
                await self._move(self._channel_of(target, leg_channel), bridge_id_of(agent_id))
            case Unlink(_, target, leg_channel):
                await self._move(self._channel_of(target, leg_channel),
                                 self._place_of(target, leg_channel))
            case Hangup(channel):
                await self.hang_up(channel)
            case ReleaseTarget(agent_id):
                await self.agents.release(agent_id)
            case TargetTakesCall(agent_id, record):
                attempt = record.id if record.kind is CallKind.ATTEMPT else None
                shown = None if attempt is not None else self.inbound.caller_shown(
                    call.customer)
                if not await self.agents.take_over(agent_id, call.customer, attempt,
                                                   self._setting(call, "id", None), shown):
                    log.warning("%s: agent %s did not take the call", record, agent_id)
            case AgentDone(agent_id):
                await self.agents.call_ended(agent_id, self._setting(call, "bcw_seconds", 0))
            case RecordLeg():
                await self.store.run(store.record_leg, effect, self.now())
            case CallOver(record, _):  # the customer's own call closes its record
                log.info("%s: transferred call over", record)
            case _:
                raise TypeError(f"not an effect of the transfer machine: {effect!r}")
        return []

    async def _reach(self, call: TransferCall, reach: Reach) -> list[Event]:
        target, no = reach.leg.target, reach.leg.no
        if isinstance(target, ToAgent) or reach.channel is None:  # the phone is up already
            return [TargetAnswered(no)]
        self.legs[reach.channel] = call.customer
        try:
            await self.ari.originate(
                PhoneNumber(target.number).dial_string(self.trunk, target.training),
                channel_id=reach.channel, app=self.app, app_args="transfer",
                caller_id=target.caller_id, timeout=RING_SECONDS)
        except AriError as exc:
            log.info("%s: transfer to %s refused: %s", reach.record, target.number, exc)
            self.legs.pop(reach.channel, None)
            return [TargetGone(no)]
        return []

    def _setting(self, call: TransferCall, name: str, default: Any) -> Any:
        """The customer's call's campaign setting (wrap-up seconds, campaign id); an inbound
        call has no campaign: `default`."""
        outbound = self.outbound.calls.get(call.customer) if self.outbound else None
        return getattr(outbound.campaign, name) if outbound is not None else default

    def _channel_of(self, target: Target, leg_channel: str | None) -> str | None:
        """The target's channel: its agent's desk phone (None: logged out), or the leg."""
        if isinstance(target, ToAgent):
            session = self.agents.sessions.get(target.agent_id)
            return session.channel_id if session is not None else None
        return leg_channel

    @staticmethod
    def _place_of(target: Target, leg_channel: str | None) -> str:
        return bridge_id_of(target.agent_id) if isinstance(target, ToAgent) else leg_bridge(
            str(leg_channel))

    async def _bridges_of(self, channel_id: str) -> list[str]:
        return [b["id"] for b in await self.ari.list_bridges() if channel_id in b["channels"]]

    async def _take_out(self, channel: str) -> None:
        for bridge in await self._bridges_of(channel):
            await self.ari.remove_from_bridge(bridge, [channel])

    async def _move(self, channel: str | None, bridge: str) -> None:
        if channel is None:
            return
        for other in await self._bridges_of(channel):
            if other != bridge:
                await self.ari.remove_from_bridge(other, [channel])
        await self.ari.add_to_bridge(bridge, [channel])

    async def hang_up(self, channel: str) -> None:
        try:
            await self.ari.hangup(channel)
        except AriError as exc:
            log.info("hang-up of %s: %s", channel, exc)
