"""Predictive pacing (dialer.core.pacing): its invariants, its adaptation, and a short
run of the discrete-event simulator (bench.pacing_sim) with the same function."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings, strategies as st

from bench.pacing_sim import Policy, Scenario, simulate
from dialer.core.pacing import (Abandonment, BusyAgent, CallStats, InFlight, PacingSettings,
                                allowed_risk, human_probability, predictive_decision,
                                predictive_lines)
from dialer.db.validation import FieldError
from dialer.runtime.pacing import seeded


def learned(human: float, n: int = 600) -> CallStats:
    """Statistics after `n` attempts with the given human share (deterministic mix)."""
    stats = CallStats()
    feed(stats, human, n)
    return stats


def feed(stats: CallStats, human: float, n: int) -> None:
    acc = 0.0
    for i in range(n):
        acc += human
        if acc >= 1:
            acc -= 1
            stats.observe_attempt("human", answer_delay=11, amd_seconds=1.7)
        elif i % 4 == 0:
            stats.observe_attempt("machine", answer_delay=11, amd_seconds=3)
        else:
            stats.observe_attempt("no_answer")


def lines(**overrides) -> int:
    args = dict(agents_logged_in=10, agents_free=4,
                busy=[BusyAgent("talking", 30.0 * i) for i in range(6)],
                in_flight=[InFlight("dialling", 3.0)] * 2, stats=learned(0.25),
                measured=Abandonment(30, 1000), settings=PacingSettings())
    return predictive_lines(**(args | overrides))


in_flight_st = st.lists(st.builds(InFlight, st.sampled_from(["dialling", "amd", "waiting_agent"]),
                                  st.floats(0, 60)), max_size=60)
busy_st = st.lists(st.builds(BusyAgent, st.sampled_from(["talking", "wrap_up"]),
                             st.floats(0, 1000)), max_size=40)


@settings(max_examples=100, deadline=None)
@given(logged_in=st.integers(0, 40), free=st.integers(0, 40), busy=busy_st,
       flight=in_flight_st, human=st.floats(0.01, 0.9), abandoned=st.integers(0, 100),
       humans=st.integers(0, 1000), max_lines=st.floats(1, 6),
       hourly=st.one_of(st.none(), st.integers(0, 100)))
def test_never_more_lines_than_allowed(logged_in, free, busy, flight, human, abandoned,
                                       humans, max_lines, hourly):
    free = min(free, logged_in)
    n = predictive_lines(agents_logged_in=logged_in, agents_free=free, busy=busy[:logged_in],
                         in_flight=flight, stats=learned(human, 100),
                         measured=Abandonment(min(abandoned, humans), humans),
                         settings=PacingSettings(max_lines_per_agent=max_lines),
                         hourly_left=hourly)
    assert n >= 0
    if n:
        assert len(flight) + n <= max_lines * logged_in
    if hourly is not None:
        assert n <= hourly
    if logged_in == 0:
        assert n == 0


def test_nothing_with_no_agent_logged_in():
    assert lines(agents_logged_in=0, agents_free=0, busy=[], in_flight=[]) == 0


def test_never_below_progressive():
    # Far above target: much more careful, but never fewer than one line per free agent.
    calm = lines(busy=[], agents_free=10, in_flight=[], measured=Abandonment(30, 1000))
    alarmed = lines(busy=[], agents_free=10, in_flight=[], measured=Abandonment(500, 1000))
    assert 10 <= alarmed < calm
    # No statistics can make it dial less than progressive.
    assert lines(busy=[], agents_free=10, in_flight=[], stats=learned(0.9),
                 measured=Abandonment(500, 1000)) == 10


def test_backs_off_when_abandonment_is_above_target():
    at_target = lines(measured=Abandonment(30, 1000))
    above = lines(measured=Abandonment(60, 1000))
    below = lines(measured=Abandonment(5, 1000))
    assert above < at_target < below
    assert allowed_risk(Abandonment(60, 1000), 0.03) < 0.03 < allowed_risk(Abandonment(5, 1000), 0.03)


def test_more_lines_when_the_answer_rate_drops():
    stats = learned(0.25)
    before = lines(stats=stats)
    feed(stats, 0.10, 900)  # the same campaign, mid-way: the estimates forget
    assert stats.human_rate == pytest.approx(0.10, abs=0.02)
    assert lines(stats=stats) > before


def test_a_new_campaign_starts_near_progressive():
    n = predictive_lines(agents_logged_in=20, agents_free=20, busy=[], in_flight=[],
                         stats=CallStats(), measured=Abandonment(),
                         settings=PacingSettings())
    assert 20 <= n <= 32


def test_calls_in_flight_count_by_stage_and_age():
    stats = learned(0.25)
    fresh = human_probability(InFlight("dialling", 1), stats, 25)
    late = human_probability(InFlight("dialling", 22), stats, 25)
    assert late < fresh < 0.35
    assert human_probability(InFlight("amd", 3.5), stats, 25) < human_probability(
        InFlight("amd", 0.5), stats, 25)
    assert human_probability(InFlight("waiting_agent", 0.5), stats, 25) == 1.0


def test_decision_explains_itself():
    d = predictive_decision(agents_logged_in=10, agents_free=0,
                            busy=[BusyAgent("wrap_up", 1.0)] * 10, in_flight=[],
                            stats=learned(0.25), measured=Abandonment(30, 1000))
    assert d.supply == pytest.approx(10) and d.demand == 0 and d.lines > 10


def test_stats_seeded_from_attempts():
    t0 = dt.datetime(2026, 1, 1, 12)
    rows = [{"outcome": "human", "started_at": t0, "answered_at": t0 + dt.timedelta(seconds=9),
             "ended_at": t0 + dt.timedelta(seconds=209)}] * 50 + \
           [{"outcome": "no_answer", "started_at": t0, "answered_at": None,
             "ended_at": t0 + dt.timedelta(seconds=25)}] * 150
    stats = seeded(rows)
    assert stats.human_rate == pytest.approx(0.25, abs=0.08)  # order matters: recent weigh more
    assert stats.talk.mean == pytest.approx(200, rel=0.3)


def test_campaign_pacing_fields_are_checked(db):
    from dialer.db.campaign_admin import create_campaign
    from dialer.db.models import Account

    account = Account.create(name="Acme")
    for field, value in [("abandon_target_percent", -1), ("abandon_target_percent", "3"),
                         ("abandon_window", "7d"), ("max_lines_per_agent", 0.5),
                         ("max_lines_per_agent", True)]:
        with pytest.raises(FieldError) as err:
            create_campaign(account.id, name="x", mode="predictive", **{field: value})
        assert err.value.field == field
    c = create_campaign(account.id, name="p", mode="predictive", abandon_target_percent=2.5,
                        abandon_window="24h", max_lines_per_agent=4)
    assert (c["abandon_target_percent"], c["abandon_window"], c["max_lines_per_agent"]) == (
        2.5, "24h", 4.0)


def test_simulator_smoke_abandonment_near_target():
    """Same pacing function, simulated time: 10 agents, 1 h measured, one seed."""
    sc = Scenario(10, warmup=1200, measured=3600)
    predictive = simulate(sc, Policy("predictive"), seed=7)
    progressive = simulate(sc, Policy("ratio", 1.0), seed=7)
    assert predictive["abandon"] <= 0.045
    assert progressive["abandon"] == 0
    assert predictive["occupancy"] > progressive["occupancy"] + 0.1
    assert not math.isnan(predictive["wait"])
