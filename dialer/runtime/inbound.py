"""Calls to the company number: ring the users the account's ring group names (steps from
dialer.core.ringing), let each answering user hear who calls and accept (1) or decline (2),
bridge the first acceptor and stop every other leg at once; when nobody takes the call,
the caller may leave a voicemail, recorded and stored against the account and contact.

Channels: the caller's (entered Stasis from [dialer-inbound]) and one leg per rung user,
originated into the app as "ringleg,<caller channel id>".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Callable

from ..ari import AriClient, AriError
from ..core.outbound import outcome_for_unanswered
from ..core.ringing import RingStep, dial_string
from ..core.tz import utc_now
from ..db import inbound as inbound_db

log = logging.getLogger("dialer.inbound")

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


class InboundCalls:
    def __init__(self, ari: AriClient, store, *, app: str, trunk: str,
                 now: Callable[[], dt.datetime] = utc_now):
        self.ari, self.store, self.app, self.trunk, self.now = ari, store, app, trunk, now
        self.calls: dict[str, InboundCall] = {}     # by caller channel id
        self.leg_owner: dict[str, str] = {}         # leg channel id -> caller channel id

    async def tick(self, now: dt.datetime) -> None:
        """Start the action-plan calls whose time has come."""
        for plan in await self.store.run(inbound_db.due_action_calls, now):
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
        number = plan["caller"] if plan["caller_id_mode"] == "caller" else plan["company_number"]
        shown = f'"{plan["contact_name"]}" <{number}>' if plan["contact_name"] else number
        for target in step.targets:
            leg_id = f"ring-{uuid.uuid4().hex[:16]}"
            call.legs[leg_id] = Leg(call.step, target)
            self.leg_owner[leg_id] = call.channel_id
            try:
                await self.ari.originate(dial_string(target, self.trunk), channel_id=leg_id,
                                         app=self.app, app_args=f"ringleg,{call.channel_id}",
                                         caller_id=shown, timeout=step.seconds)
            except AriError as exc:
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
        plan = call.plan
        who = (f"characters:{plan['contact_name']}" if plan["contact_name"]
               else f"digits:{plan['caller'].lstrip('+')}")
        await self._play(leg_id, who, f"{leg_id}-whisper")
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
        if call.stage != "ringing":
            await self.ari.hangup(leg_id)
            return
        call.stage, call.winner = "connected", leg_id
        call.legs[leg_id].state = "won"
        for other, leg in call.legs.items():  # the others stop ringing now
            if other != leg_id and leg.state in ("ringing", "whisper"):
                leg.state = "gone"
                await self.ari.hangup(other)
        if call.action_id is not None:
            await self._call_contact(call, leg_id)
            return
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
        await self._play(leg_id, STATUS_MESSAGE, f"{leg_id}-hold")
        contact_id = f"actc-{uuid.uuid4().hex[:16]}"
        call.contact_channel = contact_id
        self.leg_owner[contact_id] = call.channel_id
        call.attempt_id = await self.store.run(
            inbound_db.start_action_attempt, call.action_id, phone=call.plan["caller"],
            channel_id=contact_id, now=self.now())
        try:
            await self.ari.originate(dial_string(call.plan["caller"], self.trunk),
                                     channel_id=contact_id, app=self.app,
                                     app_args=f"actioncontact,{call.channel_id}",
                                     caller_id=call.plan["company_number"], timeout=30)
        except AriError as exc:
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
        bridge_id = f"inbound-{key}"
        await self.ari.create_bridge(bridge_id, type="mixing", name="action call")
        await self.ari.add_to_bridge(bridge_id, [call.winner, contact_id])

    async def _action_over(self, call: InboundCall, status: str, outcome: str | None,
                           cause: int | None = None) -> None:
        if self.calls.pop(call.channel_id, None) is None:
            return  # already over (both channels end; the first one closes it)
        talked, call.stage = call.stage == "talking", "done"
        for channel in (call.winner, call.contact_channel):
            if channel:
                await self.ari.hangup(channel)
        if talked:
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
        call = self.calls.get(caller_id)
        if call is None:
            return
        if playback_id.endswith("-status") and call.stage == "ringing":
            await self._hold(caller_id)
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
        for leg_id, leg in call.legs.items():
            if leg.state in ("ringing", "whisper", "won"):
                await self.ari.hangup(leg_id)
        if call.winner:
            await self.ari.destroy_bridge(f"inbound-{call.channel_id}")
        if stage == "voicemail" and call.recording:
            await self.store.run(inbound_db.store_voicemail, call.plan["account_id"],
                                 call.plan["contact_id"], call.plan["caller"], call.recording)
            log.info("voicemail %s from %s", call.recording, call.plan["caller"])

    # ---- helpers -----------------------------------------------------------------------
    async def _play(self, channel_id: str, media, playback_id: str) -> None:
        try:
            await self.ari.play(channel_id, media, playback_id)
        except AriError as exc:
            log.warning("play on %s failed: %s", channel_id, exc)

    async def _hold(self, channel_id: str, on: bool = True) -> None:
        """Music on hold for the caller, or (on=False) no more of it."""
        try:
            await self.ari.request("POST" if on else "DELETE", f"/channels/{channel_id}/moh")
        except AriError:
            pass  # the caller is gone, or has no music: nothing to do
