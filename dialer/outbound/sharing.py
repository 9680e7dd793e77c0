"""Who gets a node's agents: inbound callers and campaigns, and campaigns among themselves.

Inbound callers and campaigns share agents: an agent logged into a campaign session who is
also in the company number's ring group is offered inbound calls through that session.

Who goes first when both want the same free agent is the campaign's `inbound_priority`,
measured against inbound calls' fixed priority 0 (like app_queue's caller priorities):
above 0 the campaign's calls go first, and an inbound caller waits (on hold, within the
ring time) until the campaign has nothing left to dial; at 0 or below a waiting inbound
caller gets the agent first, since a live caller already waiting beats a call the dialer
has not placed yet.

Campaigns share the free agents each tick (`share_agents`): every call in flight counts
against an agent of the group it was dialled for, whatever its campaign, and a progressive
call's human is owed its agent: a predictive human, an inbound caller or a followup never
takes it (`agent_for_call`, `agent_for_inbound`, `spare_agents`). A call is bridged only
to agents of the node that placed it, so the agents and calls are the node's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from .decisions import AgentView
from .pacing import (
    Abandonment,
    ServiceLevel,
    BusyAgent,
    CallStats,
    InFlight,
    PacingSettings,
    predictive_decision,
)

INBOUND_PRIORITY = 0


def campaign_goes_first(campaign_priority: int) -> bool:
    return campaign_priority > INBOUND_PRIORITY


def agents_for_campaign(free: list[int], campaign_priority: int,
                        wanted_by_inbound: Collection[int]) -> list[int]:
    """Of the free agents (longest idle first), those the campaign may dial for now."""
    if campaign_goes_first(campaign_priority):
        return free
    return [a for a in free if a not in wanted_by_inbound]


def agent_for_inbound(agents: Sequence[AgentView], candidates: Collection[int],
                      held_groups: Collection[int],
                      promised: Sequence[int | None] = ()) -> int | None:
    """The agent of `candidates` who takes a waiting inbound call now: available, nothing
    on its way to them, in no group held by a campaign that goes first and still has
    contacts to call (`held_groups`), and not needed by a progressive call in flight
    (`promised`: their groups, see `agent_for_call`); the longest idle first."""
    free = _free(agents)
    held = _holding(promised, free)
    eligible = [a for a in free if a.agent_id in candidates and not (a.groups & set(held_groups))
                and held.can_spare(a)]
    if not eligible:
        return None
    return _longest_idle(eligible)[0].agent_id


# ---- campaigns sharing a node's agents -------------------------------------------------

class DialMode(Enum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


@dataclass(frozen=True)
class PredictiveInputs:
    """What a predictive campaign's policy (outbound.pacing) needs besides the agents and calls."""
    stats: CallStats
    measured: Abandonment
    settings: PacingSettings
    inbound_rate: float = 0.0  # inbound callers per second wanting the group's agents
    inbound_service: ServiceLevel = ServiceLevel()  # their recent waits, against the target


@dataclass(frozen=True)
class CampaignDemand:
    campaign_id: int
    group_id: int | None          # its agent group (None: any agent)
    mode: DialMode
    priority: int                 # inbound_priority: the higher goes first
    wanted: int                   # the most new calls it may place now (contacts due, caps)
    predictive: PredictiveInputs | None = None  # for DialMode.PREDICTIVE


@dataclass(frozen=True)
class CallInFlight:
    """A campaign call not yet with an agent."""
    campaign_id: int
    group_id: int | None
    mode: DialMode
    stage: str                    # as outbound.pacing.InFlight
    age: float

    @property
    def promised(self) -> bool:
        """Placed for one free agent (progressive): its human must find one."""
        return self.mode is not DialMode.PREDICTIVE


@dataclass(frozen=True)
class Share:
    dials: int                    # new calls (preview: contacts to offer) now
    agents: tuple[int, ...]       # free agents set aside for them (a preview goes to these)


WORKING = ("available", "preview", "dialling", "on_call", "wrap_up")  # logged in, taking calls
_HOLDS_AN_AGENT = InFlight("waiting_agent", 0.0)  # pacing counts it a sure human
_NEW_CALL = InFlight("dialling", 0.0)


def _in_group(agent: AgentView, group_id: int | None) -> bool:
    return group_id is None or group_id in agent.groups


def _who_may_take(group_id: int | None, keep: Collection[int] = ()) -> Callable[[AgentView], bool]:
    """A call for the group may take any of its agents but those in `keep`."""
    return lambda agent: _in_group(agent, group_id) and agent.agent_id not in keep


def _free(agents: Sequence[AgentView]) -> list[AgentView]:
    """Available agents nothing is on its way to; those in the fewest groups first (they
    serve fewer campaigns), then the longest idle."""
    return sorted((a for a in agents if a.state == "available" and not a.reserved),
                  key=lambda a: (len(a.groups), a.state_since, a.agent_id))


class _Matching:
    """Calls each held by a distinct free agent who may take them: a bipartite matching
    grown one call at a time by augmenting paths, so a call once held stays held (its
    agent may change)."""

    def __init__(self, free: Sequence[AgentView]):
        self.free = free
        self.may_take: list[Callable[[AgentView], bool]] = []
        self.holder: dict[int, int] = {}  # agent id -> index of the call it holds

    def add(self, may_take: Callable[[AgentView], bool]) -> bool:
        """Hold one more call if a free agent can be found for it (else change nothing)."""
        self.may_take.append(may_take)
        if self._augment(len(self.may_take) - 1, set()):
            return True
        self.may_take.pop()
        return False

    def _augment(self, call: int, seen: set[int]) -> bool:
        for agent in self.free:
            if agent.agent_id in seen or not self.may_take[call](agent):
                continue
            seen.add(agent.agent_id)
            other = self.holder.get(agent.agent_id)
            if other is None or self._augment(other, seen):
                self.holder[agent.agent_id] = call
                return True
        return False

    def agents_of(self, calls: Collection[int]) -> tuple[int, ...]:
        return tuple(a.agent_id for a in self.free if self.holder.get(a.agent_id) in calls)

    def can_spare(self, agent: AgentView) -> bool:
        """Whether the calls held stay held if this agent goes. The matching is maximum
        (Kuhn's), so only the agent's own call needs another path."""
        call = self.holder.get(agent.agent_id)
        if call is None:
            return True
        rest = _Matching([a for a in self.free if a is not agent])
        rest.may_take = self.may_take
        rest.holder = {k: v for k, v in self.holder.items() if k != agent.agent_id}
        return rest._augment(call, set())


def _holding(groups: Iterable[int | None], free: Sequence[AgentView]) -> _Matching:
    """Calls meant for these agent groups, each held by a distinct free agent if it can be."""
    matching = _Matching(free)
    for group in groups:
        matching.add(_who_may_take(group))
    return matching


def _longest_idle(agents: Iterable[AgentView]) -> list[AgentView]:
    return sorted(agents, key=lambda a: (a.state_since, a.agent_id))


def spare_agents(agents: Sequence[AgentView], promised: Sequence[int | None]) -> list[int]:
    """Available agents nothing is on its way to, leaving out as many as the promised
    calls (progressive calls in flight, by group) need; the longest idle first."""
    free = _free(agents)
    held = _holding(promised, free)
    return [a.agent_id for a in _longest_idle(free) if a.agent_id not in held.holder]


def agent_for_call(agents: Sequence[AgentView], group_id: int | None,
                   promised: Sequence[int | None], *, promised_to_it: bool) -> int | None:
    """The agent who takes a campaign call's human now: the longest idle available agent
    of its group whose going leaves the other promised calls (progressive calls in
    flight, by group) as many free agents as before. A call that was itself promised an
    agent takes one anyway when none is left so (its agent went not ready meanwhile)."""
    free = _free(agents)
    held = _holding(promised, free)
    mine = _longest_idle(a for a in free if _in_group(a, group_id))
    spared = next((a.agent_id for a in mine if held.can_spare(a)), None)
    if spared is None and promised_to_it and mine:
        return mine[0].agent_id
    return spared


def busy_agents(agents: Sequence[AgentView], group_id: int | None,
                now: dt.datetime) -> list[BusyAgent]:
    """The group's agents on a call or in wrap-up, with the time so far (pacing)."""
    return [BusyAgent("talking" if a.state == "on_call" else "wrap_up",
                      max(0.0, (now - a.state_since).total_seconds()))
            for a in agents if _in_group(a, group_id) and a.state in ("on_call", "wrap_up")]


def share_agents(agents: Sequence[AgentView], wanted_by_inbound: Collection[int],
                 campaigns: Sequence[CampaignDemand], in_flight: Sequence[CallInFlight],
                 now: dt.datetime, turn: int = 0) -> dict[int, Share]:
    """How many calls each campaign places now, sharing the node's free agents.

    1. Every call in flight, whatever its campaign, holds a free agent of its group
       (progressive calls first); only the agents left over are shared out.
    2. They go one at a time to the campaigns of the highest priority that want one
       (a campaign at or below inbound priority leaves agents inbound callers wait for),
       among equals to the one with the fewest calls in flight and given so far, ties
       taken in turn (`turn` rotates the order from one tick to the next).
    3. A predictive campaign may place more than its share: its policy sees the group's
       free agents and busy agents, and as demand every other campaign's calls on the
       group (in flight and placed now: progressive ones as sure humans), so its lines
       are the group's, not its own (the line caps of outbound.pacing bound them all).
    Progressive calls in flight and placed thus never outnumber the free agents they are
    for, however many campaigns share them (a predictive human never takes an agent a
    progressive call needs: `agent_for_call`).
    """
    free = _free(agents)
    n = max(len(campaigns), 1)
    order = {c.campaign_id: (i - turn) % n for i, c in enumerate(campaigns)}
    matching = _holding((c.group_id for c in sorted(in_flight, key=lambda c: not c.promised)),
                        free)
    calls_of = {c.campaign_id: sum(f.campaign_id == c.campaign_id for f in in_flight)
                for c in campaigns}
    given: dict[int, list[int]] = {c.campaign_id: [] for c in campaigns}
    hungry = [c for c in campaigns if c.wanted > 0]
    while hungry:
        top = max(c.priority for c in hungry)
        camp = min((c for c in hungry if c.priority == top),
                   key=lambda c: (calls_of[c.campaign_id] + len(given[c.campaign_id]),
                                  order[c.campaign_id]))
        keep = () if campaign_goes_first(camp.priority) else wanted_by_inbound
        if matching.add(_who_may_take(camp.group_id, keep)):
            given[camp.campaign_id].append(len(matching.may_take) - 1)
            if len(given[camp.campaign_id]) < camp.wanted:
                continue
        hungry.remove(camp)
    shares = {c.campaign_id: Share(len(given[c.campaign_id]),
                                   matching.agents_of(given[c.campaign_id]))
              for c in campaigns}
    predictive = sorted((c for c in campaigns if c.mode is DialMode.PREDICTIVE and c.predictive),
                        key=lambda c: (-c.priority, order[c.campaign_id]))
    for camp in predictive:
        shares[camp.campaign_id] = _predictive_share(camp, shares, agents, wanted_by_inbound,
                                                     campaigns, in_flight, now)
    return shares


def _predictive_share(camp: CampaignDemand, shares: dict[int, Share],
                      agents: Sequence[AgentView], wanted_by_inbound: Collection[int],
                      campaigns: Sequence[CampaignDemand], in_flight: Sequence[CallInFlight],
                      now: dt.datetime) -> Share:
    """A predictive campaign's lines: its policy over the whole group (step 3 above);
    `shares` holds what the other campaigns place now (earlier predictive ones: decided)."""
    assert camp.predictive is not None
    group = camp.group_id
    mine = [a for a in agents if _in_group(a, group)]
    goes_first = campaign_goes_first(camp.priority)
    free = [a for a in _free(mine) if goes_first or a.agent_id not in wanted_by_inbound]
    calls = [_HOLDS_AN_AGENT if f.promised else InFlight(f.stage, f.age)
             for f in in_flight if f.group_id == group]
    for other in campaigns:
        if other.campaign_id != camp.campaign_id and other.group_id == group:
            placed = shares[other.campaign_id].dials
            calls += [_NEW_CALL if other.mode is DialMode.PREDICTIVE else _HOLDS_AN_AGENT] * placed
    decision = predictive_decision(
        agents_logged_in=sum(a.state in WORKING for a in mine), agents_free=len(free),
        busy=busy_agents(mine, group, now), in_flight=calls, stats=camp.predictive.stats,
        measured=camp.predictive.measured, settings=camp.predictive.settings,
        max_new=camp.wanted, inbound_rate=camp.predictive.inbound_rate,
        inbound_service=camp.predictive.inbound_service)
    own = shares[camp.campaign_id]
    dials = min(camp.wanted, max(own.dials, decision.lines))
    limit = camp.predictive.settings.line_limit  # the trunks' channels: binds the floor too
    if limit is not None:
        dials = min(dials, max(0, limit - len(calls)))
    return Share(dials, own.agents)
