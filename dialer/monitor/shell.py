"""Supervisors on agents' calls at run time: the API's requests, the supervisor's leg and
the agent's bridge turned into the events of dialer.monitor.machine, its effects carried
out over ARI.

How each mode is joined on Asterisk 22 (ARI):
- listen: a snoop channel on the agent's desk-phone leg (spy=both: what the agent hears
  and says, so the customer and the agent), in a bridge of its own with the supervisor.
  Nothing the supervisor says reaches the call: the snoop whispers nothing. A snoop rather
  than the supervisor muted in the agent's bridge: ARI's bridge roles do not mute anybody
  (a mixing bridge mixes every member), and a muted member of the call's bridge would be
  one more channel there for the call's own logic and its resync to account for.
- whisper: the same with whisper=out: what the supervisor says is mixed into what the
  agent's leg sends to the desk phone, which the customer never hears. A snoop's
  directions are fixed when it is made: a switch replaces the snoop.
- barge: the supervisor in the agent's bridge: a three-way call.
Leaving takes out only the supervisor's side (the snoop, or the supervisor from the
agent's bridge): the call goes on. The call ending for the agent hangs the supervisor up:
each monitoring follows the agent's session on the floor's hub (its AgentChanged records)
and ends when the session no longer holds the customer it began with (machine.call_goes_on).
So hold and resume (the customer leaves the agent's bridge for music and comes back) and a
warm transfer's consultation or conference keep the supervisor on; the customer hanging up,
the agent ending the call or leaving, and a completed transfer (the customer now another
agent's or an external number's) end it: the supervisor may then monitor the receiving
agent. A supervisor barging stays in the agent's bridge while the customer is held.

Channels: the supervisor's leg "monitor-<agent>-<nonce>" ("monitor,<agent>" in Stasis), the
snoop "monitor-snoop-<agent>-<nonce>"; the bridge "dialer-monitor-<agent>". After a restart
nobody is monitoring: the resync's clean-up hangs up what is left of them.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from ..agents.machine import AgentState
from ..agents.session import bridge_id_of
from ..agents.shell import AgentSessions, AgentStateError
from ..ari import AriClient, AriError
from ..beep.shell import add_when_in_stasis
from ..db import audit
from ..db.validation import ConflictError
from ..features import Feature, StasisRoute
from ..floor.events import AgentChanged, Ended, FloorEvent, Scope
from ..floor.feed import monitor_event
from ..floor.hub import Subscription
from . import machine as m
from . import store as monitor_db

log = logging.getLogger("dialer.monitor")
LEG_PREFIX, SNOOP_PREFIX, BRIDGE_PREFIX = "monitor-", "monitor-snoop-", "dialer-monitor-"
RING_SECONDS = 30


@dataclass
class Watch:
    """A monitoring session and what it is about."""
    session: m.Monitoring
    supervisor: monitor_db.Supervisor
    agent_leg: str          # the agent's desk-phone leg, the one snooped on
    customer: str           # the agent's customer: the call watched
    campaign_id: int | None
    subscription: Subscription  # the agent's changes (the floor's hub)
    follower: asyncio.Task | None = None  # ends the monitoring when the call ends
    snoop: str | None = None
    bridge_made: bool = False  # the supervisor's own bridge (listen, whisper) exists

    def as_json(self) -> dict:
        return {"agent_id": self.session.agent_id, "supervisor_id": self.supervisor.user_id,
                "mode": self.session.mode.value, "state": self.session.state.value}


class _TheAgent(Scope):
    """One agent's session changes (`agents`: that agent), whatever their campaign."""

    def admit(self, event: FloorEvent) -> FloorEvent | None:
        return event if isinstance(event, AgentChanged) and event.agent_id in self.agents \
            else None


class Monitors:
    """The monitoring sessions, one at most per agent."""

    def __init__(self, ari: AriClient, store, agents: AgentSessions, app: str):
        self.ari, self.store, self.agents, self.app = ari, store, agents, app
        self.watches: dict[int, Watch] = {}
        self.lock = asyncio.Lock()

    def feature(self) -> Feature:
        return Feature("monitor", stasis={"monitor": StasisRoute(self.on_answered)},
                       channels=self.channels,
                       awaits_own_stasis=lambda channel_id: channel_id.startswith(SNOOP_PREFIX),
                       on_channel_destroyed=self.on_channel_destroyed,
                       clean_up=self.clean_up)

    def channels(self) -> set[str]:
        return ({w.session.leg for w in self.watches.values()}
                | {w.snoop for w in self.watches.values() if w.snoop})

    def describe(self, agent_id: int) -> dict:
        return self._watch(agent_id).as_json()

    def _watch(self, agent_id: int) -> Watch:
        watch = self.watches.get(agent_id)
        if watch is None:
            raise AgentStateError("nobody is monitoring this agent's call", "agent")
        return watch

    # ---- the API --------------------------------------------------------------------------
    async def start(self, agent_id: int, supervisor: monitor_db.Supervisor,
                    mode: m.Mode) -> dict:
        """Ring the supervisor's desk phone; joined in `mode` once answered."""
        async with self.lock:
            view = self.agents.describe(agent_id)
            if view.state != AgentState.ON_CALL or view.customer is None:
                raise AgentStateError("the agent is not on a call", "agent")
            if agent_id in self.watches:
                raise ConflictError("agent", "a supervisor is already on this agent's call")
            leg = f"{LEG_PREFIX}{agent_id}-{uuid.uuid4().hex[:8]}"
            session, effects = m.begin(agent_id, supervisor.user_id, leg, mode)
            agent_leg = self.agents.sessions[agent_id].channel_id
            # subscribed before any await: no change of the session falls in between
            subscription = self.agents.floor.subscribe(
                _TheAgent(frozenset({agent_id}), frozenset()))
            watch = Watch(session, supervisor, agent_leg, view.customer, view.campaign_id,
                          subscription)
            watch.follower = asyncio.create_task(self._follow(watch))
            self.watches[agent_id] = watch
            await self._run(agent_id, effects)
            self._tell_floor(watch)
            return watch.as_json()  # closed if the phone could not be rung

    async def switch(self, agent_id: int, mode: m.Mode) -> dict:
        await self.feed(agent_id, m.Switch(mode), missing_is_error=True)
        return self.describe(agent_id)

    async def stop(self, agent_id: int) -> None:
        await self.feed(agent_id, m.Leave(), missing_is_error=True)

    # ---- ARI events -----------------------------------------------------------------------
    async def on_answered(self, event: dict, args: list[str]) -> None:
        channel_id = event["channel"]["id"]
        watch = self.watches.get(int(args[1])) if args[1].isdigit() else None
        if watch is None or watch.session.leg != channel_id:
            await self.ari.hangup(channel_id)  # the session is over
            return
        await self.feed(watch.session.agent_id, m.Answered())

    async def on_channel_destroyed(self, event: dict) -> bool:
        channel_id = event["channel"]["id"]
        for watch in list(self.watches.values()):
            if watch.session.leg == channel_id:
                await self.feed(watch.session.agent_id, m.SupervisorGone())
                return True
            if watch.snoop == channel_id:
                return True
        return channel_id.startswith(SNOOP_PREFIX)

    async def _follow(self, watch: Watch) -> None:
        """Until the agent's session leaves the call watched (any change, or a resync of
        the subscription, is a look at the session as it is now)."""
        agent_id = watch.session.agent_id
        while not isinstance(await watch.subscription.next(), Ended):
            view = self.agents.describe(agent_id)
            if not m.call_goes_on(view.state, view.customer, watch.customer):
                await self.feed(agent_id, m.CallEnded())
                return

    async def clean_up(self, ari: AriClient, channels: list[dict], bridges: list[dict]) -> int:
        """What no live session holds (left by an earlier process): hung up, destroyed."""
        ours = self.channels()
        kept_bridges = {BRIDGE_PREFIX + str(agent_id) for agent_id in self.watches}
        stale = [c["id"] for c in channels
                 if c["id"].startswith(LEG_PREFIX) and c["id"] not in ours]
        stale_bridges = [b["id"] for b in bridges
                         if b["id"].startswith(BRIDGE_PREFIX) and b["id"] not in kept_bridges]
        for channel_id in stale:
            log.info("resync: hanging up %s, left from an earlier monitoring", channel_id)
            await ari.hangup(channel_id)
        for bridge_id in stale_bridges:
            await ari.destroy_bridge(bridge_id)
        return len(stale) + len(stale_bridges)

    # ---- the machine's effects ------------------------------------------------------------
    async def feed(self, agent_id: int, event: m.Event, *, missing_is_error: bool = False) -> None:
        async with self.lock:
            watch = self.watches.get(agent_id)
            if watch is None:
                if missing_is_error:
                    self._watch(agent_id)
                return
            watch.session, effects = m.transition(watch.session, event)
            await self._run(agent_id, effects)
            self._tell_floor(watch)

    def _tell_floor(self, watch: Watch) -> None:
        """The wallboards show who monitors the agent, how (the hub drops no-changes)."""
        self.agents.floor.publish(monitor_event(watch.session, watch.supervisor.username,
                                                watch.campaign_id))

    async def _run(self, agent_id: int, effects: tuple[m.Effect, ...]) -> None:
        watch = self.watches[agent_id]
        for effect in effects:
            try:
                await self._carry_out(watch, effect)
            except AriError as exc:  # the channel went meanwhile: its event follows
                log.warning("monitoring agent %s: %s failed: %s", agent_id, effect, exc)
                if isinstance(effect, (m.RingSupervisor, m.Join)):
                    watch.session, more = m.transition(
                        watch.session, m.SupervisorGone() if isinstance(
                            effect, m.RingSupervisor) else m.CallEnded())
                    await self._run(agent_id, more)
                    return

    async def _carry_out(self, watch: Watch, effect: m.Effect) -> None:
        agent_id, leg = watch.session.agent_id, watch.session.leg
        if isinstance(effect, m.RingSupervisor):
            await self.ari.originate(watch.supervisor.phone.dial_string, channel_id=leg,
                                     app=self.app, app_args=f"monitor,{agent_id}",
                                     timeout=RING_SECONDS)
        elif isinstance(effect, m.Join):
            await self._join(watch, effect.mode)
        elif isinstance(effect, m.Part):
            await self._part(watch, effect.mode)
        elif isinstance(effect, m.HangUpSupervisor):
            await self.ari.hangup(effect.leg)
        elif isinstance(effect, m.Audit):
            await self._audit(watch, effect)
        elif isinstance(effect, m.Closed):
            del self.watches[agent_id]
            watch.subscription.close()
            if watch.follower is not None and watch.follower is not asyncio.current_task():
                watch.follower.cancel()
            await self.ari.destroy_bridge(BRIDGE_PREFIX + str(agent_id))

    async def _join(self, watch: Watch, mode: m.Mode) -> None:
        agent_id, leg = watch.session.agent_id, watch.session.leg
        if mode is m.Mode.BARGE:
            await self.ari.add_to_bridge(bridge_id_of(agent_id), leg)
            return
        bridge = BRIDGE_PREFIX + str(agent_id)
        if not watch.bridge_made:  # made once: Asterisk refuses a second POST (409)
            await self.ari.create_bridge(bridge)
            watch.bridge_made = True
        await self.ari.add_to_bridge(bridge, leg)
        watch.snoop = f"{SNOOP_PREFIX}{agent_id}-{uuid.uuid4().hex[:8]}"
        await self.ari.snoop(watch.agent_leg, self.app, snoop_id=watch.snoop, spy="both",
                             whisper="out" if mode is m.Mode.WHISPER else "none",
                             app_args="monitorsnoop")
        await add_when_in_stasis(self.ari, bridge, [watch.snoop])

    async def _part(self, watch: Watch, mode: m.Mode) -> None:
        """Only the supervisor's side; a channel already gone is no error here."""
        agent_id, leg = watch.session.agent_id, watch.session.leg
        if mode is m.Mode.BARGE:
            await _quietly(self.ari.remove_from_bridge(bridge_id_of(agent_id), leg))
            return
        if watch.snoop is not None:
            await self.ari.hangup(watch.snoop)
            watch.snoop = None
        await _quietly(self.ari.remove_from_bridge(BRIDGE_PREFIX + str(agent_id), leg))

    async def _audit(self, watch: Watch, effect: m.Audit) -> None:
        """Named after the caller of the request; a stop by a hang-up after the supervisor."""
        supervisor = watch.supervisor
        token = None
        if audit.ACTOR.get() is None:
            token = audit.ACTOR.set(audit.Actor(supervisor.user_id, supervisor.username,
                                                None, False))
        try:
            await self.store.run(monitor_db.record_monitoring, supervisor.account_id,
                                 watch.session.agent_id, supervisor.user_id,
                                 watch.campaign_id, effect.before, effect.after)
        finally:
            if token is not None:
                audit.ACTOR.reset(token)


async def _quietly(request) -> None:
    try:
        await request
    except AriError:
        pass
