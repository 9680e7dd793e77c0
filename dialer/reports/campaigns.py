"""Campaigns per hour, pure: the attempts the database counted per hour (by outcome,
answered, bridged), and the agent hours of each campaign's agent group.

Each attempt counts in the hour it was dialled (started): dials (every attempt), answers
(the line answered: people and machines), humans (a person answered: bridged to an agent
or abandoned, as compliance and pacing count them), abandons (a person no agent took),
the people AMD is estimated to have hung up on as machines (dialer.amd.abandonment),
abandonment % = (abandons + that estimate) / (humans + that estimate), connects (bridged
to an agent), and connects per agent hour = connects / the hours the campaign's agents
were logged in and not paused (its agent group's members as they are now, each with its
hours of the period, whichever campaign they served).
"""

from __future__ import annotations

from dataclasses import dataclass

from .periods import Breakdown, Period, breakdown

HUMAN_OUTCOMES = frozenset({"human", "abandoned"})


@dataclass(frozen=True)
class AttemptCount:
    """What one GROUP BY row of the attempts says."""

    bucket: int               # index of the period's hour
    campaign_id: int
    outcome: str | None
    answered: bool
    bridged: bool
    count: int
    amd_false_positives: float = 0.0  # of these (machines), people by the detector's share


@dataclass(frozen=True)
class CampaignFigures:
    dials: int = 0
    answers: int = 0
    humans: int = 0
    abandons: int = 0
    connects: int = 0
    agent_seconds: int = 0  # logged in, not paused: the campaign's agents
    amd_false_positives: float = 0.0  # estimated, in neither humans nor abandons

    @property
    def abandon_percent(self) -> float | None:
        humans = self.humans + self.amd_false_positives
        return None if humans <= 0 else round(100 * (self.abandons + self.amd_false_positives) / humans, 2)

    @property
    def agent_hours(self) -> float:
        return round(self.agent_seconds / 3600, 3)

    @property
    def connects_per_agent_hour(self) -> float | None:
        if self.agent_seconds == 0:
            return None
        return round(self.connects * 3600 / self.agent_seconds, 2)

    def __add__(self, o: CampaignFigures) -> CampaignFigures:
        return CampaignFigures(self.dials + o.dials, self.answers + o.answers,
                               self.humans + o.humans, self.abandons + o.abandons,
                               self.connects + o.connects, self.agent_seconds + o.agent_seconds,
                               self.amd_false_positives + o.amd_false_positives)


@dataclass(frozen=True)
class CampaignReport:
    account_id: int
    period: Period
    campaigns: tuple[Breakdown[CampaignFigures], ...]


def _count(c: AttemptCount) -> CampaignFigures:
    human = c.outcome in HUMAN_OUTCOMES
    return CampaignFigures(c.count, c.count if c.answered else 0, c.count if human else 0,
                           c.count if c.outcome == "abandoned" else 0,
                           c.count if c.bridged else 0, amd_false_positives=c.amd_false_positives)


def campaign_hours(campaign_id: int, name: str, period: Period, counts: list[AttemptCount],
                   agent_seconds: list[int]) -> Breakdown[CampaignFigures]:
    """One campaign's hours from its counted attempts and its agents' seconds per hour."""
    hourly = [CampaignFigures(agent_seconds=s) for s in agent_seconds]
    for c in counts:
        if c.campaign_id == campaign_id:
            hourly[c.bucket] = hourly[c.bucket] + _count(c)
    return breakdown(campaign_id, name, period, hourly, CampaignFigures())
