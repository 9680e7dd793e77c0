"""Predictive pacing's memory: one `CallStats` per campaign, kept in this process, seeded
from the campaign's last attempts in the database the first time it is needed and fed
by `OutboundCalls` as each attempt finishes (the policy itself is dialer.outbound.pacing)."""

from __future__ import annotations

from collections.abc import Iterable

from .events import Learn
from .pacing import CallStats, InboundWaits, RateEstimate, ServiceLevel
from . import store as dialing


class PacingStats:
    def __init__(self):
        self.by_campaign: dict[int, CallStats] = {}
        # agent group -> the rate of inbound callers who wanted its agents (blended floors)
        self.inbound: dict[int, RateEstimate] = {}
        self._inbound_last: dict[int, float] = {}  # group -> its last caller (monotonic s)
        self.inbound_waits: dict[int, InboundWaits] = {}  # group -> its callers' waits

    def inbound_arrived(self, groups: Iterable[int], at: float) -> None:
        """An inbound caller began waiting for agents of these groups."""
        for group in groups:
            last = self._inbound_last.get(group)
            if last is not None:
                self.inbound.setdefault(group, RateEstimate()).observe_gap(at - last)
            self._inbound_last[group] = at

    def inbound_waited(self, groups: Iterable[int], waited: float | None) -> None:
        """An inbound caller's wait for agents of these groups ended: one took them after
        `waited` seconds, or none (None: the caller hung up or went on to the next step)."""
        for group in groups:
            self.inbound_waits.setdefault(group, InboundWaits()).observe(waited)

    def inbound_service(self, group_id: int | None, seconds: float) -> ServiceLevel:
        """The group's recent inbound callers, and those taken within `seconds`."""
        waits = self.inbound_waits.get(group_id) if group_id is not None else None
        return waits.service_level(seconds) if waits else ServiceLevel()

    def inbound_rate(self, group_id: int | None, now: float) -> float:
        """Inbound callers per second wanting the group's agents; a silence longer than
        the usual gap lowers it at once (the evening's calls stop)."""
        if group_id is None or group_id not in self.inbound:
            return 0.0
        estimate, since = self.inbound[group_id], now - self._inbound_last[group_id]
        rate = estimate.per_second
        return min(rate, 1 / since) if rate and since > estimate.mean_gap else rate

    def get(self, campaign_id: int | None) -> CallStats | None:
        return self.by_campaign.get(campaign_id) if campaign_id is not None else None

    def learn(self, campaign_id: int | None, learn: Learn, bcw_seconds: int) -> None:
        """A paced call's end (the machine's Learn), for a campaign whose statistics are
        kept (loaded once it needed them)."""
        stats = self.get(campaign_id)
        if stats is None:
            return
        stats.observe_attempt(learn.outcome, answer_delay=learn.answer_delay,
                              amd_seconds=learn.amd_seconds)
        if learn.talk_seconds is not None:
            stats.observe_talk(learn.talk_seconds, bcw_seconds)

    async def load(self, store, campaign_id: int) -> CallStats:
        stats = self.by_campaign.get(campaign_id)
        if stats is None:
            stats = seeded(await store.run(dialing.recent_attempts, campaign_id))
            self.by_campaign.setdefault(campaign_id, stats)
        return self.by_campaign[campaign_id]


def seeded(attempts: list[dict]) -> CallStats:
    """Statistics learned from past attempts (oldest first): outcomes, answer delays, and
    for humans the time from answer to hang-up as the talk time."""
    stats = CallStats()
    for a in attempts:
        answered = a["answered_at"]
        delay = (answered - a["started_at"]).total_seconds() if answered else None
        stats.observe_attempt(a["outcome"], answer_delay=delay)
        if a["outcome"] == "human" and answered and a["ended_at"]:
            stats.observe_talk((a["ended_at"] - answered).total_seconds())
    return stats
