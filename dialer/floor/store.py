"""What a wallboard reads from the database, in one transaction: who it may see (its scope)
and the day's figures the runtime does not hold (calls and talk per agent, contacts due,
abandonment today and over the campaign's rolling window), and the names of the account's
pause reasons. Read on (re)connect and after
calls end, never per event."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from ..core.tz import load_zone
from ..db.fields import to_naive_utc
from ..db.models import (Account, Agent, Attempt, Campaign, CampaignContact, PauseReason,
                         User)
from ..db.queries import _due
from ..db.rows import tuples
from ..outbound.store import abandonment_since
from .events import Scope

WINDOWS = {"24h": dt.timedelta(hours=24), "30d": dt.timedelta(days=30)}


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    name: str
    calls_today: int
    talk_seconds_today: int


@dataclass(frozen=True)
class CampaignFigures:
    campaign_id: int
    name: str
    status: str
    mode: str
    agent_group_id: int | None
    due_now: int
    abandoned_today: int
    humans_today: int
    abandoned_window: int
    humans_window: int
    window: str                      # 24h or 30d
    abandon_limit_percent: float


@dataclass(frozen=True)
class FloorFigures:
    account_id: int
    agents: tuple[AgentFigures, ...]
    campaigns: tuple[CampaignFigures, ...]
    pause_reasons: tuple[tuple[int, str], ...] = ()   # the account's: id, name

    def scope(self) -> Scope:
        return Scope(frozenset(a.agent_id for a in self.agents),
                     frozenset(c.campaign_id for c in self.campaigns), self.account_id)

    def reason_name(self, reason_id: int) -> str | None:
        return dict(self.pause_reasons).get(reason_id)

    def as_json(self) -> dict[str, Any]:
        return {"agents": [asdict(a) for a in self.agents],
                "campaigns": [asdict(c) for c in self.campaigns]}


def day_start(zone_name: str, now: dt.datetime) -> dt.datetime:
    """Midnight of today in the account's zone."""
    zone = load_zone(zone_name) or dt.UTC
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)


def floor_figures(account_id: int, campaigns: frozenset[int] | None,
                  now: dt.datetime) -> FloorFigures:
    """The account's agents, and its campaigns `campaigns` shows (None: all), that are not
    archived."""
    since = day_start(Account.get_by_id(account_id).timezone, now)
    talks: dict[int, list[float]] = {}
    for agent_id, bridged, ended in tuples(
            Attempt.select(Attempt.agent, Attempt.bridged_at, Attempt.ended_at).join(Agent)
            .join(User).where((User.account == account_id) & (Attempt.started_at >= since)
                              & Attempt.bridged_at.is_null(False))):
        end = to_naive_utc(ended or now)  # tuples() gives the stored naive UTC values
        talks.setdefault(agent_id, []).append((end - to_naive_utc(bridged)).total_seconds())
    agents = tuple(AgentFigures(agent_id, name or username, len(talks.get(agent_id, ())),
                                int(sum(talks.get(agent_id, ()))))
                   for agent_id, name, username in tuples(
                       Agent.select(Agent.id, User.full_name, User.username).join(User)
                       .where(User.account == account_id).order_by(Agent.id)))
    shown = []
    for c in (Campaign.select().where((Campaign.account == account_id)
                                      & (Campaign.status != "archived")).order_by(Campaign.id)):
        if campaigns is not None and c.id not in campaigns:
            continue
        window = abandonment_since(c.id, now - WINDOWS[c.abandon_window])
        shown.append(CampaignFigures(
            c.id, c.name, c.status, c.mode, c.agent_group_id,
            CampaignContact.select().where(_due(c.id, now)).count(),
            *abandonment_since(c.id, since), *window, c.abandon_window,
            c.abandon_target_percent))
    reasons = tuples(PauseReason.select(PauseReason.id, PauseReason.name)
                     .where(PauseReason.account == account_id))
    return FloorFigures(account_id, agents, tuple(shown), tuple(reasons))

