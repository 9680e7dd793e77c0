"""Calls to the company number: ring the users the account's ring group names (steps from
dialer.inbound.ringing), let each answering user hear who calls and accept (1) or decline (2),
bridge the first acceptor and stop every other leg at once; when nobody takes the call,
the caller may leave a voicemail, recorded and stored against the account and contact.

Channels: the caller's (entered Stasis from [dialer-inbound]) and one leg per rung user,
originated into the app as "ringleg,<caller channel id>". A user logged into a dialer
session is not rung: the call waits (within the ring time) for that agent to be free, as
the campaigns' priorities allow (outbound.sharing), hears who calls and the caller joins the
agent's bridge; being available is their acceptance, as in a call queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Callable

from ..ari import AriClient, AriError
from ..outbound.decisions import outcome_for_unanswered
from ..core.asterisk_input import UnsafeValue, announce_media, caller_id, dial_string
from .ringing import RingStep
from ..core.tz import utc_now
from . import store as inbound_db
from ..features import Feature, StasisRoute
from ..agents.shell import AgentSessions
from ..agents.previews import InboundCaller

log = logging.getLogger("dialer.inbound")
RING_LEG_PREFIX = "ring-"  # ids of the legs that ring users' phones

WHISPER_SECONDS = 10   # an answering user who presses nothing has declined
STATUS_MESSAGE = "sound:pls-hold-while-try"
VOICEMAIL_PROMPT = ("sound:vm-nobodyavail", "sound:beep")
VOICEMAIL_MAX_SECONDS = 120


@dataclass
class Leg:
    step: int
    target: str
    state: str = "ringing"   # ringing, whisper, declined, gone, won
    whisper_timer: asyncio.Task | None = None
    saying_name: bool = False  # the whisper still plays (a `characters:` playback cannot
                               # be stopped, and the channel joins no bridge while it plays)
    agent_id: int | None = None  # through the agent's session: no channel of its own


@dataclass
class InboundCall:
    channel_id: str
    plan: dict
    steps: list[RingStep]
    step: int = -1
    stage: str = "ringing"   # ringing, connected, voicemail, done
    legs: dict[str, Leg] = field(default_factory=dict)
    winner: str | None = None
    recording: str | None = None
    action_id: int | None = None      # an action-plan call: no caller, a contact to call
    contact_channel: str | None = None
    attempt_id: int | None = None
    agent_wait: asyncio.Task | None = None  # waiting for a logged-in agent to be free


class InboundCalls:
    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, app: str, trunk: str,
                 node: str, now: Callable[[], dt.datetime] = utc_now):
        self.ari, self.store, self.agents = ari, store, agents
        self.app, self.trunk, self.node, self.now = app, trunk, node, now
        self.calls: dict[str, InboundCall] = {}     # by caller channel id
        self.leg_owner: dict[str, str] = {}         # leg channel id -> caller channel id

    def feature(self) -> Feature:
        return Feature("inbound", stasis={
            "inbound": StasisRoute(lambda event, args: self.on_call(event, args[1])),
            "ringleg": StasisRoute(lambda event, args: self.on_leg_answered(event, args[1])),
            "actioncontact": StasisRoute(
                lambda event, args: self.on_contact_answered(event, args[1])),
        }, channels=self.channels, on_channel_destroyed=lambda event: self.on_channel_destroyed(
            event["channel"]["id"], event.get("cause")))

    def channels(self) -> set[str]:
        """The Asterisk channels in our hands: callers (an action call's key is no channel)
        and the legs owned by a call (users' phones, an action call's contact)."""
        return {key for key, c in self.calls.items() if c.action_id is None} | set(self.leg_owner)

    async def tick(self, now: dt.datetime) -> None:
        """Start the action-plan calls whose time has come."""
        for plan in await self.store.run(inbound_db.due_action_calls, now, self.node):
            await self.start_action(plan)

    # ---- the caller ------------------------------------------------------------------
    async def on_call(self, event: dict, dialled: str) -> None:
        channel = event["channel"]
        caller_id = channel["id"]
        plan = await self.store.run(inbound_db.ring_plan, dialled,
                                    channel.get("caller", {}).get("number", ""))
        if plan is None:
            log.warning("inbound call to %s: no account has this number", dialled)
            await self.ari.hangup(caller_id)
            return
        call = InboundCall(caller_id, plan, plan["steps"])
        self.calls[caller_id] = call
        await self.ari.answer(caller_id)
        if plan["status_message"]:  # then music on hold, once it has been heard
            await self._play(caller_id, STATUS_MESSAGE, f"{caller_id}-status")
        else:
            await self._hold(caller_id)
        await self._next_step(call)

    async def _next_step(self, call: InboundCall) -> None:
        call.step += 1
        if call.step >= len(call.steps):
            await self._voicemail(call)
            return
        step = call.steps[call.step]
        plan = call.plan
        shown = self._shown(plan)
        in_session = [plan["agents"][t] for t in step.targets
                      if plan["agents"].get(t) in self.agents.sessions]
        for agent_id in in_session:
            call.legs[f"session-{agent_id}"] = Leg(call.step, f"agent {agent_id}",
                                                   agent_id=agent_id)
        if in_session:
            call.agent_wait = asyncio.create_task(
                self._wait_for_agent(call, call.step, in_session, step.seconds))
        for target in step.targets:
            if plan["agents"].get(target) in in_session:
                continue
            leg_id = f"{RING_LEG_PREFIX}{uuid.uuid4().hex[:16]}"
            call.legs[leg_id] = Leg(call.step, target)
            self.leg_owner[leg_id] = call.channel_id
            try:
                await self.ari.originate(dial_string(target, self.trunk, plan["training"]),
                                         channel_id=leg_id, app=self.app,
                                         app_args=f"ringleg,{call.channel_id}",
                                         caller_id=shown, timeout=step.seconds)
            except (AriError, UnsafeValue) as exc:
                log.warning("inbound %s: cannot ring %s: %s", call.channel_id, target, exc)
                call.legs[leg_id].state = "gone"
        await self._step_over(call)

    async def start_action(self, plan: dict) -> None:
        """An action-plan call: ring the users like an inbound call; the first to accept
        is then connected to the contact (see `_call_contact`)."""
        key = f"action-{plan['action_call_id']}"
        call = InboundCall(key, plan, plan["steps"], action_id=plan["action_call_id"])
        self.calls[key] = call
        await self._next_step(call)

    # ---- logged-in agents ------------------------------------------------------------
    async def _wait_for_agent(self, call: InboundCall, step: int, agent_ids: list[int],
                              seconds: int) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        agent_id = await self.agents.take_for_inbound(agent_ids, deadline)
        call.agent_wait = None  # from here on nobody cancels this task mid-way
        if call.stage != "ringing" or call.step != step:
            if agent_id is not None:
                await self.agents.release(agent_id)
            return
        for leg in call.legs.values():
            if leg.agent_id is not None and leg.step == step and leg.agent_id != agent_id:
                leg.state = "gone"
        if agent_id is None:
            await self._step_over(call)
        else:
            await self._connect(call, f"session-{agent_id}")

    async def _whisper_to_agent(self, call: InboundCall, agent_id: int) -> None:
        """The agent hears who calls, then the caller joins (on PlaybackFinished)."""
        session = self.agents.sessions.get(agent_id)
        try:
            if session is None:
                raise AriError(404, "the agent logged out")
            await self.ari.play(session.channel_id, self._who(call.plan),
                                f"{call.channel_id}-agentwhisper")
        except AriError as exc:
            log.warning("inbound %s: no whisper to agent %s: %s", call.channel_id, agent_id, exc)
            await self._join_agent(call)

    async def _join_agent(self, call: InboundCall) -> None:
        agent_id = call.legs[call.winner].agent_id
        await self._hold(call.channel_id, False)
        plan = call.plan
        shown = plan["caller"] if plan["caller_id_mode"] == "caller" else plan["company_number"]
        details = InboundCaller(shown, plan["contact_id"], plan["contact_name"])
        if not await self.agents.connect(agent_id, call.channel_id, details=details):
            call.winner = None
            await self._voicemail(call)  # the agent left meanwhile
            return
        log.info("inbound %s from %s: connected to agent %s", call.channel_id, plan["caller"],
                 agent_id)

    async def _free_agent(self, call: InboundCall) -> None:
        """The call that won a logged-in agent is over: the agent is free again."""
        leg = call.legs.get(call.winner or "")
        session = self.agents.sessions.get(leg.agent_id) if leg and leg.agent_id else None
        if session is None:
            return
        if session.customer and session.customer in (call.channel_id, call.contact_channel):
            await self.agents.call_ended(session.agent_id, 0)
        else:
            await self.agents.release(session.agent_id)

    # ---- the users' legs -------------------------------------------------------------
    async def on_leg_answered(self, event: dict, caller_id: str) -> None:
        leg_id = event["channel"]["id"]
        call = self.calls.get(caller_id)
        leg = call.legs.get(leg_id) if call else None
        if leg is None or call.stage != "ringing" or leg.state != "ringing":
            await self.ari.hangup(leg_id)  # too late: someone else took it, or the caller left
            return
        if call.plan["pass_through"] or call.plan["forwarded"]:
            await self._connect(call, leg_id)  # no accept prompt: it may be a hunt group
            return
        leg.state = "whisper"
        leg.saying_name = await self._play(leg_id, self._who(call.plan), f"{leg_id}-whisper")
        leg.whisper_timer = asyncio.create_task(self._whisper_timeout(call, leg_id))

    async def _whisper_timeout(self, call: InboundCall, leg_id: str) -> None:
        await asyncio.sleep(WHISPER_SECONDS)
        if call.legs[leg_id].state == "whisper":
            await self._decline(call, leg_id)

    async def on_dtmf(self, event: dict) -> None:
        leg_id = event["channel"]["id"]
        call = self.calls.get(self.leg_owner.get(leg_id, ""))
        if call is None or call.legs[leg_id].state != "whisper":
            return
        if event.get("digit") == "1":
            await self._connect(call, leg_id)
        elif event.get("digit") == "2":
            await self._decline(call, leg_id)

    async def _decline(self, call: InboundCall, leg_id: str) -> None:
        call.legs[leg_id].state = "declined"
        await self.ari.hangup(leg_id)
        await self._step_over(call)

    async def _connect(self, call: InboundCall, leg_id: str) -> None:
        if call.stage != "ringing":  # someone else took it first
            agent_id = call.legs[leg_id].agent_id
            await (self.agents.release(agent_id) if agent_id is not None
                   else self.ari.hangup(leg_id))
            return
        call.stage, call.winner = "connected", leg_id
        call.legs[leg_id].state = "won"
        if call.agent_wait:
            call.agent_wait.cancel()
        for other, leg in call.legs.items():  # the others stop ringing now
            if other != leg_id and leg.state in ("ringing", "whisper"):
                leg.state = "gone"
                if leg.agent_id is None:
                    await self.ari.hangup(other)
        if call.action_id is not None:
            await self._call_contact(call, leg_id)
            return
        if call.legs[leg_id].agent_id is not None:
            await self._whisper_to_agent(call, call.legs[leg_id].agent_id)
            return
        if not call.legs[leg_id].saying_name:  # else once the name is said (PlaybackFinished)
            await self._bridge(call, leg_id)

    async def _bridge(self, call: InboundCall, leg_id: str) -> None:
        bridge_id = f"inbound-{call.channel_id}"
        await self._hold(call.channel_id, False)
        await self.ari.create_bridge(bridge_id, type="mixing", name="inbound")
        await self.ari.add_to_bridge(bridge_id, [call.channel_id, leg_id])
        log.info("inbound %s from %s: connected to %s", call.channel_id, call.plan["caller"],
                 call.legs[leg_id].target)

    async def _step_over(self, call: InboundCall) -> None:
        """The current step has no leg left that may still accept: ring the next."""
        if call.stage != "ringing":
            return
        if all(leg.state in ("declined", "gone") for leg in call.legs.values()
               if leg.step == call.step):
            await self._next_step(call)

    async def _call_contact(self, call: InboundCall, leg_id: str) -> None:
        await self.store.run(inbound_db.set_action_status, call.action_id, "calling")
        await self._play(self._user_channel(call, leg_id), STATUS_MESSAGE, f"{leg_id}-hold")
        contact_id = f"actc-{uuid.uuid4().hex[:16]}"
        call.contact_channel = contact_id
        self.leg_owner[contact_id] = call.channel_id
        call.attempt_id = await self.store.run(
            inbound_db.start_action_attempt, call.action_id, phone=call.plan["caller"],
            channel_id=contact_id, now=self.now())
        try:
            await self.ari.originate(dial_string(call.plan["caller"], self.trunk,
                                                 call.plan["training"]),
                                     channel_id=contact_id, app=self.app,
                                     app_args=f"actioncontact,{call.channel_id}",
                                     caller_id=call.plan["company_number"], timeout=30)
        except (AriError, UnsafeValue) as exc:
            log.warning("action call %s: cannot call the contact: %s", call.action_id, exc)
            await self._action_over(call, "no_answer", "failed")

    async def on_contact_answered(self, event: dict, key: str) -> None:
        call = self.calls.get(key)
        contact_id = event["channel"]["id"]
        if call is None or call.contact_channel != contact_id or call.winner is None:
            await self.ari.hangup(contact_id)
            return
        call.stage = "talking"
        await self.store.run(inbound_db.set_action_status, call.action_id, "connected")
        agent_id = call.legs[call.winner].agent_id
        if agent_id is not None:
            details = {"action_call": call.action_id, "caller_id": call.plan["caller"],
                       "contact_id": call.plan["contact_id"], "name": call.plan["contact_name"]}
            if not await self.agents.connect(agent_id, contact_id, details=details):
                await self.ari.hangup(contact_id)
            return
        bridge_id = f"inbound-{key}"
        await self.ari.create_bridge(bridge_id, type="mixing", name="action call")
        await self.ari.add_to_bridge(bridge_id, [call.winner, contact_id])

    async def _action_over(self, call: InboundCall, status: str, outcome: str | None,
                           cause: int | None = None) -> None:
        if self.calls.pop(call.channel_id, None) is None:
            return  # already over (both channels end; the first one closes it)
        talked, call.stage = call.stage == "talking", "done"
        in_session = call.winner is not None and call.legs[call.winner].agent_id is not None
        if in_session:
            await self._free_agent(call)
        for channel in (None if in_session else call.winner, call.contact_channel):
            if channel:
                await self.ari.hangup(channel)
        if talked and not in_session:
            await self.ari.destroy_bridge(f"inbound-{call.channel_id}")
        if outcome is None and call.attempt_id is not None:
            outcome = outcome_for_unanswered(cause, rang_full_timeout=True)
        await self.store.run(inbound_db.finish_action_call, call.action_id, status,
                             call.attempt_id, outcome, self.now(), cause)
        log.info("action call %s: %s", call.action_id, status)

    # ---- voicemail -------------------------------------------------------------------
    async def _voicemail(self, call: InboundCall) -> None:
        if call.action_id is not None:  # nobody to leave a message: the users all declined
            await self._action_over(call, "no_user", None)
            return
        call.stage = "voicemail"
        await self._hold(call.channel_id, False)
        await self._play(call.channel_id, list(VOICEMAIL_PROMPT), f"{call.channel_id}-vm")

    async def on_playback_finished(self, event: dict) -> None:
        playback_id = event["playback"]["id"]
        caller_id = playback_id.rsplit("-", 1)[0]
        if playback_id.endswith("-whisper"):  # on a user's leg
            await self._name_said(self.calls.get(self.leg_owner.get(caller_id, "")), caller_id)
            return
        call = self.calls.get(caller_id)
        if call is None:
            return
        if playback_id.endswith("-status") and call.stage == "ringing":
            await self._hold(caller_id)
        elif playback_id.endswith("-agentwhisper") and call.stage == "connected":
            await self._join_agent(call)
        elif playback_id.endswith("-vm") and call.stage == "voicemail":
            call.recording = f"voicemail-{call.plan['account_id']}-{caller_id}"
            try:
                await self.ari.record(caller_id, call.recording, format="wav",
                                      max_duration_seconds=VOICEMAIL_MAX_SECONDS,
                                      max_silence_seconds=5, terminate_on="#",
                                      if_exists="overwrite")
            except AriError as exc:
                log.warning("voicemail for %s not recorded: %s", caller_id, exc)
                call.recording = None
                await self.ari.hangup(caller_id)

    async def _name_said(self, call: InboundCall | None, leg_id: str) -> None:
        leg = call.legs.get(leg_id) if call else None
        if leg is None or not leg.saying_name:
            return
        leg.saying_name = False
        if call.stage == "connected" and call.winner == leg_id:  # accepted while it played
            await self._bridge(call, leg_id)

    # ---- hang-ups ----------------------------------------------------------------------
    async def on_channel_destroyed(self, channel_id: str, cause: int | None = None) -> bool:
        if channel_id in self.calls:
            await self._caller_gone(self.calls.pop(channel_id))
            return True
        caller_id = self.leg_owner.pop(channel_id, None)
        if caller_id is None:
            return False
        call = self.calls.get(caller_id)
        if call is None:
            return True
        if call.action_id is not None and channel_id == call.contact_channel:
            answered = call.stage == "talking"
            await self._action_over(call, "completed" if answered else "no_answer",
                                    "human" if answered else None, cause)
            return True
        if call.action_id is not None and channel_id == call.winner:
            talking = call.stage == "talking"
            await self._action_over(call, "completed" if talking else "no_answer",
                                    "human" if talking else None, cause)
            return True
        leg = call.legs[channel_id]
        if leg.whisper_timer:
            leg.whisper_timer.cancel()
        if channel_id == call.winner:
            await self.ari.hangup(caller_id)  # the user hung up: the call is over
        elif leg.state in ("ringing", "whisper"):
            leg.state = "gone"  # no answer within the ring time, or hung up
            await self._step_over(call)
        return True

    async def _caller_gone(self, call: InboundCall) -> None:
        stage, call.stage = call.stage, "done"
        if call.agent_wait:
            call.agent_wait.cancel()
        for leg_id, leg in call.legs.items():
            if leg.state in ("ringing", "whisper", "won") and leg.agent_id is None:
                await self.ari.hangup(leg_id)
        if call.winner and call.legs[call.winner].agent_id is not None:
            await self._free_agent(call)
        elif call.winner:
            await self.ari.destroy_bridge(f"inbound-{call.channel_id}")
        if stage == "voicemail" and call.recording:
            await self.store.run(inbound_db.store_voicemail, call.plan["account_id"],
                                 call.plan["contact_id"], call.plan["caller"], call.recording)
            log.info("voicemail %s from %s", call.recording, call.plan["caller"])

    # ---- helpers -----------------------------------------------------------------------
    @staticmethod
    def _who(plan: dict) -> list[str]:
        """What a user hears of the caller: the contact's name when known, else the number
        (a beep when neither has anything to say)."""
        return announce_media(plan["contact_name"], plan["caller"]) or ["sound:beep"]

    @staticmethod
    def _shown(plan: dict) -> str | None:
        """The caller ID a rung user sees: the contact's name and the caller's (or the
        company's) number; none rather than a number that is not one."""
        number = plan["caller"] if plan["caller_id_mode"] == "caller" else plan["company_number"]
        try:
            return caller_id(plan["contact_name"], number or "")
        except UnsafeValue:
            log.warning("inbound: caller number %r not shown", number)
            return None

    def _user_channel(self, call: InboundCall, leg_id: str) -> str:
        agent_id = call.legs[leg_id].agent_id
        session = self.agents.sessions.get(agent_id) if agent_id is not None else None
        return session.channel_id if session else leg_id

    async def _play(self, channel_id: str, media, playback_id: str) -> bool:
        """False if it could not start."""
        try:
            await self.ari.play(channel_id, media, playback_id)
        except AriError as exc:
            log.warning("play on %s failed: %s", channel_id, exc)
            return False
        return True

    async def _hold(self, channel_id: str, on: bool = True) -> None:
        """Music on hold for the caller, or (on=False) no more of it."""
        try:
            await self.ari.request("POST" if on else "DELETE", f"/channels/{channel_id}/moh")
        except AriError:
            pass  # the caller is gone, or has no music: nothing to do
