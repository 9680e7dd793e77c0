"""Inbound callers and campaigns sharing agents (dialer.outbound.sharing)."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.outbound.decisions import AgentView
from dialer.outbound.pacing import (
    Abandonment,
    CallStats,
    InFlight,
    PacingSettings,
    predictive_decision,
)
from dialer.outbound.sharing import (
    CallInFlight,
    CampaignDemand,
    DialMode,
    PredictiveInputs,
    agent_for_call,
    agent_for_inbound,
    agents_for_campaign,
    busy_agents,
    campaign_goes_first,
    share_agents,
    spare_agents,
)

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def agent(agent_id, state="available", idle_since=0, groups=(1,), reserved=False):
    return AgentView(agent_id, state, T0 + dt.timedelta(seconds=idle_since),
                     frozenset(groups), reserved)


def test_inbound_calls_stand_at_priority_zero():
    assert campaign_goes_first(1) and campaign_goes_first(10)
    assert not campaign_goes_first(0) and not campaign_goes_first(-3)


def test_a_waiting_inbound_caller_keeps_its_agents_from_campaigns_that_go_after():
    assert agents_for_campaign([3, 1, 2], 0, wanted_by_inbound={1}) == [3, 2]
    assert agents_for_campaign([3, 1, 2], -1, wanted_by_inbound={1, 2, 3}) == []


def test_a_campaign_that_goes_first_dials_for_agents_inbound_callers_wait_for():
    assert agents_for_campaign([3, 1, 2], 5, wanted_by_inbound={1, 2}) == [3, 1, 2]


def test_inbound_takes_the_longest_idle_free_candidate():
    agents = [agent(1, idle_since=30), agent(2, idle_since=10), agent(3, idle_since=0),
              agent(4, "on_call", idle_since=-50), agent(5, reserved=True, idle_since=-60)]
    assert agent_for_inbound(agents, {1, 2, 4, 5}, held_groups=()) == 2
    assert agent_for_inbound(agents, {4, 5}, held_groups=()) is None


def test_agents_held_by_a_campaign_that_goes_first_are_not_taken_by_inbound():
    agents = [agent(1, groups=(1,)), agent(2, groups=(2,), idle_since=5),
              agent(3, groups=(1, 2), idle_since=-5)]
    assert agent_for_inbound(agents, {1, 2, 3}, held_groups={1}) == 2
    assert agent_for_inbound(agents, {1, 3}, held_groups={1}) is None
    assert agent_for_inbound(agents, {1, 3}, held_groups=set()) == 3


states = st.sampled_from(["available", "on_call", "wrap_up", "not_ready", "preview"])
views = st.lists(st.builds(agent, st.integers(1, 8), states, st.integers(-100, 100),
                           st.sets(st.integers(1, 3), max_size=3), st.booleans()),
                 max_size=8, unique_by=lambda v: v.agent_id)


@given(views, st.sets(st.integers(1, 8)), st.sets(st.integers(1, 3)))
def test_inbound_never_takes_a_busy_reserved_held_or_unlisted_agent(agents, candidates, held):
    chosen = agent_for_inbound(agents, candidates, held)
    eligible = [a for a in agents if a.agent_id in candidates and a.state == "available"
                and not a.reserved and not (a.groups & held)]
    assert (chosen is None) == (not eligible)
    if chosen is not None:
        assert chosen in {a.agent_id for a in eligible}
        assert min(eligible, key=lambda a: (a.state_since, a.agent_id)).agent_id == chosen


@given(st.lists(st.integers(1, 20), unique=True), st.integers(-5, 5), st.sets(st.integers(1, 20)))
def test_campaigns_keep_the_idle_order_and_skip_only_wanted_agents(free, priority, wanted):
    allowed = agents_for_campaign(free, priority, wanted)
    assert allowed == [a for a in free if campaign_goes_first(priority) or a not in wanted]


# ---- campaigns sharing agents: share_agents, agent_for_call -------------------------

NOW = T0 + dt.timedelta(minutes=10)
PROGRESSIVE, PREDICTIVE, PREVIEW = DialMode.PROGRESSIVE, DialMode.PREDICTIVE, DialMode.PREVIEW


def demand(cid, group=1, mode=PROGRESSIVE, priority=0, wanted=50, stats=None):
    inputs = None
    if mode is PREDICTIVE:
        inputs = PredictiveInputs(stats or CallStats(), Abandonment(),
                                  PacingSettings(max_lines_per_agent=2.0))
    return CampaignDemand(cid, group, mode, priority, wanted, inputs)


def flying(cid, group=1, mode=PROGRESSIVE, stage="dialling", age=1.0):
    return CallInFlight(cid, group, mode, stage, age)


def dials(shares):
    return {cid: s.dials for cid, s in shares.items()}


def three_free():
    return [agent(1, idle_since=-30), agent(2, idle_since=-20), agent(3, idle_since=-10)]


def test_two_progressive_campaigns_share_three_agents_in_turn():
    campaigns = [demand(10), demand(20)]
    first = share_agents(three_free(), (), campaigns, [], NOW, turn=0)
    second = share_agents(three_free(), (), campaigns, [], NOW, turn=1)
    assert dials(first) == {10: 2, 20: 1} and dials(second) == {10: 1, 20: 2}


def test_calls_in_flight_count_against_the_agents_whatever_their_campaign():
    # The bug: each campaign counted only its own calls, so both dialled for agent 3.
    shares = share_agents(three_free(), (), [demand(10), demand(20)],
                          [flying(10), flying(10, stage="amd")], NOW)
    assert dials(shares) == {10: 0, 20: 1}
    full = share_agents(three_free(), (), [demand(10), demand(20)],
                        [flying(10), flying(20), flying(30, mode=PREDICTIVE)], NOW)
    assert dials(full) == {10: 0, 20: 0}


def test_the_fewest_calls_in_flight_go_first_among_equals():
    shares = share_agents(three_free() + [agent(4)], (), [demand(10), demand(20)],
                          [flying(10), flying(10)], NOW)
    assert dials(shares) == {10: 0, 20: 2}


def test_a_higher_priority_takes_what_it_wants_first_the_rest_goes_on():
    campaigns = [demand(10), demand(20, priority=3, wanted=2), demand(30, priority=3, wanted=0)]
    assert dials(share_agents(three_free(), (), campaigns, [], NOW)) == {10: 1, 20: 2, 30: 0}
    campaigns[1] = demand(20, priority=3)
    assert dials(share_agents(three_free(), (), campaigns, [], NOW)) == {10: 0, 20: 3, 30: 0}


def test_agents_an_inbound_caller_waits_for_go_only_to_campaigns_above_inbound():
    campaigns = [demand(10), demand(20, priority=-1)]
    assert dials(share_agents(three_free(), {1, 2}, campaigns, [], NOW)) == {10: 1, 20: 0}
    assert dials(share_agents(three_free(), {1, 2}, [demand(30, priority=1)], [], NOW)) == {30: 3}


def test_overlapping_groups_each_get_an_agent_only_they_can_use():
    # Agent 1 is in groups 1 and 2, agent 2 only in group 1: a call for group 1 must not
    # leave group 2 without its only agent.
    agents = [agent(1, groups=(1, 2), idle_since=-50), agent(2, groups=(1,))]
    shares = share_agents(agents, (), [demand(10, group=1, wanted=1), demand(20, group=2)],
                          [], NOW)
    assert dials(shares) == {10: 1, 20: 1}
    assert shares[10].agents == (2,) and shares[20].agents == (1,)
    # A group-1 call in flight already holds one of them: group 2 may still use agent 1.
    shares = share_agents(agents, (), [demand(20, group=2)], [flying(10, group=1)], NOW)
    assert dials(shares) == {20: 1}


def test_previews_go_to_distinct_free_agents_of_the_group():
    agents = three_free() + [agent(4, groups=(2,)), agent(5, "on_call")]
    shares = share_agents(agents, (), [demand(10, mode=PREVIEW), demand(20)], [flying(20)], NOW,
                          turn=1)
    assert shares[10].dials == len(shares[10].agents) == 1
    assert set(shares[10].agents) <= {1, 2, 3} and shares[20].dials == 1


def test_a_predictive_campaign_counts_the_other_campaigns_calls_on_its_group():
    agents = three_free() + [agent(i, "wrap_up", idle_since=599) for i in (4, 5, 6)]
    alone = share_agents(agents, (), [demand(30, mode=PREDICTIVE)], [], NOW)
    assert alone[30].dials > 3  # more lines than free agents
    progressive_out = [flying(10), flying(10, stage="amd")]
    shared = share_agents(agents, (), [demand(10, wanted=0), demand(30, mode=PREDICTIVE)],
                          progressive_out, NOW)
    assert shared[30].dials == predictive_decision(
        agents_logged_in=6, agents_free=3, busy=busy_agents(agents, 1, NOW),
        in_flight=[InFlight("waiting_agent", 0.0)] * 2, stats=CallStats(),
        measured=Abandonment(), settings=PacingSettings(max_lines_per_agent=2.0)).lines
    assert shared[30].dials < alone[30].dials
    # Two predictive campaigns on one group: the second counts the first's new lines, and
    # together they stay within 2 lines per agent logged in.
    both = share_agents(agents, (), [demand(30, mode=PREDICTIVE), demand(40, mode=PREDICTIVE)],
                        [], NOW)
    assert both[30].dials + both[40].dials <= 12
    assert both[30].dials + both[40].dials < 2 * alone[30].dials


def test_agent_for_call_keeps_the_agents_progressive_calls_are_owed():
    agents = three_free()
    # Two progressive calls out for group 1: a predictive human may take the third agent
    # only; once three are owed, it waits, but a progressive human takes one.
    assert agent_for_call(agents, 1, [1, 1], promised_to_it=False) == 1
    assert agent_for_call(agents, 1, [1, 1, 1], promised_to_it=False) is None
    assert agent_for_call(agents, 1, [1, 1], promised_to_it=True) == 1
    # An agent went not ready: owed more than free; the promised call still gets one.
    assert agent_for_call(agents[:1], 1, [1, 1], promised_to_it=True) == 1
    # Overlap: agent 1 is the only one group 2's promised call can have.
    overlap = [agent(1, groups=(1, 2), idle_since=-50), agent(2, groups=(1,))]
    assert agent_for_call(overlap, 1, [2], promised_to_it=False) == 2
    assert agent_for_call([agent(1, groups=(1, 2))], 1, [2], promised_to_it=False) is None
    assert agent_for_call(agents, 1, [], promised_to_it=False) == 1  # longest idle
    assert agent_for_call([agent(8), agent(7)], 1, [], promised_to_it=False) == 7  # then id
    assert agent_for_call(agents + [agent(9, groups=(2,), idle_since=-90)], 2, [1, 1],
                          promised_to_it=False) == 9


def test_inbound_callers_wait_for_agents_progressive_calls_are_owed():
    agents = three_free()
    assert agent_for_inbound(agents, {1, 2, 3}, (), promised=[1, 1]) == 1
    assert agent_for_inbound(agents, {1, 2, 3}, (), promised=[1, 1, 1]) is None


def test_followups_get_only_agents_no_progressive_call_is_owed():
    agents = three_free() + [agent(4, groups=(2,), idle_since=-90)]
    assert spare_agents(agents, []) == [4, 1, 2, 3]
    assert spare_agents(agents, [1, 1]) == [4, 3]
    assert spare_agents(agents, [1, 1, 1, None]) == []


GROUPS = (1, 2, 3, None)
groups_st = st.sets(st.integers(1, 3), min_size=1, max_size=3)
pool_st = st.lists(st.builds(agent, st.integers(1, 12), states, st.integers(-100, 100),
                             groups_st, st.booleans()),
                   max_size=10, unique_by=lambda v: v.agent_id)
modes_st = st.sampled_from([PROGRESSIVE, PREDICTIVE, PREVIEW])
demands_st = st.lists(st.builds(demand, st.integers(1, 6), st.sampled_from(GROUPS), modes_st,
                                st.integers(-2, 2), st.integers(0, 8)),
                      max_size=5, unique_by=lambda d: d.campaign_id)
flights_st = st.lists(st.builds(flying, st.integers(1, 6), st.sampled_from(GROUPS), modes_st,
                                st.sampled_from(["dialling", "amd", "waiting_agent"]),
                                st.floats(0, 40)), max_size=8)


def _free_in(agents, groups) -> set[int]:
    return {a.agent_id for a in agents if a.state == "available" and not a.reserved
            and (None in groups or a.groups & set(groups))}


def _hall(calls: list[int | None], agents) -> bool:
    """Distinct free agents can hold every call (Hall's condition over the groups)."""
    return all(sum(g in subset for g in calls) <= len(_free_in(agents, subset))
               for r in range(1, len(GROUPS) + 1) for subset in itertools.combinations(GROUPS, r))


@settings(max_examples=300, deadline=None)
@given(pool_st, st.sets(st.integers(1, 12)), demands_st, flights_st, st.integers(0, 5))
def test_progressive_never_has_more_calls_in_flight_than_free_agents(
        agents, wanted_by_inbound, campaigns, in_flight, turn):
    in_flight = [f for f in in_flight if f.mode is not PREVIEW]
    shares = share_agents(agents, wanted_by_inbound, campaigns, in_flight, NOW, turn)
    by_id = {c.campaign_id: c for c in campaigns}
    assert set(shares) == set(by_id)
    owed = [f.group_id for f in in_flight if f.promised]
    placed = [by_id[cid].group_id for cid, s in shares.items()
              if by_id[cid].mode is not PREDICTIVE for _ in range(s.dials)]
    if _hall(owed, agents):  # the promises held before this tick: they hold after it
        assert _hall(owed + placed, agents)
    single_group = [a for a in agents if a.groups == {1}]
    one = share_agents(single_group, (), [c for c in campaigns if c.group_id == 1],
                       [f for f in in_flight if f.group_id == 1], NOW, turn)
    progressive_out = sum(f.promised for f in in_flight if f.group_id == 1)
    progressive_new = sum(s.dials for cid, s in one.items() if by_id[cid].mode is not PREDICTIVE)
    assert progressive_new <= max(0, len(_free_in(single_group, [1])) - progressive_out)
    for cid, share in shares.items():
        camp = by_id[cid]
        assert 0 <= share.dials <= camp.wanted
        assert len(set(share.agents)) == len(share.agents) <= share.dials
        for agent_id in share.agents:
            assert agent_id in _free_in(agents, [camp.group_id])
            assert campaign_goes_first(camp.priority) or agent_id not in wanted_by_inbound
        if camp.mode is not PREDICTIVE:
            assert len(share.agents) == share.dials
    given_agents = [a for s in shares.values() for a in s.agents]
    assert len(given_agents) == len(set(given_agents))


@settings(max_examples=300, deadline=None)
@given(pool_st, st.sampled_from(GROUPS), st.lists(st.sampled_from(GROUPS), max_size=6))
def test_a_predictive_human_never_takes_an_agent_a_progressive_call_is_owed(
        agents, group, owed):
    chosen = agent_for_call(agents, group, owed, promised_to_it=False)
    if chosen is not None:
        rest = [a for a in agents if a.agent_id != chosen]
        before = max(k for k in range(len(owed) + 1)
                     if any(_hall(list(c), agents) for c in itertools.combinations(owed, k)))
        after = max(k for k in range(len(owed) + 1)
                    if any(_hall(list(c), rest) for c in itertools.combinations(owed, k)))
        assert after == before
        assert chosen in _free_in(agents, [group])
