"""Followups at run time: each due followup is offered to its own agent only, as a preview
(when that agent is available); one not launched within 5 minutes of its start expires and
leaves the screen. The checks (suppression, the on-demand strategy's first pass,
permission, expiry) are dialer.followups.store'; this module only moves agents and calls.
"""

from __future__ import annotations

import datetime as dt
import logging

from ..outbound import agent_calls
from ..agents.shell import AgentSessions
from ..agents.previews import FollowupPreview
from ..outbound.shell import OutboundCalls
from . import store as followups

log = logging.getLogger("dialer.followups")


class FollowupDesk:
    def __init__(self, store, agents: AgentSessions, calls: OutboundCalls):
        self.store, self.agents, self.calls = store, agents, calls

    async def tick(self, now: dt.datetime) -> None:
        for expired in await self.store.run(followups.expire_due, now):
            await self.agents.clear_followup(expired["id"])
        free = self.agents.free_agents()
        if not free:
            return
        offered_to: set[int] = set()
        for due in await self.store.run(followups.due_followups, now, free):
            agent_id = due["agent_id"]
            if agent_id in offered_to:
                continue  # one at a time per agent; the next waits for the next tick
            offer = await self.store.run(followups.offer_followup, due["id"], now)
            if not offer["offered"]:
                log.info("followup %s not offered: %s (%s)", due["id"], offer["status"],
                         offer["reason"])
                continue
            offered_to.add(agent_id)
            await self.agents.offer_preview(agent_id, FollowupPreview(
                due["id"], offer["contact"] | {"followup": {
                    k: offer[k] for k in ("id", "local_time", "timezone", "expires_at",
                                          "data", "campaign_id")}}), offer["campaign_id"])

    async def dial(self, agent_id: int, preview: FollowupPreview, now: dt.datetime) -> dict:
        """The owner pressed dial: launch (refused past expiry), then call for them."""
        followup_id = preview.followup_id
        launched = await self.store.run(followups.launch_followup, followup_id, now,
                                        agent_id=agent_id)
        if launched["status"] != "launched":
            await self.agents.preview_done(agent_id)
            return {"dialled": False, "reason": launched["status_reason"] or launched["status"]}
        settings = await self.store.run(agent_calls.followup_settings, followup_id)
        await self.calls.dial_followup(settings, followup_id, preview.details["phones"][0],
                                       agent_id)
        return {"dialled": True}
