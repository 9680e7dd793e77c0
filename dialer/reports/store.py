"""The reports' reads (each run through `Store.read`: a reader process, one snapshot):
the account's zone and the period, its agents' session logs, its campaigns' attempts
counted per hour in SQL (the hours as a VALUES list joined on started_at: range seeks on
(campaign, started_at, outcome)), and the dispositions counted per campaign and agent.

`Scope` is what the caller may see: the account's agents, the campaigns of their profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from ..agents.store import session_entries
from ..amd.store import false_positive_shares
from ..compliance.report_store import account_zone, count_per_slice
from ..db.models import Agent, AgentGroupMember, Attempt, Campaign, User
from ..db.queries import Visible
from ..db.rows import tuples
from ..db.validation import FieldError
from .agents import AgentEntries, AgentPerformance, agent_performance, hourly_figures
from .campaigns import AttemptCount, CampaignReport, campaign_hours
from .dispositions import DispositionCount, DispositionReport, dispositions
from .periods import MAX_DAYS, Period, period, today


@dataclass(frozen=True)
class Scope:
    account_id: int
    visible: Visible                  # the campaigns the caller's profile shows (None: all)
    first: dt.date | None = None      # the period's first local day (None: today)
    last: dt.date | None = None       # its last (None: today)
    campaign_id: int | None = None    # only this campaign (checked by the caller)
    agent_id: int | None = None       # only this agent (checked by the caller)


def _period(scope: Scope, now: dt.datetime) -> Period:
    zone = account_zone(scope.account_id)
    last = scope.last or today(zone, now)
    first = scope.first or last
    if first > last:
        raise FieldError("from", "must not be after until")
    if (last - first).days >= MAX_DAYS:
        raise FieldError("from", f"a report covers at most {MAX_DAYS} days")
    return period(zone, first, last)


def _agents(account_id: int, agent_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(id, name) of the account's agents (or of those of `agent_ids`), by name."""
    query = (Agent.select(Agent.id, User.full_name, User.username).join(User)
             .where(User.account == account_id))
    if agent_ids is not None:
        query = query.where(Agent.id.in_(agent_ids or [0]))
    rows = [(a, full or user) for a, full, user in tuples(query)]
    return sorted(rows, key=lambda r: (r[1].casefold(), r[0]))


def _entries(agents: list[tuple[int, str]], p: Period) -> list[AgentEntries]:
    return [AgentEntries(a, name, tuple(session_entries(a, p.start, p.end)))
            for a, name in agents]


def agent_report(scope: Scope, now: dt.datetime) -> AgentPerformance:
    """Each agent of the account (or `scope.agent_id`) over the period."""
    p = _period(scope, now)
    only = None if scope.agent_id is None else [scope.agent_id]
    return agent_performance(scope.account_id, p, _entries(_agents(scope.account_id, only), p),
                             now)


def _campaigns(scope: Scope) -> list[tuple[int, str, int | None]]:
    """(id, name, agent group) of the account's campaigns the scope shows, by id."""
    query = (Campaign.select(Campaign.id, Campaign.name, Campaign.agent_group)
             .where(Campaign.account == scope.account_id).order_by(Campaign.id))
    if scope.visible is not None:
        query = query.where(Campaign.id.in_(sorted(scope.visible) or [0]))
    if scope.campaign_id is not None:
        query = query.where(Campaign.id == scope.campaign_id)
    return list(tuples(query))


def _group_seconds(group_ids: set[int], p: Period, now: dt.datetime
                   ) -> dict[int, list[int]]:
    """{group: its members' seconds logged in and not paused, per hour of the period}."""
    members: dict[int, list[int]] = {g: [] for g in group_ids}
    for g, a in tuples(AgentGroupMember.select(AgentGroupMember.group, AgentGroupMember.agent)
                       .where(AgentGroupMember.group.in_(sorted(group_ids) or [0]))):
        members[g].append(a)
    working: dict[int, list[int]] = {}
    for a in sorted({a for agents in members.values() for a in agents}):
        hourly = hourly_figures(tuple(session_entries(a, p.start, p.end)), p.hours, now)
        working[a] = [f.logged_in_seconds - f.paused_seconds for f in hourly]
    return {g: [sum(col) for col in zip(*(working[a] for a in agents), strict=True)]
            if agents else [0] * len(p.hours) for g, agents in members.items()}


def campaign_report(scope: Scope, now: dt.datetime) -> CampaignReport:
    """Each campaign the scope shows (or `scope.campaign_id`), hour by hour."""
    p = _period(scope, now)
    campaigns = _campaigns(scope)
    ids = [c for c, _, _ in campaigns]
    shares = {c: false_positive_shares(c) for c in ids}
    counts = [AttemptCount(i, c, outcome, bool(answered), bool(bridged), n,
                           n * shares[c].get(detector, 0.0) if outcome == "machine" else 0.0)
              for i, c, outcome, answered, bridged, detector, n in count_per_slice(
                  Attempt, Attempt.campaign.in_(ids or [0]), p.hours, Attempt.started_at,
                  Attempt.campaign, Attempt.outcome, Attempt.answered_at.is_null(False),
                  Attempt.bridged_at.is_null(False), Attempt.amd_detector)]
    seconds = _group_seconds({g for _, _, g in campaigns if g is not None}, p, now)
    none = [0] * len(p.hours)
    return CampaignReport(scope.account_id, p, tuple(
        campaign_hours(c, name, p, counts, seconds[g] if g is not None else none)
        for c, name, g in campaigns))


def disposition_report(scope: Scope, now: dt.datetime) -> DispositionReport:
    """Calls with a disposition per campaign the scope shows, and per agent (or only
    `scope.agent_id`'s), dialled in the period."""
    p = _period(scope, now)
    campaigns = [(c, name) for c, name, _ in _campaigns(scope)]
    where = (Attempt.campaign.in_([c for c, _ in campaigns] or [0])
             & Attempt.disposition.is_null(False)
             & (Attempt.started_at >= p.start) & (Attempt.started_at < p.end))
    if scope.agent_id is not None:
        where &= Attempt.agent == scope.agent_id
    rows = [DispositionCount(*r) for r in tuples(
        Attempt.select(Attempt.campaign, Attempt.agent, Attempt.disposition,
                       pw.fn.COUNT(pw.SQL("*")))
        .where(where).group_by(Attempt.campaign, Attempt.agent, Attempt.disposition))]
    names = dict(_agents(scope.account_id, sorted({r.agent_id for r in rows
                                                   if r.agent_id is not None})))
    return dispositions(scope.account_id, p, campaigns, names, rows)
