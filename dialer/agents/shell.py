"""Agents' phone sessions: the dialer calls the desk phone once at login and keeps it in
the agent's own bridge, so a customer is heard the moment they are added (no ringing per
call). Bridge ids are fixed (`dialer-agent-<id>`), so they are found again after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import replace
from typing import Awaitable, Callable

from ..ari import AriClient, AriError
from ..core.asterisk_input import UnsafeValue, parse_endpoint
from ..outbound.decisions import AgentView
from ..outbound.sharing import (INBOUND_PRIORITY, agent_for_call, agent_for_inbound,
                                agents_for_campaign, spare_agents)
from ..core.tz import utc_now
from . import store as agent_db
from ..db.validation import NotFoundError
from ..features import Feature, PbxSnapshot, ResyncHandover, ResyncPhase, ResyncStep, StasisRoute
from .events import (CallEnded, Connect, LegGone, Login, Logout, ManualDialled, OfferPreview,
                     PbxStopping, PhoneAnswered, PreviewDone, PreviewExpired, Ready, Release,
                     Reserve, RingAgain, SkipPreview, TakeBack, TakeOver, TakePreview)
from .machine import AgentState, transition
from .previews import CallerShown, CampaignPreview, FollowupPreview, Offer
from .effects import SessionEffects
from ..floor.hub import Hub
from .session import AgentStateError, Session, agent_of_leg, bridge_id_of, new_leg_id
from .view import SessionView, session_view

log = logging.getLogger("dialer.agents")
SOFTHANGUP_SHUTDOWN = 4  # ChannelHangupRequest "cause" of a soft hangup: Asterisk shutting down


class AgentSessions(SessionEffects):
    def __init__(self, ari: AriClient, store, app: str,
                 now: Callable[[], dt.datetime] = utc_now):
        self.ari, self.store, self.app, self.now = ari, store, app, now
        self.sessions: dict[int, Session] = {}
        self.changed = asyncio.Condition()  # notified whenever an agent may have come free
        self.wanted_by_inbound: Counter[int] = Counter()  # agent -> inbound calls waiting
        self.held_groups: frozenset[int] = frozenset()     # see outbound.sharing
        # The groups of progressive calls in flight, each owed a free agent (set by the
        # server to OutboundCalls.promised_groups).
        self.promised: Callable[[], list[int | None]] = list
        # Asks the call's own feature to hang its customer up (set by the server to
        # Features.end_agent_call): (agent, customer) -> whether one is doing so.
        self.end_customer: Callable[[int, str], Awaitable[bool]] | None = None
        # each inbound caller who begins waiting: its agents' groups (the pacing's inbound
        # rates); when the wait ends, taken after so many seconds or not (None: service level)
        self.inbound_arrived: Callable[[frozenset[int]], None] = lambda groups: None
        self.inbound_waited: Callable[[frozenset[int], float | None], None] = lambda g, w: None
        self._wrap_tasks: dict[int, asyncio.Task] = {}  # agent -> its wrap-up timer
        self.floor = Hub()  # the server's, shared with the calls (floor/hub.py)

    # ---- queries ---------------------------------------------------------------------
    def views(self) -> list[AgentView]:
        return [AgentView(s.agent_id, s.state.value, s.since, s.groups, s.reserved)
                for s in self.sessions.values()]

    def free_agents(self) -> list[int]:
        """Available agents, longest idle first, that no inbound caller waits for and no
        progressive call in flight is owed (outbound.sharing): those a followup may have."""
        return agents_for_campaign(spare_agents(self.views(), self.promised()), INBOUND_PRIORITY,
                                   +self.wanted_by_inbound)

    def previews_of(self, campaign_id: int) -> int:
        """Contacts of the campaign held on agents' screens (claimed, not yet dialled)."""
        return sum(1 for s in self.sessions.values()
                   if isinstance(s.preview, CampaignPreview) and s.state == AgentState.PREVIEW
                   and s.preview.campaign.id == campaign_id)

    def feature(self) -> Feature:
        """Its lost legs are rung again by its own resync step, not replayed as hang-ups."""
        return Feature("agents", stasis={"agent": StasisRoute(
            lambda event, args: self.on_phone_answered(event, int(args[1])),
            lambda args: len(args) > 1 and args[1].isdigit())},
            channels=self.channels, replays_missed_hangups=False,
            on_channel_destroyed=lambda event: self.on_channel_destroyed(event["channel"]["id"]),
            resync=ResyncStep(ResyncPhase.AGENTS, self._resync_step))

    def channels(self) -> set[str]:
        """Agents' desk-phone legs and the customers with them."""
        return ({s.channel_id for s in self.sessions.values()}
                | {s.customer for s in self.sessions.values() if s.customer})

    def by_channel(self, channel_id: str) -> Session | None:
        return next((s for s in self.sessions.values() if s.channel_id == channel_id), None)

    # ---- login / logout --------------------------------------------------------------
    async def login(self, agent_id: int) -> SessionView:
        if agent_id in self.sessions:
            return self.describe(agent_id)
        info = await self.store.run(agent_db.agent_info, agent_id)
        self._check_live_limit(info)
        try:  # checked when stored; a value stored before the checks is refused here
            endpoint = parse_endpoint(info.endpoint).dial_string
        except UnsafeValue as exc:
            raise AgentStateError(f"{info.endpoint!r}: {exc.reason}", "endpoint") from None
        session = Session(agent_id, endpoint, info.groups,
                          channel_id=new_leg_id(agent_id), bridge_id=bridge_id_of(agent_id),
                          since=self.now(), state=AgentState.LOGGED_OUT)
        self.sessions[agent_id] = session
        await self._apply(session, Login(session.channel_id))  # AriError: logged out again
        return self.describe(agent_id)

    def _check_live_limit(self, info: agent_db.AgentInfo) -> None:
        """The plan's max_live_agents_per_group, for each group of the agent."""
        limit = info.max_live_agents_per_group
        if limit is None:
            return
        for group in info.groups:
            live = sum(1 for s in self.sessions.values() if group in s.groups)
            if live >= limit:
                raise AgentStateError(f"agent group {group} has {live} live agent(s), the "
                                      f"plan's limit", field="max_live_agents_per_group")

    async def logout(self, agent_id: int) -> None:
        session = self.sessions.get(agent_id)
        if session:
            await self._apply(session, Logout())
            log.info("agent %s logged out", agent_id)

    async def on_phone_answered(self, event: dict, agent_id: int) -> None:
        """StasisStart of the desk phone's leg: put it in the agent's bridge."""
        session = self.sessions.get(agent_id)
        channel_id = event["channel"]["id"]
        if session is None:
            await self._hang_up(channel_id)  # a stale leg from an earlier session
            return
        await self._apply(session, PhoneAnswered(channel_id))
        if session.state == AgentState.AVAILABLE:
            log.info("agent %s logged in on %s", agent_id, session.endpoint)

    async def on_hangup_request(self, event: dict) -> None:
        """Asterisk hangs every channel up as it shuts down (a restart): an agent's leg
        going that way is not the agent leaving."""
        session = self.by_channel(event.get("channel", {}).get("id", ""))
        if session is not None and event.get("soft") and event.get("cause") == SOFTHANGUP_SHUTDOWN:
            await self._apply(session, PbxStopping())

    async def on_channel_destroyed(self, channel_id: str) -> bool:
        session = self.by_channel(channel_id)
        if session is not None:
            await self._apply(session, LegGone())
            if session.state == AgentState.LOGGED_OUT:
                log.info("agent %s logged out (the phone hung up)", session.agent_id)
            return True
        # A caller taken back after a restart with nobody else tracking it hung up.
        talking = next((s for s in self.sessions.values() if s.customer == channel_id), None)
        if talking is not None:
            await self.call_ended(talking.agent_id, 0)
            return True
        return False

    # ---- after a (re)connect ---------------------------------------------------------
    async def resync(self, channels: list[dict], bridges: list[dict]) -> dict[int, list[str]]:
        """Sessions whose desk-phone leg is gone (Asterisk restarted, or the phone hung up
        while we were not listening) ring the phone again; legs of agents still logged in
        from before a restart of the dialer are taken back with their bridge. Returns, for
        each agent taken back, the other channels in its bridge (calls that were up)."""
        up = {c["id"] for c in channels if c.get("state") == "Up"}
        in_bridge = {b["id"]: list(b.get("channels") or []) for b in bridges}
        for session in list(self.sessions.values()):
            if session.channel_id not in up and session.state != AgentState.LOGGING_IN:
                log.warning("agent %s: desk-phone leg lost, ringing the phone again",
                            session.agent_id)
                try:
                    await self._apply(session, RingAgain(new_leg_id(session.agent_id)))
                except AriError:
                    pass  # logged out (RingFailed)
        taken_back = {}
        for channel_id in sorted(up):
            agent_id = agent_of_leg(channel_id)
            if agent_id is None or agent_id in self.sessions:
                continue
            others = await self._take_back(agent_id, channel_id, in_bridge)
            if others is not None:
                taken_back[agent_id] = others
        return taken_back

    async def _resync_step(self, ari: AriClient, pbx: PbxSnapshot,
                           handover: ResyncHandover) -> ResyncHandover:
        """Legs taken back (or rung again); legs of agents who had logged out hung up:
        nobody handles them, do not leave them waiting in silence."""
        taken_back = await self.resync(pbx.channels, pbx.bridges)
        stale = {c["id"] for c in pbx.channels if agent_of_leg(c["id"]) is not None
                 and self.by_channel(c["id"]) is None}
        for channel_id in sorted(stale):
            await ari.hangup(channel_id)
        return replace(handover, taken_back=taken_back, hung_up=handover.hung_up | stale,
                       agent_legs=tuple(s.channel_id for s in self.sessions.values()))

    async def _take_back(self, agent_id: int, channel_id: str,
                         in_bridge: dict[str, list[str]]) -> list[str] | None:
        """An agent's leg from before a restart: the session again, unless the agent
        logged out meanwhile (then the leg is stale and hung up by the caller)."""
        try:
            info = await self.store.run(agent_db.agent_info, agent_id)
        except Exception:  # noqa: BLE001 - an agent deleted since: stale leg
            return None
        if info.state == AgentState.LOGGED_OUT:
            return None
        session = Session(agent_id, info.endpoint, info.groups, channel_id,
                          bridge_id=bridge_id_of(agent_id), since=self.now(),
                          state=AgentState.LOGGED_OUT)
        self.sessions[agent_id] = session
        bridged = in_bridge.get(session.bridge_id, [])
        # another agent's desk phone there was being consulted (a warm transfer): no customer
        others = [c for c in bridged if c != channel_id and agent_of_leg(c) is None]
        await self._apply(session, TakeBack(channel_id, channel_id in bridged,
                                            others[0] if others else None,
                                            info.state == AgentState.NOT_READY,
                                            info.pause_reason))
        log.info("agent %s taken back after a restart (%s)", agent_id, session.state)
        return others

    # ---- states ----------------------------------------------------------------------
    async def set_ready(self, agent_id: int, ready: bool, pause_reason: int | None = None) -> None:
        """`pause_reason`: why not ready, a reason of the agent's account (store.agents_reason)."""
        session = self.sessions.get(agent_id)
        if session is None:
            raise NotFoundError("id", f"agent {agent_id} is not logged in")
        await self._apply(session, Ready(ready, pause_reason))

    # ---- calls -----------------------------------------------------------------------
    async def take(self, group_id: int | None, deadline: float, *,
                   promised_to_it: bool = False) -> int | None:
        """Reserve the longest-idle free agent of the group for an answered campaign call
        (`promised_to_it`: a progressive one), waiting until `deadline` (loop time) for one
        to come free; never an agent another progressive call is owed (outbound.sharing)."""
        def pick() -> int | None:
            others = self.promised()
            if promised_to_it and group_id in others:
                others.remove(group_id)
            return agent_for_call(self.views(), group_id, others, promised_to_it=promised_to_it)
        return await self._reserve(pick, deadline)

    async def take_for_inbound(self, candidates: list[int], deadline: float) -> int | None:
        """Reserve one of `candidates` for a waiting inbound caller, as soon as the
        campaigns' priorities allow (outbound.sharing); until then campaigns that go after
        inbound calls do not dial for them."""
        self.wanted_by_inbound.update(candidates)
        groups = frozenset().union(*(s.groups for s in map(self.sessions.get, candidates) if s))
        self.inbound_arrived(groups)
        began, taken = asyncio.get_running_loop().time(), None
        try:
            taken = await self._reserve(lambda: agent_for_inbound(
                self.views(), candidates, self.held_groups, self.promised()), deadline)
            return taken
        finally:
            self.wanted_by_inbound.subtract(candidates)
            waited = asyncio.get_running_loop().time() - began
            self.inbound_waited(groups, None if taken is None else waited)

    async def hold_for_campaigns(self, groups: frozenset[int]) -> None:
        """The groups whose campaigns go before inbound calls and have contacts to call."""
        if groups != self.held_groups:
            self.held_groups = groups
            await self.wake()

    async def _reserve(self, pick: Callable[[], int | None], deadline: float) -> int | None:
        loop = asyncio.get_running_loop()
        async with self.changed:
            while True:
                agent_id = pick()
                if agent_id is not None:
                    session = self.sessions[agent_id]
                    # No await: the pick and the reservation are one step.
                    before = session.record
                    session.record, refused = transition(session.record, Reserve(), self.now())
                    self.announce(session, before)
                    if not refused:
                        return agent_id
                left = deadline - loop.time()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except TimeoutError:
                    return None

    async def connect(self, agent_id: int, customer: str, attempt_id: int | None = None,
                      details: CallerShown | None = None, campaign_id: int | None = None) -> bool:
        """Add the customer to the agent's bridge; `details`: what the agent page shows of
        an inbound caller (a campaign call shows its attempt, of `campaign_id`). False if
        the agent may not take it (logged out, holding another) or the bridge refused."""
        session = self.sessions.get(agent_id)
        if session is None:
            return False
        try:
            await self._apply(session, Connect(customer, attempt_id, campaign_id, details))
        except AgentStateError as exc:
            log.warning("not connecting %s: %s", customer, exc)
            return False
        return session.state == AgentState.ON_CALL and session.customer == customer

    async def reserve(self, agent_id: int) -> bool:
        """Reserve this agent (a transfer's target) if it is free now."""
        def pick() -> int | None:
            return agent_id if agent_id in self.sessions else None
        return await self._reserve(pick, 0) is not None

    async def take_over(self, agent_id: int, customer: str, attempt_id: int | None,
                        campaign_id: int | None, shown: CallerShown | None = None) -> bool:
        """The reserved agent now holds a transferred customer (shows its attempt, or `shown`)."""
        session = self.sessions.get(agent_id)
        if session is None:
            return False
        try:
            await self._apply(session, TakeOver(customer, attempt_id, campaign_id, shown))
        except AgentStateError as exc:
            log.warning("agent %s does not take %s: %s", agent_id, customer, exc)
            return False
        return True

    async def release(self, agent_id: int) -> None:
        """A reserved agent whose call never arrived."""
        session = self.sessions.get(agent_id)
        if session:
            await self._apply(session, Release())

    async def end_call(self, agent_id: int, timeout: float = 5.0) -> None:
        """The agent ends the call they are on: the call's machine hangs the customer up and,
        once the channel is gone, ends the agent's call (wrap-up) as a customer's hang-up
        does. Returns when the customer has left the session, or after `timeout` s."""
        session = self._live(agent_id, "is on no call (logged_out)")
        customer = session.customer
        if session.state != AgentState.ON_CALL or customer is None:
            raise AgentStateError(f"agent {agent_id} is on no call ({session.state})")
        if self.end_customer is None or not await self.end_customer(agent_id, customer):
            raise AgentStateError("the call cannot be ended now (not connected yet)")
        async with self.changed:
            try:
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: session.customer != customer), timeout)
            except TimeoutError:
                log.warning("agent %s: %s not gone %.0f s after the hang-up", agent_id,
                            customer, timeout)

    async def call_ended(self, agent_id: int, wrap_seconds: int) -> None:
        session = self.sessions.get(agent_id)
        if session is not None:
            await self._apply(session, CallEnded(wrap_seconds))

    # ---- preview ---------------------------------------------------------------------
    async def offer_preview(self, agent_id: int, preview: Offer,
                            campaign_id: int | None) -> None:
        """Show a claimed contact (of `campaign_id`) to an available agent; it is theirs
        until dial or skip. An agent who logged out or took a call since it was chosen
        gets nothing: the contact goes back to its campaign."""
        session = self.sessions.get(agent_id)
        if session is None:
            await self._give_back(preview, agent_id, f"agent {agent_id} was no longer "
                                  "available for the preview", withdraw=True)
            return
        await self._apply(session, OfferPreview(preview, campaign_id))

    async def take_preview(self, agent_id: int) -> Offer:
        """The preview the agent asked to dial (state becomes dialling: a second request
        finds it so before any await, and is refused)."""
        session = self._live(agent_id, "has no contact in preview")
        await self._apply(session, TakePreview())
        assert isinstance(session.preview, (CampaignPreview, FollowupPreview))
        return session.preview

    async def start_manual(self, agent_id: int, number: str) -> None:
        """The agent dials by hand: from available, not ready or wrap-up only."""
        session = self._live(agent_id, "cannot dial now (logged_out)")
        await self._apply(session, ManualDialled(number))

    async def skip_preview(self, agent_id: int) -> None:
        session = self._live(agent_id, "has no contact in preview")
        await self._apply(session, SkipPreview())

    async def preview_done(self, agent_id: int) -> None:
        """A preview call that never reached the agent (busy, no answer, refused)."""
        session = self.sessions.get(agent_id)
        if session is not None:
            await self._apply(session, PreviewDone())

    async def clear_followup(self, followup_id: int) -> None:
        """A followup on an agent's screen expired: take it off."""
        for session in list(self.sessions.values()):
            await self._apply(session, PreviewExpired(followup_id))

    def _live(self, agent_id: int, refusal: str) -> Session:
        session = self.sessions.get(agent_id)
        if session is None:
            raise AgentStateError(f"agent {agent_id} {refusal}")
        return session

    def describe(self, agent_id: int) -> SessionView:
        s = self.sessions.get(agent_id)
        if s is None:
            return SessionView(agent_id, AgentState.LOGGED_OUT)
        return session_view(agent_id, s.endpoint, s.bridge_id, s.record)
