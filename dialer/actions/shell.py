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
from ..floor.events import CallChanged
from ..floor.feed import action_event
from ..inbound import legs
from ..inbound.shell import CallShell
from . import machine as m
from . import store as actions_db

log = logging.getLogger("dialer.actions")


class ActionCalls(CallShell[m.ActionCall, m.Event]):
    """Action-plan calls, by key ("action-<id>")."""

    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, app: str, trunk: str,
                 node: str, now: Callable[[], dt.datetime] = utc_now):
        super().__init__(ari, store, agents, app=app, trunk=trunk, now=now)
        self.node = node

    def feature(self) -> Feature:
        return Feature("actions", stasis={
            "actionleg": StasisRoute(lambda event, args: self.on_answered(
                event, args[1], legs.LegAnswered(event["channel"]["id"]))),
            "actioncontact": StasisRoute(lambda event, args: self.on_answered(
                event, args[1], m.ContactAnswered(event["channel"]["id"]))),
        }, channels=lambda: set(self.leg_owner),
            on_channel_destroyed=lambda event: self._leg_gone(
                event["channel"]["id"], event.get("cause")),
            events={"ChannelDtmfReceived": self.on_dtmf})

    def _transition(self, call: m.ActionCall, event: m.Event) -> m.Result:
        return m.transition(call, event, self.now())

    def _closed(self, call: m.ActionCall) -> bool:
        return call.stage is m.Stage.CLOSED and not call.dial_pending

    def _shown(self, before: m.ActionCall, call: m.ActionCall) -> CallChanged | None:
        return action_event(before, call)

    async def tick(self, now: dt.datetime) -> None:
        """Start the action-plan calls whose time has come."""
        for plan in await self.store.run(actions_db.due_action_calls, now, self.node):
            call = m.ActionCall(plan)
            self.calls[call.key] = call
            await self.feed(call.key, m.Started(uuid.uuid4().hex[:12]))

    async def on_answered(self, event: dict, key: str, answered: m.Event) -> None:
        if key not in self.calls:
            await self.ari.hangup(event["channel"]["id"])  # the call is over
            return
        await self.feed(key, answered)

    async def _run_own(self, key: str, effect: object) -> None:
        if isinstance(effect, m.SetStatus):
            await self.store.run(actions_db.set_action_status, effect.action_call_id,
                                 effect.status)
        elif isinstance(effect, m.CallContact):
            await self._call_contact(key, effect)
        elif isinstance(effect, m.Finish):
            await self.store.run(actions_db.finish_action_call, effect.action_call_id,
                                 effect.status, effect.attempt_id, effect.outcome, self.now(),
                                 effect.cause)
            log.info("action call %s: %s", effect.action_call_id, effect.status)
        elif isinstance(effect, m.CloseAttempt):
            await self.store.run(actions_db.close_attempt, effect.attempt_id, effect.outcome,
                                 self.now(), effect.cause)

    async def _call_contact(self, key: str, effect: m.CallContact) -> None:
        self.leg_owner[effect.channel_id] = key
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
            self.leg_owner.pop(effect.channel_id, None)
            await self.feed(key, m.ContactRefused(attempt_id))
            return
        await self.feed(key, m.ContactDialled(attempt_id))
