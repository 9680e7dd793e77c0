"""Agents' phone sessions: the dialer calls the desk phone once at login and keeps it in
the agent's own bridge, so a customer is heard the moment they are added (no ringing per
call). Bridge ids are fixed (`dialer-agent-<id>`), so they are found again after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import peewee as pw

from ..ari import AriClient, AriConflict, AriError
from ..core.asterisk_input import UnsafeValue, parse_endpoint
from ..outbound.decisions import AgentView
from ..outbound.sharing import (
    INBOUND_PRIORITY,
    agent_for_call,
    agent_for_inbound,
    agents_for_campaign,
    spare_agents,
)
from ..core.tz import utc_now
from . import store as agent_db
from ..outbound import store as dialing
from ..db.validation import NotFoundError
from ..followups import store as followups
from ..features import Feature, StasisRoute

log = logging.getLogger("dialer.agents")
SOFTHANGUP_SHUTDOWN = 4  # ChannelHangupRequest "cause" of a soft hangup: Asterisk shutting down
SKIP_DELAY = dt.timedelta(minutes=5)


@dataclass
class Session:
    agent_id: int
    endpoint: str
    groups: frozenset[int]
    channel_id: str
    bridge_id: str
    since: dt.datetime
    state: str = "logging_in"        # then available, preview, dialling, on_call, wrap_up, not_ready;
                                     # phone_lost: Asterisk went down, rung again when it is back
    customer: str | None = None      # customer channel in the bridge
    reserved: bool = False           # a call is being connected to this agent
    preview: dict | None = None      # the contact offered in preview: claim, campaign, details
    attempt_id: int | None = None    # the call in progress or in wrap-up (script, disposition)
    campaign_id: int | None = None   # the campaign of that preview or call (None: inbound,
                                     # manual, a followup outside campaigns); who may see it
    wrap_task: asyncio.Task | None = None
    pbx_stopping: bool = False       # its leg is being hung up by Asterisk shutting down


class AgentSessions:
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

    # ---- queries ---------------------------------------------------------------------
    def views(self) -> list[AgentView]:
        return [AgentView(s.agent_id, s.state, s.since, s.groups, s.reserved)
                for s in self.sessions.values()]

    def free_agents(self) -> list[int]:
        """Available agents, longest idle first, that no inbound caller waits for and no
        progressive call in flight is owed (outbound.sharing): those a followup may have."""
        return agents_for_campaign(spare_agents(self.views(), self.promised()), INBOUND_PRIORITY,
                                   +self.wanted_by_inbound)

    def previews_of(self, campaign_id: int) -> int:
        """Contacts of the campaign held on agents' screens (claimed, not yet dialled)."""
        return sum(1 for s in self.sessions.values()
                   if s.preview and "claim" in s.preview
                   and s.preview["campaign"].id == campaign_id and s.state == "preview")

    def feature(self) -> Feature:
        """Its lost legs are rung again by its own resync step, not replayed as hang-ups."""
        return Feature("agents", stasis={"agent": StasisRoute(
            lambda event, args: self.on_phone_answered(event, int(args[1])),
            lambda args: len(args) > 1 and args[1].isdigit())},
            channels=self.channels, replays_missed_hangups=False,
            on_channel_destroyed=lambda event: self.on_channel_destroyed(event["channel"]["id"]))

    def channels(self) -> set[str]:
        """Agents' desk-phone legs and the customers with them."""
        return ({s.channel_id for s in self.sessions.values()}
                | {s.customer for s in self.sessions.values() if s.customer})

    def by_channel(self, channel_id: str) -> Session | None:
        return next((s for s in self.sessions.values() if s.channel_id == channel_id), None)

    # ---- login / logout --------------------------------------------------------------
    async def login(self, agent_id: int) -> dict:
        if agent_id in self.sessions:
            return self.describe(agent_id)
        info = await self.store.run(agent_db.agent_info, agent_id)
        self._check_live_limit(info)
        try:  # checked when stored; a value stored before the checks is refused here
            endpoint = parse_endpoint(info["endpoint"]).dial_string
        except UnsafeValue as exc:
            raise AgentStateError(f"{info['endpoint']!r}: {exc.reason}", "endpoint") from None
        session = Session(agent_id, endpoint, frozenset(info["groups"]),
                          channel_id=_new_leg_id(agent_id), bridge_id=_bridge_id(agent_id),
                          since=self.now())
        self.sessions[agent_id] = session
        try:
            await self._ring_phone(session)
        except AriError:
            del self.sessions[agent_id]
            raise
        return self.describe(agent_id)

    async def _ring_phone(self, session: Session) -> None:
        """Call the desk phone; answered, it enters Stasis as `agent,<id>`."""
        await self.ari.originate(session.endpoint, channel_id=session.channel_id,
                                 app=self.app, app_args=f"agent,{session.agent_id}",
                                 timeout=30, caller_id=f"Dialer <{session.agent_id}>")

    def _check_live_limit(self, info: dict) -> None:
        """The plan's max_live_agents_per_group, for each group of the agent."""
        limit = info["max_live_agents_per_group"]
        for group in info["groups"] if limit is not None else ():
            live = sum(1 for s in self.sessions.values() if group in s.groups)
            if live >= limit:
                raise AgentStateError(f"agent group {group} has {live} live agent(s), the "
                                      f"plan's limit", field="max_live_agents_per_group")

    async def logout(self, agent_id: int) -> None:
        session = self.sessions.get(agent_id)
        if session:
            await self.ari.hangup(session.channel_id)
            await self._gone(session)

    async def on_phone_answered(self, event: dict, agent_id: int) -> None:
        """StasisStart of the desk phone's leg: put it in the agent's bridge."""
        session = self.sessions.get(agent_id)
        channel_id = event["channel"]["id"]
        if session is None or session.channel_id != channel_id:
            await self.ari.hangup(channel_id)  # a stale leg from an earlier session
            return
        try:
            await self.ari.create_bridge(session.bridge_id, type="mixing",
                                         name=f"agent {agent_id}")
        except AriConflict:
            pass  # kept from before a restart
        await self.ari.add_to_bridge(session.bridge_id, [channel_id])
        await self._set_state(session, "available")
        log.info("agent %s logged in on %s", agent_id, session.endpoint)

    async def on_hangup_request(self, event: dict) -> None:
        """Asterisk hangs every channel up as it shuts down (a restart): an agent's leg
        going that way is not the agent leaving."""
        session = self.by_channel(event.get("channel", {}).get("id", ""))
        if session is not None and event.get("soft") and event.get("cause") == SOFTHANGUP_SHUTDOWN:
            session.pbx_stopping = True

    async def on_channel_destroyed(self, channel_id: str) -> bool:
        session = self.by_channel(channel_id)
        if session is not None and session.pbx_stopping:
            await self._phone_lost(session)
            return True
        if session is not None:
            await self._gone(session)
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
            if session.channel_id not in up and session.state != "logging_in":
                await self._ring_again(session)
        taken_back = {}
        for channel_id in sorted(up):
            agent_id = agent_of_leg(channel_id)
            if agent_id is None or agent_id in self.sessions:
                continue
            others = await self._take_back(agent_id, channel_id, in_bridge)
            if others is not None:
                taken_back[agent_id] = others
        return taken_back

    async def _phone_lost(self, session: Session) -> None:
        """The leg is gone but the agent has not left: no calls until it is rung again."""
        if session.wrap_task:
            session.wrap_task.cancel()
        if session.preview and session.state == "preview":
            await self._hand_back(session, "the agent's phone was lost during preview")
        session.customer, session.reserved, session.preview = None, False, None
        session.pbx_stopping = False
        await self._set_state(session, "phone_lost")

    async def _ring_again(self, session: Session) -> None:
        log.warning("agent %s: desk-phone leg lost, ringing the phone again", session.agent_id)
        await self._phone_lost(session)
        session.channel_id = _new_leg_id(session.agent_id)
        await self._set_state(session, "logging_in")
        try:
            await self._ring_phone(session)
        except AriError as exc:
            log.warning("agent %s: could not ring the phone again: %s", session.agent_id, exc)
            await self._gone(session)

    async def _take_back(self, agent_id: int, channel_id: str,
                         in_bridge: dict[str, list[str]]) -> list[str] | None:
        """An agent's leg from before a restart: the session again, unless the agent
        logged out meanwhile (then the leg is stale and hung up by the caller)."""
        try:
            info = await self.store.run(agent_db.agent_info, agent_id)
        except Exception:  # noqa: BLE001 - an agent deleted since: stale leg
            return None
        if info["state"] == "logged_out":
            return None
        session = Session(agent_id, info["endpoint"], frozenset(info["groups"]), channel_id,
                          bridge_id=_bridge_id(agent_id), since=self.now())
        self.sessions[agent_id] = session
        others = [c for c in in_bridge.get(session.bridge_id, []) if c != channel_id]
        if channel_id not in in_bridge.get(session.bridge_id, []):
            try:
                await self.ari.create_bridge(session.bridge_id, type="mixing",
                                             name=f"agent {agent_id}")
            except AriConflict:
                pass
            await self.ari.add_to_bridge(session.bridge_id, [channel_id])
        if others:
            session.customer = others[0]
        await self._set_state(session, "on_call" if others else
                              "not_ready" if info["state"] == "not_ready" else "available")
        log.info("agent %s taken back after a restart (%s)", agent_id, session.state)
        return others

    async def _gone(self, session: Session) -> None:
        self.sessions.pop(session.agent_id, None)
        if session.wrap_task:
            session.wrap_task.cancel()
        if session.preview and session.state == "preview":
            await self._hand_back(session, "agent logged out during preview", withdraw=True)
        if session.customer:  # never leave a caller alone in a bridge nobody is in
            await self.ari.hangup(session.customer)
        await self.ari.destroy_bridge(session.bridge_id)
        await self.store.run(agent_db.set_agent_state, session.agent_id, "logged_out",
                             self.now())
        log.info("agent %s logged out", session.agent_id)

    # ---- states ----------------------------------------------------------------------
    async def set_ready(self, agent_id: int, ready: bool) -> None:
        session = self.sessions.get(agent_id)
        if session is None:
            raise NotFoundError("id", f"agent {agent_id} is not logged in")
        if session.state in ("available", "not_ready", "wrap_up"):
            await self._set_state(session, "available" if ready else "not_ready")

    async def _set_state(self, session: Session, state: str) -> None:
        """The session is the truth; the database row is what others see. A failed write
        must not leave a call or an agent half-handled: logged, fixed by the next one."""
        session.state, session.since = state, self.now()
        try:
            await self.store.run(agent_db.set_agent_state, session.agent_id, state,
                                 session.since)
        except pw.PeeweeException as exc:
            log.warning("agent %s: state %s not saved: %s", session.agent_id, state, exc)
        await self.wake()

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
        try:
            return await self._reserve(
                lambda: agent_for_inbound(self.views(), candidates, self.held_groups,
                                          self.promised()), deadline)
        finally:
            self.wanted_by_inbound.subtract(candidates)

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
                    self.sessions[agent_id].reserved = True
                    return agent_id
                left = deadline - loop.time()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(self.changed.wait(), left)
                except TimeoutError:
                    return None

    async def connect(self, agent_id: int, customer: str, attempt_id: int | None = None,
                      details: dict | None = None, campaign_id: int | None = None) -> bool:
        """Add the customer to the agent's bridge; `details`: what the agent page shows
        (an inbound caller; a campaign call shows its attempt, of `campaign_id`)."""
        session = self.sessions.get(agent_id)
        if session is None:
            return False
        if details is not None:
            session.preview = {"details": details}
        # Stays reserved until on_call: while the bridge request is out, another answered
        # call must not take this agent (two customers in one bridge).
        try:
            await self.ari.add_to_bridge(session.bridge_id, [customer])
        except AriError as exc:
            log.warning("could not bridge %s to agent %s: %s", customer, agent_id, exc)
            session.reserved = False
            await self._set_state(session, "available")
            return False
        session.customer, session.attempt_id, session.reserved = customer, attempt_id, False
        session.campaign_id = campaign_id
        await self._set_state(session, "on_call")
        return True

    async def release(self, agent_id: int) -> None:
        """A reserved agent whose call never arrived."""
        session = self.sessions.get(agent_id)
        if session:
            session.reserved = False
            await self.wake()

    async def wake(self) -> None:
        """Calls waiting for an agent look again (one may have come free for them)."""
        async with self.changed:
            self.changed.notify_all()

    # ---- preview ---------------------------------------------------------------------
    async def offer_preview(self, agent_id: int, preview: dict,
                            campaign_id: int | None) -> None:
        """Show a claimed contact (of `campaign_id`) to an available agent; it is theirs
        until dial or skip. An agent who logged out or took a call since it was chosen
        gets nothing: the contact goes back to its campaign."""
        session = self.sessions.get(agent_id)
        if session is None or session.state != "available" or session.reserved:
            await self._give_back(preview, agent_id, f"agent {agent_id} was no longer "
                                  "available for the preview", withdraw=True)
            return
        session.preview, session.attempt_id, session.campaign_id = preview, None, campaign_id
        await self._set_state(session, "preview")

    async def take_preview(self, agent_id: int) -> dict:
        """The preview the agent asked to dial (state becomes dialling: a second request
        finds it so before any await, and is refused)."""
        session = self.sessions.get(agent_id)
        if session is None or session.state != "preview" or not session.preview:
            raise AgentStateError(f"agent {agent_id} has no contact in preview")
        await self._set_state(session, "dialling")
        return session.preview

    async def start_manual(self, agent_id: int, number: str) -> None:
        """The agent dials by hand: from available, not ready or wrap-up only."""
        session = self.sessions.get(agent_id)
        if session is None or session.state not in ("available", "not_ready", "wrap_up"):
            raise AgentStateError(f"agent {agent_id} cannot dial now "
                                  f"({session.state if session else 'logged out'})")
        if session.wrap_task:
            session.wrap_task.cancel()
        session.preview = {"manual": number, "details": {"phones": [number], "manual": True}}
        session.campaign_id = None
        await self._set_state(session, "dialling")

    async def skip_preview(self, agent_id: int) -> None:
        session = self.sessions.get(agent_id)
        if session is None or session.state != "preview" or not session.preview:
            raise AgentStateError(f"agent {agent_id} has no contact in preview")
        # Not offered again at once, or the next free agent would see it straight away.
        await self._hand_back(session, f"skipped in preview by agent {agent_id}", SKIP_DELAY)
        await self._set_state(session, "available")

    async def preview_done(self, agent_id: int) -> None:
        """A preview call that never reached the agent (busy, no answer, refused)."""
        session = self.sessions.get(agent_id)
        if session is not None:
            session.preview = None
            if session.state in ("preview", "dialling"):
                await self._set_state(session, "available")

    async def _hand_back(self, session: Session, reason: str,
                         delay: dt.timedelta = dt.timedelta(0), withdraw: bool = False) -> None:
        """Give the previewed contact back to its campaign; a followup is offered again
        later (`withdraw`: the agent left) or cancelled (the agent chose not to call)."""
        preview, session.preview = session.preview, None
        await self._give_back(preview, session.agent_id, reason, delay, withdraw)

    async def _give_back(self, preview: dict, agent_id: int, reason: str,
                         delay: dt.timedelta = dt.timedelta(0), withdraw: bool = False) -> None:
        if "followup_id" in preview:
            if withdraw:
                await self.store.run(followups.withdraw_offer, preview["followup_id"],
                                     self.now())
            else:
                await self.store.run(followups.cancel_followup, preview["followup_id"],
                                     now=self.now(), agent_id=agent_id, reason=reason)
            return
        await self.store.run(dialing.release, preview["claim"].cc_id,
                             next_attempt_at=self.now() + delay, reason=reason)

    async def clear_followup(self, followup_id: int) -> None:
        """A followup on an agent's screen expired: take it off."""
        for session in self.sessions.values():
            if (session.state == "preview" and session.preview
                    and session.preview.get("followup_id") == followup_id):
                session.preview = None
                await self._set_state(session, "available")

    async def call_ended(self, agent_id: int, wrap_seconds: int) -> None:
        session = self.sessions.get(agent_id)
        if session is None:
            return
        session.customer = None
        session.preview = None
        if session.state == "phone_lost":  # stays so until the phone is rung again
            return
        if wrap_seconds <= 0:
            await self._set_state(session, "available")
            return
        await self._set_state(session, "wrap_up")
        session.wrap_task = asyncio.create_task(self._wrap_up(session, wrap_seconds))

    async def _wrap_up(self, session: Session, seconds: int) -> None:
        await asyncio.sleep(seconds)
        if session.state == "wrap_up" and self.sessions.get(session.agent_id) is session:
            await self._set_state(session, "available")

    def describe(self, agent_id: int) -> dict:
        s = self.sessions.get(agent_id)
        if s is None:
            return {"agent_id": agent_id, "state": "logged_out", "campaign_id": None}
        shown = s.preview is not None or s.attempt_id is not None
        return {"agent_id": agent_id, "state": s.state, "since": s.since.isoformat(),
                "endpoint": s.endpoint, "customer": s.customer, "bridge": s.bridge_id,
                "preview": s.preview["details"] if s.preview else None,
                "attempt_id": s.attempt_id, "campaign_id": s.campaign_id if shown else None}


def _new_leg_id(agent_id: int) -> str:
    return f"agent-{agent_id}-{uuid.uuid4().hex[:8]}"


def _bridge_id(agent_id: int) -> str:
    return f"dialer-agent-{agent_id}"


def agent_of_leg(channel_id: str) -> int | None:
    """The agent whose desk-phone leg this is (`_new_leg_id`)."""
    parts = channel_id.split("-")
    if len(parts) == 3 and parts[0] == "agent" and parts[1].isdigit():
        return int(parts[1])
    return None


class AgentStateError(Exception):
    """The agent's state, or a limit, does not allow the request (HTTP 409)."""

    def __init__(self, message: str, field: str = "state"):
        super().__init__(message)
        self.field = field
