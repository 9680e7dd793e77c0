"""Outbound calls: originate through the shipped AMD context, act on the verdict (app_amd's or
the classifier's), bridge humans to agents within 2 s or play the safe-harbour message, record
every outcome.

What happens next is outbound/machine.py's `transition`; this module only turns ARI
events, timers and refusals into its events and carries out its effects in order."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
from collections import Counter
from dataclasses import replace
from typing import Any, Awaitable, Callable, Mapping

import peewee as pw

from ..ari import AriClient, AriError
from .sharing import CallInFlight, DialMode
from ..core.tz import utc_now
from . import agent_calls, store as dialing
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep, StasisRoute
from ..beep import shell as beep
from ..agents.shell import AgentSessions
from . import events as ev, listening, recorder
from .call import Call, training_endpoint
from ..compliance.consent import consent_for
from .machine import Stage, adopted, start, transition
from .model import AgentCall, CampaignSettings, Claim, DialingSettings, RulesCheck
from .stats import PacingStats
from ..floor import feed, hub
from .writer import AGENT_LEG_VAR, AttemptWriter, call_ends
from ..trunks import store as trunks_store
from ..trunks.shell import Trunks
from ..trunks.routing import NoRoute
from ..callerids.choice import Exhausted
from ..callerids.shell import CallerIds

log = logging.getLogger("dialer.outbound")
HOURLY_CAP_RETRY = dt.timedelta(minutes=1)


class OutboundCalls:
    def __init__(self, ari: AriClient, store, agents: AgentSessions, *, node: str,
                 trunk: str, now: Callable[[], dt.datetime] = utc_now):
        """`trunk`: the config's, the default trunk while none is defined (dialer/trunks)."""
        self.ari, self.store, self.agents, self.now = ari, store, agents, now
        self.node = node
        self.trunks = Trunks(store, default_endpoint=trunk, node=node, ari=ari, now=now)
        self.calls: dict[str, Call] = {}
        self._tasks: set[asyncio.Task] = set()
        self.caller_ids = CallerIds(store, now)
        self.pacing = PacingStats()  # per campaign, fed as attempts finish
        # Agent group -> calls the runner's tick shared out and has yet to place.
        self.planned: Counter[int | None] = Counter()
        self.records = AttemptWriter(store)
        self.outcomes: Counter[str] = Counter()  # attempts closed, by outcome (dialer.metrics)
        self.floor = hub.Hub()  # the server's, shared with the agents (floor/hub.py)

    def feature(self) -> Feature:
        return Feature("outbound",
                       stasis={"amd": StasisRoute(lambda event, args: self.on_amd(event),
                                                  lambda args: True)},
                       channels=self.calls.keys, on_channel_destroyed=self.on_channel_destroyed,
                       resync=ResyncStep(ResyncPhase.CALLS, self._resync_step),
                       ends_agent_call=self.end_agent_call)

    def _not_yet_with_agent(self) -> list[tuple[Call, CampaignSettings]]:
        """Campaign calls not yet with an agent, not dialled by one, with their campaign."""
        return [(c, c.campaign) for c in self.calls.values()
                if c.state.in_flight and isinstance(c.campaign, CampaignSettings)]

    def in_flight(self, campaign_id: int) -> int:
        """Calls of the campaign not yet with an agent."""
        return sum(1 for _, campaign in self._not_yet_with_agent() if campaign.id == campaign_id)

    def flights(self) -> list[CallInFlight]:
        """Every campaign's calls not yet with an agent, with the agent group they were
        dialled for, their stage and its age (outbound.sharing, pacing)."""
        now = asyncio.get_running_loop().time()
        return [CallInFlight(campaign.id, campaign.agent_group_id, DialMode(campaign.mode),
                             c.stage.value, now - c.state.stage_since)
                for c, campaign in self._not_yet_with_agent()]

    def promised_groups(self) -> list[int | None]:
        """The agent groups of progressive calls not yet with an agent, placed or about to
        be: each is for a free agent its human must find (outbound.sharing.agent_for_call)."""
        return [f.group_id for f in self.flights() if f.promised] + list(self.planned.elements())

    # ---- placing ---------------------------------------------------------------------
    async def dial(self, campaign: DialingSettings, claim: Claim, *,
                   preview_agent: int | None = None) -> None:
        """Call a claimed contact. With `preview_agent` the call goes to that agent, who
        chose it on screen, without AMD (the agent hears who answers)."""
        caller_id = await self.caller_ids.for_call(campaign, claim.state.phone)
        if isinstance(caller_id, Exhausted):  # a call always shows a caller id
            await self._not_placed(claim, preview_agent, caller_id.reason)
            return
        placed = await self._place(
            campaign, claim.phone, caller_id, preview_agent,
            lambda **ids: dialing.start_attempt(
                cc_id=claim.cc_id, hourly_cap=campaign.plan.max_attempts_per_hour,
                rules=RulesCheck.of(campaign, claim), **ids),
            callee=claim.state.phone)
        if not placed:  # another node used the hour's last attempts, or the number's, first
            await self._not_placed(claim, preview_agent, "a cap (the plan's attempts per "
                                   "hour, the number's calls) was reached as it was dialled")

    async def _not_placed(self, claim: Claim, preview_agent: int | None, reason: str) -> None:
        try:
            await self.store.run(dialing.release, claim.cc_id,
                                 next_attempt_at=self.now() + HOURLY_CAP_RETRY, reason=reason)
        finally:  # failed, the claim's lease gives it back; the agent is free at once
            if preview_agent is not None:
                await self.agents.preview_done(preview_agent)

    async def dial_followup(self, settings: DialingSettings, followup_id: int, phone: str,
                            agent_id: int) -> None:
        """A followup its owner launched: a preview call to that agent."""
        await self._place(settings, phone, self.caller_ids.next_plain(settings), agent_id,
                          lambda **ids: agent_calls.start_followup_attempt(followup_id=followup_id,
                                                                       **ids),
                          AgentCall(agent_id, phone, followup_id))

    async def dial_manual(self, settings: DialingSettings, agent_id: int, phone: str) -> None:
        """A number the agent typed (permission and suppression already checked)."""
        await self._place(settings, phone, self.caller_ids.next_plain(settings), agent_id,
                          lambda **ids: agent_calls.start_manual_attempt(agent_id=agent_id, **ids),
                          AgentCall(agent_id, phone))

    async def _place(self, campaign: DialingSettings, phone: str, caller_id: str | None,
                     chosen_by: int | None,
                     start_attempt: Callable[..., int | None],
                     agent_call: AgentCall | None = None, *,
                     callee: str | None = None) -> bool:
        """Write the attempt, then originate; False if `start_attempt` refused (None). If the
        attempt cannot be written (the claim was lost, a database error) nothing is dialled, the
        agent who chose it is free again and the claim's lease gives the contact back. `callee`:
        the number before a rule's prefix, whose region recording consent is judged by."""
        channel_id = f"out-{self.node}-{uuid.uuid4().hex[:16]}"
        # The attempt is on disk before the call exists.
        try:
            attempt_id = await self.store.run(start_attempt, phone=phone, caller_id=caller_id,
                                              channel_id=channel_id, node=self.node,
                                              now=self.now())
        except (dialing.ClaimLost, pw.PeeweeException) as exc:
            log.warning("not dialling %s: %s", phone, exc)
            if chosen_by is not None:
                await self.agents.preview_done(chosen_by)
            return True
        if attempt_id is None:
            return False
        consent = consent_for(campaign.consent_announcement, campaign.record, callee or phone)
        state, effects = start(campaign, attempt_id, channel_id, self._clock(), chosen_by=chosen_by,
                               beep_listener=beep.enabled(), consent=consent)
        call = Call(state, phone, caller_id, agent_call)
        self.calls[channel_id] = call
        self.floor.publish(feed.call_event(state))
        await self._run(call, effects)
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
        for row in await self.store.run(dialing.open_attempts, self.node):
            agent_id = agent_of.get(row.channel_id)
            if agent_id is None or row.campaign_id is None or row.channel_id in self.calls:
                continue
            campaign = await self.store.run(dialing.campaign_settings, row.campaign_id)
            trunk = await self.store.run(trunks_store.live_trunk, row.channel_id)
            self.calls[row.channel_id] = Call(adopted(
                campaign, row.id, row.channel_id, self._clock(), agent_id=agent_id,
                answered_at=row.answered_at, recording=row.recording_name, trunk=trunk), row.phone)
            self.floor.publish(feed.call_event(self.calls[row.channel_id].state))  # talking
            self.agents.sessions[agent_id].attempt_id = row.id
            log.info("attempt %s: call %s taken back, with agent %s", row.id, row.channel_id, agent_id)

    # ---- ARI events into the machine's events ------------------------------------------
    async def on_state_change(self, event: dict) -> None:
        call = self.calls.get(event["channel"]["id"])
        if call and event["channel"]["state"] == "Up":
            await self._feed(call, ev.Answered(self.now()))
        elif call and event["channel"]["state"] == "Ringing":  # the trunk works
            await self._feed(call, ev.Ringing())

    async def on_amd(self, event: dict) -> None:
        channel_id = event["channel"]["id"]
        call = self.calls.get(channel_id)
        if call is None:  # not ours, or from before a restart that lost it
            log.warning("no handler for %s (no attempt of ours): hanging up",
                        event["channel"]["name"])
            await self.ari.hangup(channel_id)
            return
        args = event.get("args", []) + ["", "", ""]
        await self._feed(call, ev.AmdVerdict(args[1] or "NOTSURE", args[2] or None, self.now()))

    async def on_playback_finished(self, event: dict) -> None:
        playback_id = event["playback"]["id"]
        for kind in ("-safe-harbour", "-machine", "-consent", "-screening"):  # ids: f"{channel_id}{kind}"
            call = self.calls.get(playback_id.removesuffix(kind))
            if playback_id.endswith(kind) and call is not None:  # failed: no such sound, say
                played = event["playback"].get("state") != "failed"
                await self._feed(call, ev.PlaybackFinished() if played else ev.PlaybackRefused())

    async def end_agent_call(self, agent_id: int, customer: str) -> bool:
        """The agent ends its call: True if it is this agent's call, now hanging up."""
        call = self.calls.get(customer)
        if call is None:
            return False
        await self._feed(call, ev.EndedByAgent(agent_id))
        return call.stage in (Stage.HANGING_UP, Stage.CLOSED)

    async def on_channel_destroyed(self, event: dict) -> bool:
        call = self.calls.get(event["channel"]["id"])
        if call is None:
            return False
        await self._feed(call, ev.HungUp(event.get("cause")))
        return True

    async def customer_moved(self, channel_id: str, agent_id: int | None) -> None:
        """A transfer gave the customer to another agent, or an external number (None)."""
        if channel_id in self.calls:
            await self._feed(self.calls[channel_id], ev.Moved(agent_id))

    # ---- the machine's effects ---------------------------------------------------------
    async def _feed(self, call: Call, event: ev.Event) -> None:
        await self._run(call, (), event)

    async def _run(self, call: Call, effects: tuple[ev.Effect, ...], *events: ev.Event) -> None:
        """Carry out `effects`, then feed `events` and what the effects answered (an ARI
        refusal, a result) to the machine, one at a time, each event's effects in order."""
        async with call.lock:
            pending = list(events)
            for effect in effects:
                pending += await self._do(call, effect)
            while pending:
                before = call.state
                call.state, effects = transition(call.state, pending.pop(0), self._clock())
                self.floor.publish(feed.call_event(call.state, before))
                if call.channel_id != before.channel_id:  # failed over: the next leg's channel
                    self.calls[call.channel_id] = self.calls.pop(before.channel_id, call)
                if call.stage is Stage.CLOSED and self.calls.get(call.channel_id) is call:
                    del self.calls[call.channel_id]
                for effect in effects:
                    pending += await self._do(call, effect)

    async def _do(self, call: Call, effect: ev.Effect) -> list[ev.Event]:
        """One effect; the events it answers with (none, or one)."""
        s, agents = call.state, self.agents
        match effect:
            case ev.Originate():
                return await self._originate(call, effect)
            case ev.Hangup():
                return await self._ari(self.ari.hangup(s.channel_id), None)
            case ev.Play(media, kind):
                return await self._ari(self.ari.play(s.channel_id, media,
                                                     f"{s.channel_id}-{kind}"),
                                       ev.PlaybackRefused())
            case ev.Announce(media, agent_id) if agent_id in agents.sessions:
                bridge = agents.sessions[agent_id].bridge_id
                playback = self.ari.play_on_bridge(bridge, media, f"{s.channel_id}-consent")
                return await self._ari(playback, ev.PlaybackRefused())
            case ev.Announce():  # its agent logged out meanwhile: no notice, no recording
                return [ev.PlaybackRefused()]
            case ev.StopAnnouncement():  # the agent would hear the rest of it
                return await self._ari(self.ari.request("DELETE", f"/playbacks/{s.channel_id}-consent"), None)
            case (ev.ListenForBeep() | ev.Classify() | ev.StopBeepListener() | ev.StopClassifier()
                  | ev.FallBackToAppAmd()):
                return await listening.carry_out(self.ari, call, effect, self._spawn,
                                                 functools.partial(self._feed, call), self.now)
            case ev.TakeAgent():
                self._spawn(self._take_agent(call, effect))
            case ev.ConnectAgent(agent_id):
                connected = await agents.connect(agent_id, s.channel_id, s.attempt_id,
                                                 campaign_id=s.settings.id)
                return [ev.Bridged() if connected else ev.BridgeRefused()]
            case ev.StartRecording(name):
                refused = await self._ari(recorder.start(self.ari, s.channel_id, name),
                                          ev.RecordingRefused())
                return refused or [ev.RecordingStarted()]
            case ev.StopRecording(name):
                await recorder.stop(self.ari, s.channel_id, name)
            case ev.MarkAgentLeg(agent_id) if agent_id in agents.sessions:
                leg = agents.sessions[agent_id].channel_id
                return await self._ari(self.ari.set_variable(s.channel_id, AGENT_LEG_VAR, leg), None)
            case ev.MarkAgentLeg():
                log.warning("attempt %s: its agent logged out meanwhile", s.attempt_id)
            case ev.ReleaseAgent(agent_id, chosen):
                await (agents.preview_done(agent_id) if chosen else agents.release(agent_id))
            case ev.EndAgentCall(agent_id, wrap_seconds):
                await agents.call_ended(agent_id, wrap_seconds)
            case ev.WakeAgents():
                await agents.wake()
            case ev.Learn():
                self.pacing.learn(s.settings.id, effect, s.settings.bcw_seconds)
            case ev.CloseAttempt(outcome, cause, reason):
                self.outcomes[outcome] += 1
                await self.records.close(call, outcome, cause, self.now(), reason)
            case ev.WatchTrunk(channel_id, seconds):
                self._spawn(self._watch_trunk(call, channel_id, seconds))
            case ev.ReleaseTrunk(trunk_id, channel_id, healthy):
                await self.trunks.leg_ended(trunk_id, channel_id, healthy)
            case _:
                await self.records.effect(call, effect, self.now())
        return []

    async def _ari(self, request: Awaitable[Any], refused: ev.Event | None) -> list[ev.Event]:
        try:  # an ARI request; its refusal as the machine's event (or only logged)
            await request
        except AriError as exc:
            log.warning("ARI refused: %s", exc)
            return [refused] if refused is not None else []
        return []

    async def _originate(self, call: Call, effect: ev.Originate) -> list[ev.Event]:
        """The leg's trunk chosen (waiting while all are full or out), then the originate."""
        settings, routed = call.campaign, []
        if settings.plan.training:
            endpoint = training_endpoint(call.phone)
        else:
            leg = await self.trunks.dial_string(settings.account_id, call.phone, effect.tried,
                                                channel_id=call.channel_id,
                                                attempt_id=call.state.attempt_id)
            if isinstance(leg, NoRoute):
                log.warning("attempt %s to %s: %s", call.state.attempt_id, call.phone, leg.reason)
                return [ev.NoTrunk(leg.reason)]
            endpoint, routed = leg.endpoint, [ev.TrunkChosen(leg.trunk_id)]
        return routed + await self._ari(self.ari.originate(
            endpoint, channel_id=call.channel_id,
            context="dialer-amd", extension="s", priority=1, caller_id=call.caller_id,
            timeout=max(15, settings.ring_timeout_seconds),
            variables={"DIALER_SKIP_AMD": "1" if effect.skip_amd else "0",
                       # The dialer listens for the beep itself (beep/shell.py), or the
                       # dialplan waits for silence after the greeting.
                       "DIALER_WAIT_BEEP": "1" if effect.dialplan_waits_beep else "0",
                       "DIALER_AMD": settings.amd_arguments,
                       "DIALER_ATTEMPT": str(call.state.attempt_id)}),
            ev.OriginateRefused())

    async def _watch_trunk(self, call: Call, channel_id: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._feed(call, ev.TrunkSilent(channel_id))

    async def _take_agent(self, call: Call, take: ev.TakeAgent) -> None:
        agent_id = await self.agents.take(take.group_id, take.deadline,
                                          promised_to_it=take.promised)
        await self._feed(call, ev.NoAgent() if agent_id is None else ev.AgentReserved(agent_id))

    def _clock(self) -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
