"""The campaign runner: every tick, for each running campaign, open as many lines as the
pacing allows to contacts that are eligible now; say why the others are not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from ..core.eligibility import check, hourly_cap_left
from ..core.outbound import progressive_lines
from ..db import dialing
from .agents import AgentSessions
from .outbound import OutboundCalls

log = logging.getLogger("dialer.campaigns")


class CampaignRunner:
    def __init__(self, store, agents: AgentSessions, calls: OutboundCalls, *, node: str,
                 tick_seconds: float = 0.5):
        self.store, self.agents, self.calls = store, agents, calls
        self.node, self.tick_seconds = node, tick_seconds
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
                await self.tick(dt.datetime.now(dt.UTC))
            except Exception:  # noqa: BLE001 - one bad tick must not stop dialling
                log.exception("campaign tick failed")
            await asyncio.sleep(self.tick_seconds)

    async def tick(self, now: dt.datetime) -> None:
        if not self.calls.ari.connected.is_set():
            return
        for campaign_id in await self.store.run(dialing.running_campaign_ids):
            campaign = await self.store.run(dialing.campaign_settings, campaign_id)
            if campaign["mode"] != "preview":
                await self._dial_progressive(campaign, now)

    async def _dial_progressive(self, campaign: dict, now: dt.datetime) -> None:
        plan = campaign["plan"]
        last_hour = await self.store.run(dialing.attempts_since, campaign["id"],
                                         now - dt.timedelta(hours=1))
        lines = progressive_lines(
            agents_free=self.agents.free_count(campaign["agent_group_id"]),
            calls_in_flight=self.calls.in_flight(campaign["id"]),
            hourly_left=hourly_cap_left(plan.max_attempts_per_hour, last_hour))
        if lines <= 0:
            return
        for claim in await self.store.run(dialing.claim_due, campaign["id"], self.node,
                                          lines, now):
            verdict = check(claim["state"], campaign["schedule"], plan, now=now,
                            attempts_last_hour=last_hour,
                            suppressed_devices=campaign["suppressed_devices"],
                            suppressed_client_ids=campaign["suppressed_client_ids"])
            if verdict.eligible:
                last_hour += 1
                await self.calls.dial(campaign, claim)
            else:
                await self.store.run(dialing.release, claim["cc_id"],
                                     next_attempt_at=verdict.next_possible_at,
                                     reason="; ".join(r.message for r in verdict.reasons),
                                     give_up=verdict.next_possible_at is None)
