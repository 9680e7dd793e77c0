"""Calls to the company number: ARI events, timers and the agents' sessions turned into the
events of dialer.inbound.machine, and its effects carried out in order.

Channels: the caller's (entered Stasis from [dialer-inbound]) and one leg per rung user,
originated into the app as "ringleg,<caller channel id>".

The call's record (InboundCall) is opened as it arrives; an agent who took the caller may
hold, transfer or conference them (dialer/transfers, which asks `record_of` and
`caller_shown` and tells `customer_moved`, as it does the outbound calls).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import Callable, Generic, TypeVar

from ..agents.previews import InboundCaller
from ..agents.shell import AgentSessions
from ..ari import AriClient, AriError
from ..core.asterisk_input import UnsafeValue, dial_string
from ..core.tz import utc_now
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep, StasisRoute
from ..floor.events import CallChanged
from ..floor.feed import inbound_event
from . import legs
from . import machine as m
from . import store as inbound_db
from .records import CloseRecord, ConnectedRecord, EndHolderCall, Moved

log = logging.getLogger("dialer.inbound")

CallT = TypeVar("CallT")
EventT = TypeVar("EventT")  # the machine's events, m.ShellEvent among them


class CallShell(Generic[CallT, EventT]):
    """What the shells of the inbound and action-plan calls share: one machine state per
    call key, each event fed to its `transition` in turn, then the effects carried out in
    order (the ring legs' effects and the bridge and agent effects both machines emit here,
    the rest by the subclass's `_run_own`). An ARI refusal is fed back as an event."""

    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, app: str, trunk: str,
                 now: Callable[[], dt.datetime]):
        self.ari, self.store, self.agents, self.now = ari, store, agents, now
        self.app, self.trunk = app, trunk
        self.calls: dict[str, CallT] = {}           # the machines' states, by call key
        self.leg_owner: dict[str, str] = {}         # leg channel id -> call key
        self.waits: dict[str, asyncio.Task] = {}    # key -> waiting for a logged-in agent
        self.timers: set[asyncio.Task] = set()

    def _transition(self, call: CallT, event: EventT | m.ShellEvent
                    ) -> tuple[CallT, tuple[object, ...]]:
        raise NotImplementedError

    def _closed(self, call: CallT) -> bool:
        raise NotImplementedError

    def _shown(self, before: CallT, call: CallT) -> CallChanged | None:
        """What the floor (wallboards) shows of the change, if anything."""
        raise NotImplementedError

    async def _run_own(self, key: str, effect: object) -> None:
        raise NotImplementedError

    async def feed(self, key: str, event: EventT | m.ShellEvent) -> None:
        """One event for the call `key`: its transition, then the effects in order."""
        if isinstance(event, legs.LegGone):
            self.leg_owner.pop(event.leg_id, None)
        call = self.calls.get(key)
        if call is None:  # over: a late answer is hung up, a late reservation released
            for stray in legs.stray(event):
                await self._run(key, stray)
            return
        before = call
        call, effects = self._transition(call, event)
        self.agents.floor.publish(self._shown(before, call))
        if self._closed(call):
            self.calls.pop(key, None)  # its legs stay owned until their ChannelDestroyed
        else:
            self.calls[key] = call
        for effect in effects:
            await self._run(key, effect)

    async def on_dtmf(self, event: dict) -> None:
        leg_id = event["channel"]["id"]
        if leg_id in self.leg_owner:
            await self.feed(self.leg_owner[leg_id], legs.Digit(leg_id, event.get("digit", "")))

    async def _leg_gone(self, channel_id: str, cause: int | None) -> bool:
        key = self.leg_owner.get(channel_id)
        if key is None:
            return False
        await self.feed(key, legs.LegGone(channel_id, cause))
        return True

    async def _run(self, key: str, effect: object) -> None:
        if isinstance(effect, legs.Originate):
            self.leg_owner[effect.channel_id] = key
            try:
                await self.ari.originate(dial_string(effect.target, self.trunk, effect.training),
                                         channel_id=effect.channel_id, app=self.app,
                                         app_args=effect.app_args, caller_id=effect.caller_id,
                                         timeout=effect.timeout)
            except (AriError, UnsafeValue) as exc:
                log.warning("%s: cannot ring %s: %s", key, effect.target, exc)
                await self.feed(key, legs.LegGone(effect.channel_id))
        elif isinstance(effect, legs.Hangup):
            await self.ari.hangup(effect.channel_id)
        elif isinstance(effect, legs.Play):
            await self._play(key, effect.channel_id, effect.media, effect.playback_id)
        elif isinstance(effect, m.PlayToAgent):
            session = self.agents.sessions.get(effect.agent_id)
            if session is None:
                await self.feed(key, m.PlaybackFinished(effect.playback_id))  # logged out
            else:
                await self._play(key, session.channel_id, effect.media, effect.playback_id)
        elif isinstance(effect, legs.StartWhisperTimer):
            self._later(effect.seconds, key, legs.WhisperTimeout(effect.leg_id))
        elif isinstance(effect, legs.LookUpSessions):
            await self.feed(key, legs.Sessions(effect.step, frozenset(
                a for a in effect.agent_ids if a in self.agents.sessions)))
        elif isinstance(effect, legs.WaitForAgent):
            self.waits[key] = asyncio.create_task(self._wait(key, effect))
        elif isinstance(effect, legs.CancelAgentWait):
            wait = self.waits.pop(key, None)
            if wait:
                wait.cancel()
        else:
            await self._run_agent_or_bridge(key, effect)

    async def _run_agent_or_bridge(self, key: str, effect: object) -> None:
        if isinstance(effect, legs.ReleaseAgent):
            await self.agents.release(effect.agent_id)
        elif isinstance(effect, m.FreeAgent):
            await self._free_agent(effect.agent_id, effect.customer)
        elif isinstance(effect, m.ConnectAgent):
            ok = await self.agents.connect(effect.agent_id, effect.customer,
                                           details=effect.details)
            if ok:
                log.info("%s: connected to agent %s", key, effect.agent_id)
            await self.feed(key, m.Bridged() if ok else m.BridgeRefused())
        elif isinstance(effect, m.Bridge):
            try:
                await self.ari.create_bridge(effect.bridge_id, type="mixing", name=effect.name)
                await self.ari.add_to_bridge(effect.bridge_id, list(effect.channels))
            except AriError as exc:
                log.warning("%s: no bridge: %s", key, exc)
                await self.feed(key, m.BridgeRefused())
                return
            log.info("%s: connected %s", key, " and ".join(effect.channels))
            await self.feed(key, m.Bridged())
        elif isinstance(effect, m.DestroyBridge):
            await self.ari.destroy_bridge(effect.bridge_id)
        else:
            await self._run_own(key, effect)

    async def _play(self, key: str, channel_id: str, media: tuple[str, ...],
                    playback_id: str) -> None:
        """A playback that cannot start is reported finished."""
        try:
            await self.ari.play(channel_id, list(media), playback_id)
        except AriError as exc:
            log.warning("play on %s failed: %s", channel_id, exc)
            await self.feed(key, m.PlaybackFinished(playback_id))

    async def _free_agent(self, agent_id: int, customer: str | None) -> None:
        session = self.agents.sessions.get(agent_id)
        if session is None:
            return
        if customer is not None and session.customer == customer:
            await self.agents.call_ended(agent_id, 0)
        else:
            await self.agents.release(agent_id)

    async def _wait(self, key: str, effect: legs.WaitForAgent) -> None:
        deadline = asyncio.get_running_loop().time() + effect.seconds
        agent_id = await self.agents.take_for_inbound(list(effect.agent_ids), deadline)
        self.waits.pop(key, None)  # from here on nobody cancels this task mid-way
        await self.feed(key, legs.NoAgent(effect.step) if agent_id is None
                        else legs.AgentReserved(effect.step, agent_id))

    def _later(self, seconds: float, key: str, event: EventT | m.ShellEvent) -> None:
        async def fire() -> None:
            await asyncio.sleep(seconds)
            await self.feed(key, event)
        task = asyncio.create_task(fire())
        self.timers.add(task)
        task.add_done_callback(self.timers.discard)


class InboundCalls(CallShell[m.Call, m.Event]):
    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, app: str, trunk: str,
                 now: Callable[[], dt.datetime] = utc_now, node: str | None = None):
        super().__init__(ari, store, agents, app=app, trunk=trunk, now=now)
        self.node = node  # written on each call's record: its lost calls are closed here

    def feature(self) -> Feature:
        return Feature("inbound", stasis={
            "inbound": StasisRoute(lambda event, args: self.on_call(event, args[1])),
            "ringleg": StasisRoute(lambda event, args: self.on_leg_answered(event, args[1])),
        }, channels=self.channels, on_channel_destroyed=lambda event: self.on_channel_destroyed(
            event["channel"]["id"], event.get("cause")), events={
            "PlaybackFinished": self.on_playback_finished,
            "ChannelDtmfReceived": self.on_dtmf,
            "RecordingFinished": self.on_recording_ended,
            "RecordingFailed": self.on_recording_ended,
        }, ends_agent_call=self.end_agent_call,
            resync=ResyncStep(ResyncPhase.CALLS, self._close_lost_records))

    async def _close_lost_records(self, ari: AriClient, pbx: PbxSnapshot,
                                  handover: ResyncHandover) -> ResyncHandover:
        if self.node is not None:
            await self.store.run(inbound_db.close_lost_records, self.node, pbx.live, self.now())
        return handover

    def channels(self) -> set[str]:
        """The Asterisk channels in our hands: callers and their users' legs."""
        return set(self.calls) | set(self.leg_owner)

    def _transition(self, call: m.Call, event: m.Event) -> m.Result:
        return m.transition(call, event, self.now())

    def _closed(self, call: m.Call) -> bool:
        return call.stage is m.Stage.CLOSED

    def _shown(self, before: m.Call, call: m.Call) -> CallChanged | None:
        return inbound_event(before, call)

    # ---- ARI events ----------------------------------------------------------------------
    async def on_call(self, event: dict, dialled: str) -> None:
        channel = event["channel"]
        caller = channel["id"]
        plan, record_id = await self.store.run(
            inbound_db.arrived, dialled, channel.get("caller", {}).get("number", ""), caller,
            self.now(), self.node)
        if plan is None:
            log.warning("inbound call to %s: no account has this number", dialled)
        self.calls[caller] = m.Call(caller)
        await self.feed(caller, m.Arrived(plan, uuid.uuid4().hex[:12], record_id))

    async def on_leg_answered(self, event: dict, caller: str) -> None:
        leg_id = event["channel"]["id"]
        if caller not in self.calls:
            await self.ari.hangup(leg_id)  # the caller left meanwhile
            return
        await self.feed(caller, legs.LegAnswered(leg_id))

    async def on_playback_finished(self, event: dict) -> None:
        playback_id = event["playback"]["id"]
        channel = playback_id.rsplit("-", 1)[0]
        key = self.leg_owner.get(channel, channel)
        if key in self.calls:
            await self.feed(key, m.PlaybackFinished(playback_id))

    async def on_recording_ended(self, event: dict) -> None:
        """The voicemail's recording stopped (RecordingFinished) or broke (RecordingFailed)."""
        recording = event["recording"]
        caller = recording.get("target_uri", "").removeprefix("channel:")
        if caller in self.calls:
            ended = (m.RecordingFinished(recording["name"], recording.get("duration"))
                     if event["type"] == "RecordingFinished"
                     else m.RecordingFailed(recording["name"]))
            await self.feed(caller, ended)

    async def end_agent_call(self, agent_id: int, caller: str) -> bool:
        """The agent ends its call: True if it is this agent's caller, now being hung up."""
        if caller not in self.calls:
            return False
        await self.feed(caller, m.EndedByAgent(agent_id))
        call = self.calls.get(caller)
        return call is None or call.ended_by == agent_id

    # ---- transfers (dialer/transfers) ----------------------------------------------------
    def record_of(self, caller: str) -> int | None:
        """The record of the caller's call, while an agent or a transfer has the caller."""
        call = self.calls.get(caller)
        return call.record_id if call is not None and call.stage is m.Stage.CONNECTED else None

    def caller_shown(self, caller: str) -> InboundCaller | None:
        """What a transfer's target agent sees of the caller."""
        call = self.calls.get(caller)
        return m.caller_shown(call.ring) if call is not None and call.ring else None

    async def customer_moved(self, caller: str, agent_id: int | None) -> None:
        """A transfer gave the caller to another agent, or an external number (None)."""
        if caller in self.calls:
            await self.feed(caller, Moved(agent_id))

    async def on_channel_destroyed(self, channel_id: str, cause: int | None = None) -> bool:
        if channel_id in self.calls:
            await self.feed(channel_id, m.CallerGone())
            return True
        return await self._leg_gone(channel_id, cause)

    # ---- effects -------------------------------------------------------------------------
    async def _run_own(self, key: str, effect: object) -> None:
        if isinstance(effect, m.Answer):
            await self.ari.answer(effect.channel_id)
        elif isinstance(effect, m.Hold):
            await self._hold(effect.channel_id, effect.on)
        elif isinstance(effect, m.Record):
            await self._record(key, effect)
        elif isinstance(effect, m.StoreVoicemail):
            await self.store.run(inbound_db.store_voicemail, effect.account_id,
                                 effect.contact_id, effect.caller, effect.recording,
                                 effect.duration_seconds)
            log.info("voicemail %s from %s", effect.recording, effect.caller)
        elif isinstance(effect, ConnectedRecord):
            await self.store.run(inbound_db.record_connected, effect.record_id, effect.agent_id,
                                 self.now())
        elif isinstance(effect, EndHolderCall):
            session = self.agents.sessions.get(effect.agent_id)
            if session is not None and session.customer == key:
                await self.agents.call_ended(effect.agent_id, 0)
        elif isinstance(effect, CloseRecord):
            await self.store.run(inbound_db.close_record, effect.record_id, self.now())

    async def _record(self, key: str, effect: m.Record) -> None:
        try:
            await self.ari.record(effect.channel_id, effect.name, format="wav",
                                  max_duration_seconds=effect.max_seconds,
                                  max_silence_seconds=5, terminate_on="#", if_exists="overwrite")
        except AriError as exc:
            log.warning("voicemail for %s not recorded: %s", key, exc)
            await self.feed(key, m.RecordRefused())

    async def _hold(self, channel_id: str, on: bool) -> None:
        """Music on hold for the caller, or (on=False) no more of it."""
        try:
            await self.ari.request("POST" if on else "DELETE", f"/channels/{channel_id}/moh")
        except AriError:
            pass  # the caller is gone, or has no music: nothing to do
