"""Carrying out the agent session machine's effects (machine.py) on Asterisk and the
database; ARI's answers that matter to the session come back as events."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Callable

import peewee as pw

from ..ari import CALL_BRIDGE_TYPE, AriClient, AriConflict, AriError
from ..followups import store as followups
from ..outbound import store as dialing
from . import store as agent_db
from .events import (
    BridgeCustomer, Bridged, BridgeRefused, CancelWrapTimer, DestroyBridge, Effect, Event,
    HandBack, HangUp, JoinBridge, Persist, Refused, RingFailed, RingPhone, StartWrapTimer, Wake,
    WrapOver,
)
from .machine import AgentRecord, AgentState, transition
from .previews import FollowupPreview, Offer
from .session import AgentStateError, Session
from .view import session_view
from ..floor.feed import agent_event
from ..floor.hub import Hub

log = logging.getLogger("dialer.agents")


class SessionEffects:
    """The part of AgentSessions that feeds a session's machine and carries out what it
    answers, in order."""

    ari: AriClient
    store: Any
    app: str
    now: Callable[[], dt.datetime]
    sessions: dict[int, Session]
    changed: asyncio.Condition
    _wrap_tasks: dict[int, asyncio.Task]
    floor: Hub

    # ---- the machine's events in, its effects out -------------------------------------
    async def _apply(self, session: Session, event: Event) -> tuple[Effect, ...]:
        """Feed the event to the session's machine, then carry out its effects in order.
        The record changes before any await: a second request sees the new state."""
        before = session.record
        session.record, effects = transition(session.record, event, self.now())
        if session.record.state == AgentState.LOGGED_OUT:
            if self.sessions.get(session.agent_id) is session:
                del self.sessions[session.agent_id]
        self.announce(session, before)
        for effect in effects:
            await self._do(session, effect)
        return effects

    def announce(self, session: Session, before: AgentRecord) -> None:
        """Tell the floor (wallboards) when what they show of the session changed."""
        if session.record == before:
            return
        was, now = (agent_event(session_view(session.agent_id, session.endpoint,
                                             session.bridge_id, record), session.groups)
                    for record in (before, session.record))
        if now != was:
            self.floor.publish(now)

    async def _do(self, session: Session, effect: Effect) -> None:
        match effect:
            case Refused(message=message):
                raise AgentStateError(message.format(agent=session.agent_id))
            case RingPhone(channel_id=channel_id):
                await self._ring_phone(session, channel_id)
            case JoinBridge(channel_id=channel_id):
                await self._join_bridge(session, channel_id)
            case BridgeCustomer(customer=customer):
                await self._bridge_customer(session, customer)
            case HangUp(channel_id=channel_id):
                await self._hang_up(channel_id)
            case DestroyBridge():
                await self._hang_up_bridge(session.bridge_id)
            case Persist():
                await self._persist(session.agent_id, effect)
            case Wake():
                await self.wake()
            case HandBack(preview=preview, reason=reason, delay=delay, withdraw=withdraw):
                await self._give_back(preview, session.agent_id,
                                      reason.format(agent=session.agent_id), delay, withdraw)
            case StartWrapTimer(seconds=seconds, wrap_no=wrap_no):
                self._wrap_tasks[session.agent_id] = asyncio.create_task(
                    self._wrap_up(session, seconds, wrap_no))
            case CancelWrapTimer():
                timer = self._wrap_tasks.pop(session.agent_id, None)
                if timer is not None and timer is not asyncio.current_task():
                    timer.cancel()

    async def _ring_phone(self, session: Session, channel_id: str) -> None:
        """Call the desk phone; answered, it enters Stasis as `agent,<id>`. A refusal ends
        the session (RingFailed); login reports it."""
        try:
            await self.ari.originate(session.endpoint, channel_id=channel_id,
                                     app=self.app, app_args=f"agent,{session.agent_id}",
                                     timeout=30, caller_id=f"Dialer <{session.agent_id}>")
        except AriError as exc:
            log.warning("agent %s: could not ring the phone: %s", session.agent_id, exc)
            await self._apply(session, RingFailed())
            raise

    async def _join_bridge(self, session: Session, channel_id: str) -> None:
        try:
            await self.ari.create_bridge(session.bridge_id, type=CALL_BRIDGE_TYPE,
                                         name=f"agent {session.agent_id}")
        except AriConflict:
            pass  # kept from before a restart
        await self.ari.add_to_bridge(session.bridge_id, [channel_id])

    async def _bridge_customer(self, session: Session, customer: str) -> None:
        try:
            await self.ari.add_to_bridge(session.bridge_id, [customer])
        except AriError as exc:
            log.warning("could not bridge %s to agent %s: %s", customer, session.agent_id, exc)
            await self._apply(session, BridgeRefused(customer))
            return
        await self._apply(session, Bridged(customer))

    async def _hang_up(self, channel_id: str) -> None:
        try:
            await self.ari.hangup(channel_id)
        except AriError as exc:  # gone already
            log.info("hang-up of %s: %s", channel_id, exc)

    async def _hang_up_bridge(self, bridge_id: str) -> None:
        try:
            await self.ari.destroy_bridge(bridge_id)
        except AriError as exc:
            log.info("bridge %s not destroyed: %s", bridge_id, exc)

    async def _persist(self, agent_id: int, saved: Persist) -> None:
        """The session is the truth; the database row is what others see. A failed write
        must not leave a call or an agent half-handled: logged, fixed by the next one."""
        try:
            await self.store.run(agent_db.set_agent_state, agent_id, saved)
        except pw.PeeweeException as exc:
            log.warning("agent %s: state %s not saved: %s", agent_id, saved.state, exc)

    async def _wrap_up(self, session: Session, seconds: int, wrap_no: int) -> None:
        await asyncio.sleep(seconds)
        if self._wrap_tasks.get(session.agent_id) is asyncio.current_task():
            del self._wrap_tasks[session.agent_id]
        await self._apply(session, WrapOver(wrap_no))

    async def wake(self) -> None:
        """Calls waiting for an agent look again (one may have come free for them)."""
        async with self.changed:
            self.changed.notify_all()

    async def _give_back(self, preview: Offer, agent_id: int, reason: str,
                         delay: dt.timedelta = dt.timedelta(0), withdraw: bool = False) -> None:
        """Give the previewed contact back to its campaign; a followup is offered again
        later (`withdraw`: the agent left) or cancelled (the agent chose not to call)."""
        if isinstance(preview, FollowupPreview):
            if withdraw:
                await self.store.run(followups.withdraw_offer, preview.followup_id, self.now())
            else:
                await self.store.run(followups.cancel_followup, preview.followup_id,
                                     now=self.now(), agent_id=agent_id, reason=reason)
            return
        await self.store.run(dialing.release, preview.cc_id,
                             next_attempt_at=self.now() + delay, reason=reason)

