"""Action-plan calls at run time: the due ones started on the runner's tick, ARI events and
timers turned into the events of dialer.actions.machine, its effects carried out in order.

Channels: one leg per rung user ("actionleg,<call key>") and the contact's
("actioncontact,<call key>"); the call's key ("action-<id>") is no channel.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Callable

from ..agents.shell import AgentSessions
from ..ari import AriClient, AriError
from ..core.asterisk_input import UnsafeValue, dial_string
from ..core.tz import utc_now
from ..features import Feature, StasisRoute
from ..inbound import legs
from ..inbound import machine as inbound
from ..inbound.shell import RingRunner
from . import machine as m
from . import store as actions_db

log = logging.getLogger("dialer.actions")


class ActionCalls:
    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, app: str, trunk: str,
                 node: str, now: Callable[[], dt.datetime] = utc_now):
        self.ari, self.store, self.agents = ari, store, agents
        self.app, self.trunk, self.node, self.now = app, trunk, node, now
        self.calls: dict[str, m.ActionCall] = {}    # by key ("action-<id>")
        self.owner: dict[str, str] = {}             # leg or contact channel -> key
        self.ring = RingRunner(ari, agents, app=app, trunk=trunk, feed=self.feed)

    def feature(self) -> Feature:
        return Feature("actions", stasis={
            "actionleg": StasisRoute(lambda event, args: self.on_answered(
                event, args[1], legs.LegAnswered(event["channel"]["id"]))),
            "actioncontact": StasisRoute(lambda event, args: self.on_answered(
                event, args[1], m.ContactAnswered(event["channel"]["id"]))),
        }, channels=lambda: set(self.owner),
            on_channel_destroyed=lambda event: self.on_channel_destroyed(
                event["channel"]["id"], event.get("cause")))

    async def tick(self, now: dt.datetime) -> None:
        """Start the action-plan calls whose time has come."""
        for plan in await self.store.run(actions_db.due_action_calls, now, self.node):
            call = m.ActionCall(plan)
            self.calls[call.key] = call
            await self.feed(call.key, m.Started(uuid.uuid4().hex[:12]))

    async def feed(self, key: str, event: object) -> None:
        """One event for the call `key`: its transition, then the effects in order."""
        if isinstance(event, legs.LegGone):
            self.owner.pop(event.leg_id, None)
        call = self.calls.get(key)
        if call is None:  # over: a late answer is hung up, a late reservation released
            for effect in legs.stray(event):
                await self.ring.run(key, effect)
            return
        call, effects = m.transition(call, event, self.now())  # type: ignore[arg-type]
        if call.stage is m.Stage.CLOSED:
            self.calls.pop(key, None)  # its channels stay owned until their ChannelDestroyed
        else:
            self.calls[key] = call
        for effect in effects:
            await self._run(call, effect)

    # ---- ARI events ----------------------------------------------------------------------
    async def on_answered(self, event: dict, key: str, answered: object) -> None:
        if key not in self.calls:
            await self.ari.hangup(event["channel"]["id"])  # the call is over
            return
        await self.feed(key, answered)

    async def on_dtmf(self, event: dict) -> None:
        channel_id = event["channel"]["id"]
        if channel_id in self.owner:
            await self.feed(self.owner[channel_id],
                            legs.Digit(channel_id, event.get("digit", "")))

    async def on_channel_destroyed(self, channel_id: str, cause: int | None = None) -> bool:
        key = self.owner.get(channel_id)
        if key is None:
            return False
        await self.feed(key, legs.LegGone(channel_id, cause))
        return True

    # ---- effects -------------------------------------------------------------------------
    async def _run(self, call: m.ActionCall, effect: object) -> None:
        key = call.key
        if isinstance(effect, legs.Originate):
            self.owner[effect.channel_id] = key
        if await self.ring.run(key, effect):
            return
        if isinstance(effect, m.SetStatus):
            await self.store.run(actions_db.set_action_status, effect.action_call_id,
                                 effect.status)
        elif isinstance(effect, inbound.PlayToAgent):
            session = self.agents.sessions.get(effect.agent_id)
            if session is not None:
                await self.ring.play(key, session.channel_id, effect.media, effect.playback_id)
        elif isinstance(effect, m.CallContact):
            await self._call_contact(key, effect)
        elif isinstance(effect, inbound.Bridge):
            try:
                await self.ari.create_bridge(effect.bridge_id, type="mixing", name=effect.name)
                await self.ari.add_to_bridge(effect.bridge_id, list(effect.channels))
            except AriError as exc:
                log.warning("%s: no bridge: %s", key, exc)
                await self.feed(key, inbound.BridgeRefused())
        elif isinstance(effect, inbound.ConnectAgent):
            ok = await self.agents.connect(effect.agent_id, effect.customer,
                                           details=dict(effect.details))
            if not ok:
                await self.feed(key, inbound.BridgeRefused())
        elif isinstance(effect, inbound.DestroyBridge):
            await self.ari.destroy_bridge(effect.bridge_id)
        elif isinstance(effect, inbound.FreeAgent):
            await self.ring.free_agent(effect.agent_id, effect.customer)
        elif isinstance(effect, m.Finish):
            await self.store.run(actions_db.finish_action_call, effect.action_call_id,
                                 effect.status, effect.attempt_id, effect.outcome, self.now(),
                                 effect.cause)
            log.info("action call %s: %s", effect.action_call_id, effect.status)

    async def _call_contact(self, key: str, effect: m.CallContact) -> None:
        self.owner[effect.channel_id] = key
        attempt_id = await self.store.run(
            actions_db.start_action_attempt, effect.action_call_id, phone=effect.phone,
            channel_id=effect.channel_id, now=self.now())
        try:
            await self.ari.originate(dial_string(effect.phone, self.trunk, effect.training),
                                     channel_id=effect.channel_id, app=self.app,
                                     app_args=f"actioncontact,{key}",
                                     caller_id=effect.caller_id, timeout=effect.timeout)
        except (AriError, UnsafeValue) as exc:
            log.warning("action call %s: cannot call the contact: %s", effect.action_call_id,
                        exc)
            self.owner.pop(effect.channel_id, None)
            await self.feed(key, m.ContactRefused(attempt_id))
            return
        await self.feed(key, m.ContactDialled(attempt_id))
