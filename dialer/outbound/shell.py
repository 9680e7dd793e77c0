"""Outbound calls: originate through the shipped AMD context, act on the verdict, bridge
humans to agents within 2 s or play the safe-harbour message, record every outcome.

Decisions come from dialer.outbound.decisions; this module only executes them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Mapping

import peewee as pw

from ..ari import AriClient, AriError
from ..core.asterisk_input import prompt_media
from .decisions import (SAFE_HARBOUR_SECONDS, on_amd_verdict, outcome_for_unanswered)
from .sharing import CallInFlight, DialMode
from ..core.tz import utc_now
from . import store as dialing
from ..followups import store as followups
from ..features import (Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep,
                        StasisRoute)
from ..beep import shell as beep
from ..agents.shell import AgentSessions
from .model import DialingSettings
from .stats import PacingStats
from .writer import AGENT_LEG_VAR, AttemptWriter, call_ends

log = logging.getLogger("dialer.outbound")
HOURLY_CAP_RETRY = dt.timedelta(minutes=1)
MACHINE_MESSAGE = "vm-goodbye"        # prompts played when the campaign names none
SAFE_HARBOUR_MESSAGE = "tt-allbusy"


@dataclass
class Call:
    attempt_id: int
    channel_id: str
    campaign: DialingSettings
    phone: str
    dialled_at: float                  # loop time
    answered_at: dt.datetime | None = None
    stage: str = "dialling"            # dialling, amd, waiting_agent, connected, closing
    amd_status: str | None = None
    amd_cause: str | None = None
    agent_id: int | None = None
    outcome: str | None = None
    recording: str | None = None
    preview_agent: int | None = None   # preview: the agent who chose to dial, waiting for it
    followup_id: int | None = None     # the followup this call fulfils
    agent_call: bool = False           # no campaign contact to move on (followup, manual)
    stage_since: float = 0.0           # loop time the stage began (pacing)
    amd_seconds: float | None = None   # from answer to the AMD verdict
    beep_task: asyncio.Task | None = None  # listening for the voicemail beep


class OutboundCalls:
    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, node: str,
                 trunk: str, now: Callable[[], dt.datetime] = utc_now):
        self.ari, self.store, self.agents, self.now = ari, store, agents, now
        self.node, self.trunk = node, trunk
        self.calls: dict[str, Call] = {}
        self._tasks: set[asyncio.Task] = set()
        self._caller_id_turn = 0
        self.pacing = PacingStats()  # per campaign, fed as attempts finish
        # Agent group -> calls the runner's tick shared out and has yet to place.
        self.planned: Counter[int | None] = Counter()
        self.records = AttemptWriter(store)

    def feature(self) -> Feature:
        return Feature("outbound",
                       stasis={"amd": StasisRoute(self._on_amd_route, lambda args: True)},
                       channels=self.calls.keys, on_channel_destroyed=self.on_channel_destroyed,
                       resync=ResyncStep(ResyncPhase.CALLS, self._resync_step))

    async def _on_amd_route(self, event: dict, args: list[str]) -> None:
        await self.on_amd(event)

    def _not_yet_with_agent(self) -> list[Call]:
        """Campaign calls that will each want an agent: not yet given one, and not preview
        calls (they have their agent already)."""
        return [c for c in self.calls.values() if c.preview_agent is None
                and c.agent_id is None and c.stage in ("dialling", "amd", "waiting_agent")]

    def in_flight(self, campaign_id: int) -> int:
        """Calls of the campaign not yet with an agent."""
        return sum(1 for c in self._not_yet_with_agent() if c.campaign.id == campaign_id)

    def flights(self) -> list[CallInFlight]:
        """Every campaign's calls not yet with an agent, with the agent group they were
        dialled for, their stage and its age (outbound.sharing, pacing)."""
        now = asyncio.get_running_loop().time()
        return [CallInFlight(c.campaign.id, c.campaign.agent_group_id,
                             DialMode(c.campaign.mode), c.stage, now - c.stage_since)
                for c in self._not_yet_with_agent()]

    def promised_groups(self) -> list[int | None]:
        """The agent groups of progressive calls not yet with an agent, placed or about to
        be: each is for a free agent its human must find (outbound.sharing.agent_for_call)."""
        return [f.group_id for f in self.flights() if f.promised] + list(self.planned.elements())

    def _endpoint(self, campaign: DialingSettings, phone: str) -> str:
        if campaign.plan.training:
            # Simulated inside Asterisk: never a trunk call (see [dialer-training]).
            return f"Local/{phone}@dialer-training"
        return f"PJSIP/{phone}@{self.trunk}"

    def _caller_id(self, campaign: DialingSettings) -> str | None:
        numbers = campaign.caller_ids
        if not numbers:
            return None
        self._caller_id_turn += 1
        return numbers[self._caller_id_turn % len(numbers)]

    async def dial(self, campaign: DialingSettings, claim: dict, *,
                   preview_agent: int | None = None) -> None:
        """Call a claimed contact. With `preview_agent` the call goes to that agent, who
        chose it on screen, without AMD (the agent hears who answers)."""
        phone = claim["prefix"] + claim["state"].phone
        placed = await self._place(
            campaign, phone, preview_agent,
            lambda **ids: dialing.start_attempt(
                cc_id=claim["cc_id"], hourly_cap=campaign.plan.max_attempts_per_hour, **ids))
        if not placed:  # another node used the hour's last attempts first
            try:
                await self.store.run(dialing.release, claim["cc_id"],
                                     next_attempt_at=self.now() + HOURLY_CAP_RETRY,
                                     reason="the plan's attempts per hour are used up")
            finally:  # failed, the claim's lease gives it back; the agent is free at once
                if preview_agent is not None:
                    await self.agents.preview_done(preview_agent)

    async def dial_followup(self, settings: DialingSettings, followup_id: int, phone: str,
                            agent_id: int) -> None:
        """A followup its owner launched: a preview call to that agent."""
        await self._place(settings, phone, agent_id,
                          lambda **ids: dialing.start_followup_attempt(followup_id=followup_id,
                                                                       **ids),
                          followup_id=followup_id)

    async def dial_manual(self, settings: DialingSettings, agent_id: int, phone: str) -> None:
        """A number the agent typed (permission and suppression already checked)."""
        await self._place(settings, phone, agent_id,
                          lambda **ids: dialing.start_manual_attempt(agent_id=agent_id, **ids),
                          agent_call=True)

    async def _place(self, campaign: DialingSettings, phone: str, preview_agent: int | None,
                     start_attempt, followup_id: int | None = None,
                     agent_call: bool = False) -> bool:
        """Write the attempt, then originate; False if `start_attempt` refused (None).
        If the attempt cannot be written (the claim was lost, a database error) nothing is
        dialled, the agent of a preview is free again and the claim's lease gives the
        contact back."""
        channel_id = f"out-{self.node}-{uuid.uuid4().hex[:16]}"
        caller_id = self._caller_id(campaign)
        # The attempt is on disk before the call exists.
        try:
            attempt_id = await self.store.run(start_attempt, phone=phone, caller_id=caller_id,
                                              channel_id=channel_id, node=self.node,
                                              now=self.now())
        except (dialing.ClaimLost, pw.PeeweeException) as exc:
            log.warning("not dialling %s: %s", phone, exc)
            if preview_agent is not None:
                await self.agents.preview_done(preview_agent)
            return True
        if attempt_id is None:
            return False
        loop = asyncio.get_running_loop()
        call = Call(attempt_id, channel_id, campaign, phone, loop.time(),
                    preview_agent=preview_agent, followup_id=followup_id,
                    agent_call=agent_call or followup_id is not None,
                    stage_since=loop.time())
        amd = campaign.amd_enabled and preview_agent is None
        self.calls[channel_id] = call
        try:
            await self.ari.originate(
                self._endpoint(campaign, phone), channel_id=channel_id,
                context="dialer-amd", extension="s", priority=1, caller_id=caller_id,
                timeout=max(15, campaign.ring_timeout_seconds),
                variables={"DIALER_SKIP_AMD": "0" if amd else "1",
                           # The dialer listens for the beep itself (beep/shell.py), or
                           # the dialplan waits for silence after the greeting.
                           "DIALER_WAIT_BEEP": "1" if campaign.machine_action == "message"
                           and not beep.enabled() else "0",
                           "DIALER_AMD": campaign.amd_arguments,
                           "DIALER_ATTEMPT": str(attempt_id)})
        except AriError as exc:
            log.warning("originate to %s failed: %s", phone, exc)
            await self._close(call, "failed")
        return True

    async def _resync_step(self, ari: AriClient, pbx: PbxSnapshot,
                           handover: ResyncHandover) -> ResyncHandover:
        """Calls found in the bridges of agents taken back carry on; this node's other open
        attempts are closed (as human if they had reached an agent: their end is read
        from the agent's leg), their channels still up hung up."""
        await self.adopt(handover.taken_back)
        ends = await call_ends(ari, list(handover.agent_legs))
        recovered = await self.store.run(dialing.recover, self.node,
                                         set(self.calls) | self.records.pending(), pbx.live,
                                         self.now(), release_claims=pbx.first_connect,
                                         ends=ends)
        for channel_id in recovered.hang_up:
            await ari.hangup(channel_id)
        if recovered.recovered:
            log.warning("resync: %d call(s) with an agent ended unseen, recorded as human: "
                        "attempt(s) %s", len(recovered.recovered), list(recovered.recovered))
        if recovered.lost or recovered.released:
            log.warning("resync: %d attempt(s) closed as lost, %d claimed contact(s) released",
                        len(recovered.lost), recovered.released)
        return replace(handover, hung_up=handover.hung_up | set(recovered.hang_up))

    async def adopt(self, in_agent_bridges: Mapping[int, list[str]]) -> None:
        """After a restart: campaign calls of this node found talking in an agent's bridge
        carry on (their attempt stays open, the rules run when they end)."""
        agent_of = {ch: agent for agent, chans in in_agent_bridges.items() for ch in chans}
        if not agent_of:
            return
        loop = asyncio.get_running_loop()
        for row in await self.store.run(dialing.open_attempts, self.node):
            agent_id = agent_of.get(row["channel_id"])
            if agent_id is None or row["campaign"] is None or row["channel_id"] in self.calls:
                continue
            campaign = await self.store.run(dialing.campaign_settings, row["campaign"])
            self.calls[row["channel_id"]] = Call(
                row["id"], row["channel_id"], campaign, row["phone"], loop.time(),
                answered_at=row["answered_at"], stage="connected", agent_id=agent_id,
                outcome="human", recording=row["recording_name"], stage_since=loop.time())
            self.agents.sessions[agent_id].attempt_id = row["id"]
            log.info("attempt %s: call %s taken back, with agent %s", row["id"],
                     row["channel_id"], agent_id)

    # ---- events ----------------------------------------------------------------------
    async def on_state_change(self, event: dict) -> None:
        call = self.calls.get(event["channel"]["id"])
        if call and event["channel"]["state"] == "Up" and call.answered_at is None:
            call.answered_at = self.now()
            call.stage, call.stage_since = "amd", asyncio.get_running_loop().time()
            await self.records.write(call.channel_id, dialing.update_attempt, call.attempt_id,
                                     answered_at=call.answered_at)

    async def on_amd(self, event: dict) -> None:
        channel_id = event["channel"]["id"]
        call = self.calls.get(channel_id)
        if call is None:  # not ours, or from before a restart that lost it
            log.warning("no handler for %s (no attempt of ours): hanging up",
                        event["channel"]["name"])
            await self.ari.hangup(channel_id)
            return
        args = event.get("args", []) + ["", "", ""]
        call.amd_status, call.amd_cause = args[1] or "NOTSURE", args[2] or None
        if call.stage == "amd":
            call.amd_seconds = asyncio.get_running_loop().time() - call.stage_since
        if call.answered_at is None:
            call.answered_at = self.now()
        await self.records.write(channel_id, dialing.update_attempt, call.attempt_id,
                                 amd_status=call.amd_status, amd_cause=call.amd_cause,
                                 answered_at=call.answered_at)
        campaign = call.campaign
        decision = on_amd_verdict(call.amd_status,
                                  amd_enabled=campaign.amd_enabled and not call.preview_agent,
                                  machine_action=campaign.machine_action)
        if decision.action == "hangup":
            call.outcome, call.stage = decision.outcome, "closing"
            await self.ari.hangup(channel_id)
        elif decision.action == "message":
            call.outcome, call.stage = decision.outcome, "closing"
            media = prompt_media(campaign.machine_message, MACHINE_MESSAGE)
            if beep.enabled():
                call.beep_task = asyncio.create_task(self._after_beep(call, media))
                self._tasks.add(call.beep_task)
                call.beep_task.add_done_callback(self._tasks.discard)
            else:
                await self._play(call, media, "machine")
        else:
            self._spawn(self._connect(call))

    async def _connect(self, call: Call) -> None:
        loop = asyncio.get_running_loop()
        call.stage, call.stage_since = "waiting_agent", loop.time()
        if call.preview_agent is not None:
            agent_id = call.preview_agent
        else:
            agent_id = await self.agents.take(
                call.campaign.agent_group_id, loop.time() + SAFE_HARBOUR_SECONDS,
                promised_to_it=call.campaign.mode != DialMode.PREDICTIVE.value)
        if call.stage != "waiting_agent":  # the customer hung up meanwhile
            if agent_id is not None:
                await self.agents.release(agent_id)
            return
        if agent_id is not None:
            call.agent_id = agent_id  # reserved for it: no longer a call in flight
        if agent_id is None or not await self.agents.connect(
                agent_id, call.channel_id, call.attempt_id, campaign_id=call.campaign.id):
            call.outcome, call.stage = "abandoned", "closing"
            await self._play(call, prompt_media(call.campaign.safe_harbour_message,
                                                SAFE_HARBOUR_MESSAGE), "safe-harbour")
            return
        call.stage, call.outcome = "connected", "human"
        call.stage_since = loop.time()
        session = self.agents.sessions[agent_id]
        updates = {"agent": agent_id, "bridged_at": self.now()}
        if call.campaign.record:
            # The channel id makes the name unique even if attempt ids restart (a new DB).
            call.recording = f"attempt-{call.attempt_id}-{call.channel_id}"
            try:
                await self.ari.record_bridge(session.bridge_id, call.recording, format="wav")
                updates["recording_name"] = call.recording
            except AriError as exc:
                log.warning("recording %s failed: %s", call.recording, exc)
        # What a restart needs if the call ends while the dialer is down: the record says
        # it reached its agent, and the call leaves its end on the agent's leg.
        await self.records.write(call.channel_id, dialing.update_attempt, call.attempt_id,
                                 **updates)
        try:
            await self.ari.set_variable(call.channel_id, AGENT_LEG_VAR, session.channel_id)
        except AriError as exc:
            log.warning("attempt %s: could not mark its agent's leg: %s", call.attempt_id, exc)

    async def _after_beep(self, call: Call, media: str) -> None:
        """The machine message once the greeting's beep has ended (or at once if the
        audio cannot be had)."""
        how, waited = await beep.wait_for_beep(self.ari, call.channel_id, self.ari.app)
        log.info("attempt %s: %s after %.2f s listening; leaving the message",
                 call.attempt_id, how, waited)
        if call.channel_id in self.calls:
            await self._play(call, media, "machine")

    async def _play(self, call: Call, media: str, kind: str) -> None:
        try:
            await self.ari.play(call.channel_id, media, f"{call.channel_id}-{kind}")
        except AriError:
            await self.ari.hangup(call.channel_id)

    async def on_playback_finished(self, event: dict) -> None:
        playback_id = event["playback"]["id"]
        for kind in ("-safe-harbour", "-machine"):  # ids are f"{channel_id}{kind}"
            channel_id = playback_id.removesuffix(kind)
            if channel_id != playback_id and channel_id in self.calls:
                await self.ari.hangup(channel_id)

    async def on_channel_destroyed(self, event: dict) -> bool:
        call = self.calls.get(event["channel"]["id"])
        if call is None:
            return False
        cause = event.get("cause")
        if call.outcome is None:
            if call.answered_at is None:
                rang = asyncio.get_running_loop().time() - call.dialled_at
                call.outcome = outcome_for_unanswered(
                    cause,
                    rang_full_timeout=rang >= max(15, call.campaign.ring_timeout_seconds) - 1)
            elif call.stage == "amd":
                call.outcome = "hangup_during_amd"
            else:
                call.outcome = "abandoned"  # hung up while waiting for an agent
        await self._close(call, call.outcome, hangup_cause=cause)
        return True

    async def _close(self, call: Call, outcome: str, hangup_cause: int | None = None) -> None:
        previous_stage = call.stage
        call.stage = "closing"
        self.calls.pop(call.channel_id, None)
        if call.beep_task is not None and call.beep_task is not asyncio.current_task():
            call.beep_task.cancel()  # it removes its snoop and media channels
        if call.recording:
            try:
                await self.ari.request("POST", f"/recordings/live/{call.recording}/stop")
            except AriError:
                pass
        if call.agent_id is not None and previous_stage == "connected":
            await self.agents.call_ended(call.agent_id, call.campaign.bcw_seconds)
        elif call.preview_agent is not None:
            await self.agents.preview_done(call.preview_agent)
        elif call.agent_id is None:  # an agent it was counted against is free for others
            await self.agents.wake()
        campaign, now = call.campaign, self.now()
        self._learn(call, outcome, previous_stage)
        write = functools.partial(self.records.write, call.channel_id)
        if call.agent_call:
            await write(dialing.close_attempt, call.attempt_id, outcome=outcome, ended_at=now,
                        hangup_cause=hangup_cause)
            if call.followup_id is not None:
                await write(followups.complete_followup, call.followup_id, now,
                            attempt_id=call.attempt_id)
            log.info("agent call %s to %s (followup %s): %s", call.attempt_id, call.phone,
                     call.followup_id, outcome)
            return
        decision = await write(
            dialing.finish_attempt, call.attempt_id, outcome=outcome, ended_at=now,
            connected=outcome == "human", rules=campaign.rules,
            max_attempts=campaign.max_attempts, hangup_cause=hangup_cause)
        log.info("attempt %s to %s: %s -> contact %s", call.attempt_id, call.phone, outcome,
                 decision.state if decision else "(written on retry)")

    def _learn(self, call: Call, outcome: str, previous_stage: str) -> None:
        """Feed the campaign's pacing statistics (calls the dialer paced only)."""
        stats = self.pacing.get(call.campaign.id)
        if stats is None or call.agent_call or call.preview_agent is not None:
            return
        loop_now = asyncio.get_running_loop().time()
        delay = None
        if call.answered_at is not None:
            delay = (call.answered_at - self.now()).total_seconds() + (loop_now - call.dialled_at)
        stats.observe_attempt(outcome, answer_delay=delay, amd_seconds=call.amd_seconds)
        if previous_stage == "connected":
            stats.observe_talk(loop_now - call.stage_since, call.campaign.bcw_seconds)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
