"""The pure decisions of an outbound attempt (dialer.core.outbound)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.core.outbound import (AgentView, on_amd_verdict, outcome_for_unanswered,
                                  pick_agent, progressive_lines)

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("cause, full, outcome", [
    (17, False, "busy"), (17, True, "busy"), (16, True, "no_answer"), (0, True, "no_answer"),
    (19, False, "no_answer"), (34, False, "congestion"), (1, False, "failed"),
    (21, False, "failed"), (None, False, "failed"), (16, False, "failed"),
])
def test_unanswered_cause_to_outcome(cause, full, outcome):
    assert outcome_for_unanswered(cause, rang_full_timeout=full) == outcome


@pytest.mark.parametrize("status, enabled, action, expected", [
    ("HUMAN", True, "hangup", ("connect", None)),
    ("NOTSURE", True, "hangup", ("connect", None)),      # a person is never dropped as a machine
    ("MACHINE", True, "hangup", ("hangup", "machine")),
    ("MACHINE", True, "message", ("message", "machine")),
    ("MACHINE", True, "pass_through", ("connect", None)),
    ("MACHINE", False, "hangup", ("connect", None)),     # AMD off: everything goes to agents
    ("SKIPPED", True, "hangup", ("connect", None)),
    ("HANGUP", True, "message", ("hangup", "hangup_during_amd")),
    ("machine", True, "hangup", ("hangup", "machine")),  # case from the dialplan is not trusted
])
def test_amd_verdicts(status, enabled, action, expected):
    decision = on_amd_verdict(status, amd_enabled=enabled, machine_action=action)
    assert (decision.action, decision.outcome) == expected


def agent(agent_id, state="available", idle_minutes=0, groups=(1,), reserved=False):
    return AgentView(agent_id, state, T0 - dt.timedelta(minutes=idle_minutes),
                     frozenset(groups), reserved)


def test_pick_agent_longest_idle_of_the_group_free_and_unreserved():
    agents = [agent(1, idle_minutes=5), agent(2, idle_minutes=9, reserved=True),
              agent(3, idle_minutes=7), agent(4, idle_minutes=20, groups=(2,)),
              agent(5, "wrap_up", idle_minutes=30), agent(6, "not_ready", idle_minutes=40)]
    assert pick_agent(agents, 1) == 3
    assert pick_agent(agents, 2) == 4
    assert pick_agent(agents, None) == 4
    assert pick_agent(agents, 3) is None
    assert pick_agent([agent(8), agent(7)], 1) == 7  # a tie goes to the lower id


@given(free=st.integers(0, 60), in_flight=st.integers(0, 60),
       hourly_left=st.none() | st.integers(0, 100))
def test_progressive_lines_never_exceed_free_agents_or_the_cap(free, in_flight, hourly_left):
    lines = progressive_lines(agents_free=free, calls_in_flight=in_flight,
                              hourly_left=hourly_left)
    assert 0 <= lines <= 50
    assert lines + in_flight <= max(free, in_flight)  # 1:1, counting calls already out
    if hourly_left is not None:
        assert lines <= hourly_left
    if hourly_left is None and in_flight == 0:
        assert lines == min(free, 50)
