"""Inbound callers and campaigns sharing agents (dialer.core.sharing)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dialer.core.outbound import AgentView
from dialer.core.sharing import agent_for_inbound, agents_for_campaign, campaign_goes_first

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
