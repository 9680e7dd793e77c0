"""What a wallboard reads from the database, in one transaction: who it may see (its scope)
and the day's figures the runtime does not hold (calls and talk per agent from the session
log, contacts due, abandonment today and over the campaign's rolling window), and the names
of the account's pause reasons. Read on (re)connect and after calls end, never per event."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import asdict, dataclass
from typing import Any

from ..agents.machine import AgentState
from ..agents.session_log import Entry, LogKind, session_log
from ..core.tz import load_zone
from ..db.models import (Account, Agent, AgentSessionEntry, Campaign, CampaignContact,
                         PauseReason, User)
from ..db.queries import _due
from ..db.rows import tuples
from ..amd.store import abandonment_with_amd
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
    amd_false_positives_today: float   # estimated people AMD hung up on (dialer.amd.abandonment)
    amd_false_positives_window: float


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


def calls_today(account_id: int, since: dt.datetime,
                now: dt.datetime) -> dict[int, tuple[int, int]]:
    """Each agent's calls since `since` and their talk seconds, from the session log: every
    call the agent took (campaign, inbound, action-plan, manual), one taking place now with
    its talk so far."""
    E = AgentSessionEntry
    rows = tuples(E.select(E.agent, E.state, E.at, E.attempt_id).join(Agent).join(User)
                  .where((User.account == account_id) & (E.at >= since) & (E.at <= now))
                  .order_by(E.agent, E.at, E.id))
    out = {}
    for agent_id, entries in itertools.groupby(rows, key=lambda row: row[0]):
        talks = [line.talk_seconds or 0 for line in session_log(
            [Entry(AgentState(state), at.replace(tzinfo=dt.UTC), None, attempt)
             for _, state, at, attempt in entries], since, now) if line.kind is LogKind.CALL]
        out[agent_id] = (len(talks), sum(talks))
    return out


def floor_figures(account_id: int, campaigns: frozenset[int] | None,
                  now: dt.datetime) -> FloorFigures:
    """The account's agents, and its campaigns `campaigns` shows (None: all), that are not
    archived."""
    since = day_start(Account.get_by_id(account_id).timezone, now)
    calls = calls_today(account_id, since, now)
    agents = tuple(AgentFigures(agent_id, name or username, *calls.get(agent_id, (0, 0)))
                   for agent_id, name, username in tuples(
                       Agent.select(Agent.id, User.full_name, User.username).join(User)
                       .where(User.account == account_id).order_by(Agent.id)))
    shown = []
    for c in (Campaign.select().where((Campaign.account == account_id)
                                      & (Campaign.status != "archived")).order_by(Campaign.id)):
        if campaigns is not None and c.id not in campaigns:
            continue
        today = abandonment_with_amd(c.id, since)
        window = abandonment_with_amd(c.id, now - WINDOWS[c.abandon_window])
        shown.append(CampaignFigures(
            c.id, c.name, c.status, c.mode, c.agent_group_id,
            CampaignContact.select().where(_due(c.id, now)).count(),
            today.abandoned, today.humans, window.abandoned, window.humans, c.abandon_window,
            c.abandon_target_percent, today.amd_false_positives, window.amd_false_positives))
    reasons = tuples(PauseReason.select(PauseReason.id, PauseReason.name)
                     .where(PauseReason.account == account_id))
    return FloorFigures(account_id, agents, tuple(shown), tuple(reasons))

