"""Inbound callers and campaigns share agents: an agent logged into a campaign session who is
also in the company number's ring group is offered inbound calls through that session.

Who goes first when both want the same free agent is the campaign's `inbound_priority`,
measured against inbound calls' fixed priority 0 (like app_queue's caller priorities):
above 0 the campaign's calls go first, and an inbound caller waits (on hold, within the
ring time) until the campaign has nothing left to dial; at 0 or below a waiting inbound
caller gets the agent first, since a live caller already waiting beats a call the dialer
has not placed yet.
"""

from __future__ import annotations

from collections.abc import Collection

from .outbound import AgentView

INBOUND_PRIORITY = 0


def campaign_goes_first(campaign_priority: int) -> bool:
    return campaign_priority > INBOUND_PRIORITY


def agents_for_campaign(free: list[int], campaign_priority: int,
                        wanted_by_inbound: Collection[int]) -> list[int]:
    """Of the free agents (longest idle first), those the campaign may dial for now."""
    if campaign_goes_first(campaign_priority):
        return free
    return [a for a in free if a not in wanted_by_inbound]


def agent_for_inbound(agents: list[AgentView], candidates: Collection[int],
                      held_groups: Collection[int]) -> int | None:
    """The agent of `candidates` who takes a waiting inbound call now: available, nothing
    on its way to them, and in no group held by a campaign that goes first and still has
    contacts to call (`held_groups`); the longest idle first."""
    free = [a for a in agents if a.agent_id in candidates and a.state == "available"
            and not a.reserved and not (a.groups & set(held_groups))]
    if not free:
        return None
    return min(free, key=lambda a: (a.state_since, a.agent_id)).agent_id
