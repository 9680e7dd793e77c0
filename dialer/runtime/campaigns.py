"""The campaign runner: every tick, for each running campaign, open as many lines as the
pacing allows to contacts that are eligible now; say why the others are not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Callable

from ..core.eligibility import check, hourly_cap_left
from ..core.outbound import progressive_lines
from ..core.pacing import Abandonment, PacingSettings, predictive_lines
from ..core.sharing import campaign_goes_first
from ..core.tz import utc_now
from ..db import dialing, queries
from .agents import AgentSessions
from .followups import FollowupDesk
from .outbound import OutboundCalls

log = logging.getLogger("dialer.campaigns")


class CampaignRunner:
    def __init__(self, store, agents: AgentSessions, calls: OutboundCalls, *, node: str,
                 tick_seconds: float = 0.5, now: Callable[[], dt.datetime] = utc_now,
                 also_tick: tuple[Callable, ...] = ()):
        self.store, self.agents, self.calls = store, agents, calls
        self.also_tick = also_tick  # other timed work, e.g. action-plan calls
        self.node, self.tick_seconds, self.now = node, tick_seconds, now
        self.followups = FollowupDesk(store, agents, calls)
        self._task: asyncio.Task | None = None

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
        held = set()
        for campaign_id in await self.store.run(dialing.running_campaign_ids):
            campaign = await self.store.run(dialing.campaign_settings, campaign_id)
            last_hour = await self.store.run(dialing.attempts_since, campaign_id,
                                             now - dt.timedelta(hours=1))
            if campaign["mode"] == "preview":
                await self._offer_previews(campaign, now, last_hour)
            elif campaign["mode"] == "predictive":
                await self._dial_predictive(campaign, now, last_hour)
            else:
                await self._dial_progressive(campaign, now, last_hour)
            if await self._holds_agents(campaign, now):
                held.add(campaign["agent_group_id"])
        await self.agents.hold_for_campaigns(frozenset(held))

    async def _holds_agents(self, campaign: dict, now: dt.datetime) -> bool:
        """A campaign that goes before inbound calls keeps its agents while it has calls
        in flight or contacts due (core.sharing)."""
        if not campaign_goes_first(campaign["inbound_priority"]) or not campaign["agent_group_id"]:
            return False
        return (self.calls.in_flight(campaign["id"]) > 0
                or await self.store.run(queries.has_due, campaign["id"], now))

    async def _dial_progressive(self, campaign: dict, now: dt.datetime, last_hour: int) -> None:
        lines = progressive_lines(
            agents_free=len(self.agents.free_agents(campaign["agent_group_id"],
                                                    campaign["inbound_priority"])),
            calls_in_flight=self.calls.in_flight(campaign["id"]),
            hourly_left=hourly_cap_left(campaign["plan"].max_attempts_per_hour, last_hour))
        for claim in await self._eligible_claims(campaign, now, lines, last_hour):
            await self.calls.dial(campaign, claim)

    async def _dial_predictive(self, campaign: dict, now: dt.datetime, last_hour: int) -> None:
        """Like progressive, with the number of lines from core.pacing: the campaign's
        learned statistics, its agents and calls in flight, the abandonment measured over
        its window."""
        group, cid = campaign["agent_group_id"], campaign["id"]
        stats = await self.calls.pacing.load(self.store, cid)
        abandoned, humans = await self.store.run(dialing.abandonment_since, cid,
                                                 now - campaign["abandon_window"])
        logged_in, busy = self.agents.pacing_view(group)
        lines = predictive_lines(
            agents_logged_in=logged_in,
            agents_free=len(self.agents.free_agents(group, campaign["inbound_priority"])),
            busy=busy, in_flight=self.calls.flight_view(cid), stats=stats,
            measured=Abandonment(abandoned, humans),
            settings=PacingSettings(abandon_target=campaign["abandon_target"],
                                    max_lines_per_agent=campaign["max_lines_per_agent"],
                                    ring_timeout=max(15, campaign["ring_timeout_seconds"])),
            hourly_left=hourly_cap_left(campaign["plan"].max_attempts_per_hour, last_hour),
            max_new=50)
        for claim in await self._eligible_claims(campaign, now, lines, last_hour):
            await self.calls.dial(campaign, claim)

    async def _offer_previews(self, campaign: dict, now: dt.datetime, last_hour: int) -> None:
        """One contact on the screen of each free agent; each preview will be an attempt,
        so previews on screen count against the hourly cap."""
        free = self.agents.free_agents(campaign["agent_group_id"], campaign["inbound_priority"])
        on_screen = self.agents.previews_of(campaign["id"])
        lines = progressive_lines(
            agents_free=len(free), calls_in_flight=0,
            hourly_left=hourly_cap_left(campaign["plan"].max_attempts_per_hour,
                                        last_hour + on_screen))
        claims = await self._eligible_claims(campaign, now, lines, last_hour + on_screen)
        for agent_id, claim in zip(free, claims):
            details = await self.store.run(dialing.preview_details, claim["cc_id"])
            await self.agents.offer_preview(
                agent_id, {"campaign": campaign, "claim": claim, "details": details})

    async def _eligible_claims(self, campaign: dict, now: dt.datetime, limit: int,
                               last_hour: int) -> list[dict]:
        """Claim up to `limit` due contacts; hand back, with the reason, those that may
        not be dialled now."""
        if limit <= 0:
            return []
        eligible = []
        for claim in await self.store.run(dialing.claim_due, campaign["id"], self.node,
                                          limit, now):
            verdict = self.verdict(campaign, claim, now, last_hour + len(eligible))
            if verdict.eligible:
                eligible.append(claim)
            else:
                await self.store.run(dialing.release, claim["cc_id"],
                                     next_attempt_at=verdict.next_possible_at,
                                     reason="; ".join(r.message for r in verdict.reasons),
                                     give_up=verdict.next_possible_at is None)
        return eligible

    @staticmethod
    def verdict(campaign: dict, claim: dict, now: dt.datetime, attempts_last_hour: int):
        return check(claim["state"], campaign["schedule"], campaign["plan"], now=now,
                     attempts_last_hour=attempts_last_hour,
                     suppressed_devices=campaign["suppressed_devices"],
                     suppressed_client_ids=campaign["suppressed_client_ids"])

    async def dial_preview(self, agent_id: int) -> dict:
        """The agent pressed dial: check the contact again (the window may have closed
        while it was on screen), then call it for that agent."""
        preview = await self.agents.take_preview(agent_id)
        if "followup_id" in preview:
            return await self.followups.dial(agent_id, preview, self.now())
        campaign, claim, now = preview["campaign"], preview["claim"], self.now()
        last_hour = await self.store.run(dialing.attempts_since, campaign["id"],
                                         now - dt.timedelta(hours=1))
        verdict = self.verdict(campaign, claim, now, last_hour)
        if not verdict.eligible:
            reason = "; ".join(r.message for r in verdict.reasons)
            await self.agents.preview_done(agent_id)  # free even if the release fails
            await self.store.run(dialing.release, claim["cc_id"],
                                 next_attempt_at=verdict.next_possible_at, reason=reason,
                                 give_up=verdict.next_possible_at is None)
            return {"dialled": False, "reason": reason}
        await self.calls.dial(campaign, claim, preview_agent=agent_id)
        return {"dialled": True}

    async def dial_manual(self, agent_id: int, number: str) -> dict:
        """`number` is what `permissions.check_manual_dial` returned (E.164, allowed)."""
        await self.agents.start_manual(agent_id, number)
        account_id = await self.store.run(dialing.agent_account, agent_id)
        settings = await self.store.run(dialing.account_call_settings, account_id)
        await self.calls.dial_manual(settings, agent_id, number)
        return {"dialled": True, "number": number}
