"""The campaign runner: every tick, share the free agents out among the running campaigns
(outbound.sharing), open as many lines as each one's share and pacing allow to contacts that
are eligible now; say why the others are not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from typing import Callable

from .eligibility import Verdict, check, hourly_cap_left
from .pacing import Abandonment, PacingSettings
from .sharing import (
    CampaignDemand,
    DialMode,
    PredictiveInputs,
    campaign_goes_first,
    share_agents,
)
from ..amd.store import abandonment_with_amd
from ..core.tz import utc_now
from ..callerids import store as callerids
from ..db import queries
from . import agent_calls, store as dialing
from ..agents.shell import AgentSessions
from ..agents.previews import CampaignPreview, FollowupPreview
from ..followups.shell import FollowupDesk
from .model import CampaignSettings, Claim
from .shell import OutboundCalls

log = logging.getLogger("dialer.campaigns")
MAX_NEW_CALLS = 50  # per campaign and tick


class CampaignRunner:
    def __init__(self, store, agents: AgentSessions, calls: OutboundCalls, *, node: str,
                 tick_seconds: float = 0.5, now: Callable[[], dt.datetime] = utc_now,
                 also_tick: tuple[Callable, ...] = ()):
        self.store, self.agents, self.calls = store, agents, calls
        self.also_tick = also_tick  # other timed work, e.g. action-plan calls
        self.node, self.tick_seconds, self.now = node, tick_seconds, now
        self.followups = FollowupDesk(store, agents, calls)
        self._task: asyncio.Task | None = None
        self._turn = 0  # rotates who goes first among campaigns of equal priority

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick(self.now())
            except Exception:  # noqa: BLE001 - one bad tick must not stop dialling
                log.exception("campaign tick failed")
            await asyncio.sleep(self.tick_seconds)

    async def tick(self, now: dt.datetime) -> None:
        if not self.calls.ari.connected.is_set():
            return
        await self.followups.tick(now)  # first: they are due at a time, and agent-owned
        for tick in self.also_tick:
            await tick(now)
        self._turn += 1
        running, demands = [], []
        for campaign_id in await self.store.run(dialing.running_campaign_ids):
            campaign = await self.store.run(dialing.campaign_settings, campaign_id)
            used = await self.store.run(dialing.attempts_since, campaign_id,
                                        now - dt.timedelta(hours=1))
            if campaign.mode == "preview":  # each preview on screen will be an attempt
                used += self.agents.previews_of(campaign_id)
            # no caller id left to show (its pool's numbers rested or capped): no claims,
            # the "why not" says so (callerids.store.exhausted)
            due = await self.store.run(queries.has_due, campaign_id, now) and not \
                await self.store.run(callerids.exhausted, campaign_id, campaign.account_id, now)
            running.append((campaign, used, due))
            demands.append(await self._demand(campaign, now, used, due))
        # Free agents are shared out among all campaigns at once (outbound.sharing).
        shares = share_agents(self.agents.views(), +self.agents.wanted_by_inbound, demands,
                              self.calls.flights(), now, self._turn)
        # Until placed, the calls shared out are owed their agents like calls in flight.
        owed = self.calls.planned
        for campaign, _, _ in running:
            if campaign.mode != "predictive":
                owed[campaign.agent_group_id] += shares[campaign.id].dials
        held = set()
        try:
            for campaign, used, due in running:
                share = shares[campaign.id]
                claims = await self._eligible_claims(campaign, now, share.dials, used)
                if campaign.mode == "preview":
                    # fewer claims than agents: the others stay free
                    await self._offer_previews(campaign, zip(share.agents, claims, strict=False))
                else:
                    for claim in claims:
                        await self.calls.dial(campaign, claim)
                if campaign.mode != "predictive":
                    owed[campaign.agent_group_id] -= share.dials
                if self._holds_agents(campaign, due):
                    held.add(campaign.agent_group_id)
        finally:
            owed.clear()
        await self.agents.hold_for_campaigns(frozenset(held))

    def _holds_agents(self, campaign: CampaignSettings, due: bool) -> bool:
        """A campaign that goes before inbound calls keeps its agents while it has calls
        in flight or contacts due (outbound.sharing)."""
        if not campaign_goes_first(campaign.inbound_priority) or not campaign.agent_group_id:
            return False
        return self.calls.in_flight(campaign.id) > 0 or due

    async def _demand(self, campaign: CampaignSettings, now: dt.datetime, used: int,
                      due: bool) -> CampaignDemand:
        """What the campaign would place now: up to the hourly cap, nothing without
        contacts due; a predictive one with its learned statistics and the abandonment
        over its window: measured, plus the people its AMD is estimated to have hung up on
        as machines (dialer.amd.abandonment)."""
        left = hourly_cap_left(campaign.plan.max_attempts_per_hour, used)
        wanted = (MAX_NEW_CALLS if left is None else min(left, MAX_NEW_CALLS)) if due else 0
        predictive = None
        if campaign.mode == "predictive":
            cid = campaign.id
            stats = await self.calls.pacing.load(self.store, cid)
            measured = await self.store.run(abandonment_with_amd, cid,
                                            now - campaign.abandon_window)
            amd_estimate = math.ceil(measured.amd_false_positives)  # whole people, cautiously
            abandonment = Abandonment(measured.abandoned + amd_estimate,
                                      measured.humans + amd_estimate)
            predictive = PredictiveInputs(stats, abandonment, PacingSettings(
                abandon_target=campaign.abandon_target,
                max_lines_per_agent=campaign.max_lines_per_agent or None,
                line_limit=None if campaign.plan.training
                else self.calls.trunks.channel_capacity(campaign.account_id),
                ring_timeout=max(15, campaign.ring_timeout_seconds),
                inbound_target=campaign.inbound_target),
                inbound_rate=self.calls.pacing.inbound_rate(campaign.agent_group_id,
                                                            asyncio.get_running_loop().time()),
                inbound_service=self.calls.pacing.inbound_service(
                    campaign.agent_group_id, campaign.inbound_target.seconds))
        return CampaignDemand(campaign.id, campaign.agent_group_id,
                              DialMode(campaign.mode), campaign.inbound_priority, wanted,
                              predictive)

    async def _offer_previews(self, campaign: CampaignSettings, offers) -> None:
        """One contact on the screen of each agent the campaign's share set aside."""
        for agent_id, claim in offers:
            details = await self.store.run(dialing.preview_details, claim.cc_id)
            await self.agents.offer_preview(
                agent_id, CampaignPreview(campaign, claim, details), campaign.id)

    async def _eligible_claims(self, campaign: CampaignSettings, now: dt.datetime, limit: int,
                               last_hour: int) -> list[Claim]:
        """Claim up to `limit` due contacts; hand back, with the reason, those that may
        not be dialled now."""
        if limit <= 0:
            return []
        eligible: list[Claim] = []
        for claim in await self.store.run(dialing.claim_due, campaign.id, self.node,
                                          limit, now):
            verdict = self.verdict(campaign, claim, now, last_hour + len(eligible))
            if verdict.eligible:
                eligible.append(claim)
            else:
                await self.store.run(dialing.release, claim.cc_id,
                                     next_attempt_at=verdict.next_possible_at,
                                     reason="; ".join(r.message for r in verdict.reasons),
                                     give_up=verdict.next_possible_at is None)
        return eligible

    @staticmethod
    def verdict(campaign: CampaignSettings, claim: Claim, now: dt.datetime,
                attempts_last_hour: int) -> Verdict:
        return check(claim.state, campaign.schedule, campaign.plan, now=now,
                     attempts_last_hour=attempts_last_hour, policy=campaign.policy,
                     history=claim.history)

    async def dial_preview(self, agent_id: int) -> dict:
        """The agent pressed dial: check the contact again (the window may have closed
        while it was on screen), then call it for that agent."""
        preview = await self.agents.take_preview(agent_id)
        if isinstance(preview, FollowupPreview):
            return await self.followups.dial(agent_id, preview, self.now())
        campaign, claim, now = preview.campaign, preview.claim, self.now()
        last_hour = await self.store.run(dialing.attempts_since, campaign.id,
                                         now - dt.timedelta(hours=1))
        verdict = self.verdict(campaign, claim, now, last_hour)
        if not verdict.eligible:
            reason = "; ".join(r.message for r in verdict.reasons)
            await self.agents.preview_done(agent_id)  # free even if the release fails
            await self.store.run(dialing.release, claim.cc_id,
                                 next_attempt_at=verdict.next_possible_at, reason=reason,
                                 give_up=verdict.next_possible_at is None)
            return {"dialled": False, "reason": reason}
        await self.calls.dial(campaign, claim, preview_agent=agent_id)
        return {"dialled": True}

    async def dial_manual(self, agent_id: int, number: str) -> dict:
        """`number` is what `permissions.check_manual_dial` returned (E.164, allowed)."""
        await self.agents.start_manual(agent_id, number)
        account_id = await self.store.run(agent_calls.agent_account, agent_id)
        settings = await self.store.run(agent_calls.account_call_settings, account_id)
        await self.calls.dial_manual(settings, agent_id, number)
        return {"dialled": True, "number": number}
