"""Predictive pacing (dialer.outbound.pacing): its invariants, its adaptation, and a short
run of the discrete-event simulator (bench.pacing_sim) with the same function."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections import Counter
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from bench.pacing_model import Scenario
from bench.pacing_sim import Policy, simulate
from dialer.outbound.pacing import (SL_WEIGHT_MAX, Abandonment, BusyAgent, CallStats, InboundWaits,
                                    InFlight, PacingSettings, RateEstimate, ServiceLevel,
                                    ServiceLevelTarget, allowed_risk, human_probability,
                                    inbound_weight, poisson_quantile, predictive_decision,
                                    predictive_lines)
from dialer.db.validation import FieldError
from dialer.outbound.stats import seeded


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
       humans=st.integers(0, 1000), max_lines=st.one_of(st.none(), st.floats(1, 6)),
       line_limit=st.one_of(st.none(), st.integers(0, 80)),
       hourly=st.one_of(st.none(), st.integers(0, 100)),
       inbound_rate=st.floats(0, 0.5), inbound_waiting=st.integers(0, 10))
def test_never_more_lines_than_allowed(logged_in, free, busy, flight, human, abandoned,
                                       humans, max_lines, line_limit, hourly, inbound_rate,
                                       inbound_waiting):
    free = min(free, logged_in)
    stats = learned(human, 100)
    n = predictive_lines(agents_logged_in=logged_in, agents_free=free, busy=busy[:logged_in],
                         in_flight=flight, stats=stats,
                         measured=Abandonment(min(abandoned, humans), humans),
                         settings=PacingSettings(max_lines_per_agent=max_lines,
                                                 line_limit=line_limit),
                         hourly_left=hourly, inbound_rate=inbound_rate,
                         inbound_waiting=inbound_waiting)
    assert n >= 0
    if n:  # the caps bound the calls in flight, as they round down
        assert len(flight) + n <= 2.0 * logged_in / max(stats.human_rate, 0.02) + 1e-9
        if max_lines is not None:
            assert len(flight) + n <= max_lines * logged_in + 1e-9
        if line_limit is not None:
            assert len(flight) + n <= line_limit
    if hourly is not None:
        assert n <= hourly
    if logged_in == 0:
        assert n == 0


@settings(max_examples=60, deadline=None)
@given(free=st.integers(0, 20), busy=busy_st, flight=in_flight_st,
       abandoned=st.integers(0, 60), more=st.integers(1, 30), humans=st.integers(60, 2000))
def test_monotone_in_the_measured_abandonment(free, busy, flight, abandoned, more, humans):
    """More abandoned humans in the window never buys more lines, nor more risk."""
    def n(a):
        return predictive_lines(agents_logged_in=20, agents_free=free, busy=busy[:20 - free],
                                in_flight=flight, stats=learned(0.25, 300),
                                measured=Abandonment(a, humans))
    assert n(abandoned + more) <= n(abandoned)
    assert (allowed_risk(Abandonment(abandoned + more, humans), 0.03)
            <= allowed_risk(Abandonment(abandoned, humans), 0.03))


@settings(max_examples=60, deadline=None)
@given(free=st.integers(0, 20), busy=busy_st, flight=in_flight_st,
       rate=st.floats(0, 0.2), extra=st.floats(0.001, 0.2), waiting=st.integers(0, 5))
def test_inbound_callers_never_buy_more_lines(free, busy, flight, rate, extra, waiting):
    def n(inbound_rate, inbound_waiting):
        return predictive_lines(agents_logged_in=20, agents_free=free, busy=busy[:20 - free],
                                in_flight=flight, stats=learned(0.25, 300),
                                measured=Abandonment(30, 1000), inbound_rate=inbound_rate,
                                inbound_waiting=inbound_waiting)
    assert n(rate + extra, waiting) <= n(rate, waiting)
    assert n(rate, waiting + 1) <= n(rate, waiting)


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
    assert above < at_target <= below
    assert lines(measured=Abandonment(40, 1000)) < at_target  # already a little above
    assert allowed_risk(Abandonment(60, 1000), 0.03) < 0.03 < allowed_risk(Abandonment(5, 1000), 0.03)


def test_spends_the_budget_left_unused():
    """A window under target (a slow start, a drop of the answer rate) dares more than
    one on target: the spare abandonments are spent, up to a ceiling."""
    on_target = allowed_risk(Abandonment(27, 1000), 0.03)
    assert allowed_risk(Abandonment(20, 1000), 0.03) > 2 * on_target
    assert allowed_risk(Abandonment(0, 10_000), 0.03) == pytest.approx(8 * 0.03)
    assert allowed_risk(Abandonment(1000, 1000), 0.03) == pytest.approx(0.1 * 0.03)
    assert allowed_risk(Abandonment(0, 0), 0.0) == 0.0


def test_the_line_cap_follows_the_learned_human_rate():
    """No fixed lines per agent: a 10% human rate may use far more lines than 25%; an
    operator's cap and the absolute line limit (the trunks') still bind."""
    idle = dict(agents_free=20, busy=[], in_flight=[], agents_logged_in=20,
                measured=Abandonment(0, 3000))  # much budget left: dares the most
    rare, common = lines(stats=learned(0.10), **idle), lines(stats=learned(0.25), **idle)
    assert rare > 3 * 20 and rare > common
    assert lines(stats=learned(0.10), settings=PacingSettings(max_lines_per_agent=3),
                 **idle) == 60
    assert lines(stats=learned(0.10), settings=PacingSettings(line_limit=45), **idle) == 45
    assert lines(stats=learned(0.10), in_flight=[InFlight("dialling", 1)] * 45,
                 settings=PacingSettings(line_limit=45),
                 **{k: v for k, v in idle.items() if k != "in_flight"}) == 0


def test_inbound_rate_is_learned_from_the_gaps():
    rate = RateEstimate()
    assert rate.per_second == 0.0
    for _ in range(2):
        rate.observe_gap(10.0)
    assert rate.per_second == 0.0  # too few to say
    for _ in range(200):
        rate.observe_gap(20.0)
    assert rate.per_second == pytest.approx(1 / 20, rel=0.01)  # the old gaps forgotten


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
    for field, value in [("inbound_service_percent", 120), ("inbound_service_seconds", 0)]:
        with pytest.raises(FieldError) as err:
            create_campaign(account.id, name="x", mode="predictive", **{field: value})
        assert err.value.field == field
    assert create_campaign(account.id, name="q", mode="predictive")["max_lines_per_agent"] == 0
    assert create_campaign(account.id, name="r", mode="predictive",
                           max_lines_per_agent=0)["max_lines_per_agent"] == 0
    c = create_campaign(account.id, name="p", mode="predictive", abandon_target_percent=2.5,
                        abandon_window="24h", max_lines_per_agent=4)
    assert (c["abandon_target_percent"], c["abandon_window"], c["max_lines_per_agent"]) == (
        2.5, "24h", 4.0)


def test_simulator_smoke_abandonment_near_target():
    """Same pacing function, simulated time: 10 agents, 1 h measured, one seed; the
    clairvoyant bound above every policy, abandoning no one."""
    sc = Scenario("smoke", 10, warmup=1200, measured=3600)
    predictive = simulate(sc, Policy("predictive"), seed=7)
    progressive = simulate(sc, Policy("ratio", 1.0), seed=7)
    bound = simulate(sc, Policy("bound"), seed=7)
    assert 0.02 <= predictive["abandon"] <= 0.031
    assert progressive["abandon"] == 0 and bound["abandon"] == 0
    assert bound["occupancy"] > predictive["occupancy"] > progressive["occupancy"] + 0.1
    assert math.isnan(predictive["service_level"])


def test_simulator_inbound_and_shifts():
    """Inbound callers share the agents and are served; a window over two shifts."""
    sc = Scenario("blended", 10, warmup=600, measured=1800, inbound_per_hour=40.0, days=2)
    r = simulate(sc, Policy("predictive"), seed=3)
    assert r["service_level"] >= 0.8
    assert r["abandon"] <= 0.031
    adapt = simulate(sc, Policy("adapt"), seed=3)
    assert 0 < adapt["occupancy"] < 1


# --- runtime wiring -------------------------------------------------------------------


class _Agents:
    def __init__(self, views):
        self.agent_views, self.wanted_by_inbound, self.held = views, Counter(), None

    def views(self):
        return self.agent_views

    def free_agents(self):  # for followups: none due here
        return []

    async def hold_for_campaigns(self, groups):
        self.held = groups


class _Calls:
    def __init__(self, trunk_channels: int | None = None):
        from dialer.outbound.stats import PacingStats
        from dialer.trunks.model import Trunk, parse_target
        from dialer.trunks.shell import Trunks
        self.pacing, self.dialled, self.planned = PacingStats(), [], Counter()
        self.trunks = Trunks(None, default_endpoint="carrier", node="n1")
        if trunk_channels is not None:  # as read from the database: one trunk with a cap
            self.trunks._defined = (Trunk(1, "a", parse_target("carrier"),
                                          max_channels=trunk_channels),)
        self.ari = SimpleNamespace(connected=asyncio.Event())
        self.ari.connected.set()

    def in_flight(self, campaign_id):
        return 0

    def flights(self):
        return []

    async def dial(self, campaign, claim, **kw):
        self.dialled.append(claim.cc_id)


def _predictive_campaign(n_contacts: int):
    from dialer.db.models import (Account, AgentGroup, Campaign, CampaignContact, Contact,
                                  ContactPhone, ServicePlan)
    plan = ServicePlan.create(name="all day", all_day=True)
    account = Account.create(name="Acme", company_number="+33123456789", plan=plan)
    group = AgentGroup.create(account=account, name="sales")
    campaign = Campaign.create(account=account, name="p", mode="predictive", status="running",
                               agent_group=group, max_lines_per_agent=2.0)
    for i in range(n_contacts):
        contact = Contact.create(account=account, name=f"c{i}")
        ContactPhone.create(contact=contact, number=f"+336123450{i:02d}")
        CampaignContact.create(campaign=campaign, contact=contact)
    return campaign.id, group.id


@pytest.mark.parametrize("logged_in, trunk_channels", [(10, None), (0, None), (10, 3)])
async def test_runner_dials_a_predictive_campaign_by_the_policy(db, logged_in, trunk_channels):
    """The runner feeds the policy what it sees; the trunks' channels are its line limit."""
    from dialer.outbound.decisions import AgentView
    from dialer.db import Store
    from dialer.outbound.runner import CampaignRunner

    campaign_id, group_id = _predictive_campaign(60)
    store = Store(db)
    try:
        now = dt.datetime(2026, 3, 2, 12, tzinfo=dt.timezone.utc)
        views = [AgentView(i, "available" if i < 4 else "wrap_up", now - dt.timedelta(seconds=1),
                           frozenset({group_id})) for i in range(logged_in)]
        busy = [BusyAgent("wrap_up", 1.0)] * 6 if logged_in else []
        agents, calls = _Agents(views), _Calls(trunk_channels)
        runner = CampaignRunner(store, agents, calls, node="n1")
        await runner.tick(now)
        expected = predictive_lines(
            agents_logged_in=logged_in, agents_free=min(4, logged_in), busy=busy, in_flight=[],
            stats=CallStats(), measured=Abandonment(),
            settings=PacingSettings(max_lines_per_agent=2.0, ring_timeout=30,
                                    line_limit=trunk_channels))
        assert len(calls.dialled) == expected
        if trunk_channels is not None:
            assert expected == trunk_channels
        elif logged_in:
            assert 4 < expected <= 2 * logged_in  # more than progressive, capped
        else:
            assert expected == 0
        assert calls.pacing.get(campaign_id) is not None  # seeded, kept for the campaign
    finally:
        await store.close()


async def test_outbound_calls_feed_the_campaign_statistics():
    from dialer.outbound.eligibility import CampaignRules, PlanRules
    from dialer.outbound.model import CampaignSettings
    from dialer.outbound import events as ev, machine
    from dialer.outbound.shell import OutboundCalls

    def settings(campaign_id: int, bcw_seconds: int) -> CampaignSettings:
        return CampaignSettings(
            id=campaign_id, name="c", account_id=1, agent_group_id=None,
            bcw_seconds=bcw_seconds, record=False, amd_enabled=True, machine_action="hangup",
            machine_message=None, safe_harbour_message=None, ring_timeout_seconds=30,
            max_attempts=1, caller_ids=(), rules=(), plan=PlanRules(), status="running",
            mode="progressive", schedule=CampaignRules(home_region="US"))

    calls = OutboundCalls(None, None, None, node="n1", trunk="t")
    stats = calls.pacing.by_campaign[5] = CallStats()
    # A call answered after 20 s, a human after 1.5 s of AMD, talking 18 s with its agent.
    at = dt.datetime(2026, 3, 2, 12, 0, 10)
    state, _ = machine.start(settings(5, 10), 1, "c1", 100.0)
    for now, event in [(120.0, ev.Answered(at)), (121.5, ev.AmdVerdict("HUMAN", None, at)),
                       (121.5, ev.AgentReserved(7)), (122.0, ev.Bridged()),
                       (140.0, ev.HungUp(16))]:
        state, effects = machine.transition(state, event, now)
    [learn] = [e for e in effects if isinstance(e, ev.Learn)]
    assert learn == ev.Learn("human", answer_delay=20.0, amd_seconds=1.5, talk_seconds=18.0)
    weight, talk_mean = stats.weight, stats.talk.mean
    calls.pacing.learn(5, learn, bcw_seconds=10)
    assert stats.weight == weight + 1 and stats.talk.mean < talk_mean
    assert stats.wrap_mean > 5
    calls.pacing.learn(6, ev.Learn("busy", None, None, None), bcw_seconds=0)
    assert 6 not in calls.pacing.by_campaign  # only campaigns paced predictively


def test_inbound_callers_wanting_a_groups_agents_are_learned_as_a_rate():
    """Blended floors (issue 22): each inbound caller who begins waiting for agents of a
    group is an arrival for the predictive campaigns on that group; a silence longer than
    the usual gap lowers the rate at once."""
    from dialer.outbound.stats import PacingStats
    stats = PacingStats()
    for i in range(6):  # one caller every 30 s for the sales agents (7), one for support (8)
        stats.inbound_arrived(frozenset({7} if i else {7, 8}), 30.0 * i)
    assert stats.inbound_rate(7, 150.0) == pytest.approx(1 / 30)
    assert stats.inbound_rate(8, 150.0) == 0.0  # one caller: no gap yet
    assert stats.inbound_rate(None, 150.0) == stats.inbound_rate(9, 150.0) == 0.0
    assert stats.inbound_rate(7, 150.0 + 120) == pytest.approx(1 / 120)  # nobody for 2 min


def test_inbound_waits_make_a_groups_service_level():
    from dialer.outbound.stats import PacingStats
    stats = PacingStats()
    for waited in (3.0, 25.0, None, 19.9):
        stats.inbound_waited(frozenset({7}), waited)
    assert stats.inbound_service(7, 20) == ServiceLevel(callers=4, within=2)
    assert stats.inbound_service(7, 30) == ServiceLevel(callers=4, within=3)
    assert stats.inbound_service(8, 20) == stats.inbound_service(None, 20) == ServiceLevel()
    waits = InboundWaits(memory=3)
    for waited in (1.0, 1.0, None, None):
        waits.observe(waited)
    assert waits.service_level(20) == ServiceLevel(3, 1)  # the last 3 callers


def test_a_service_level_short_of_its_target_holds_agents_back():
    """The inbound callers expected within the horizon count at least once; more while
    the recent ones fall short of the target's share (issue 22's blended floors)."""
    target = ServiceLevelTarget(0.8, 20)
    met = inbound_weight(ServiceLevel(100, 95), target)
    assert met == 1.0
    weights = [inbound_weight(ServiceLevel(100, within), target) for within in (80, 78, 60, 0)]
    assert 1.0 < weights[0] < weights[1] < weights[2] == weights[3] == SL_WEIGHT_MAX
    assert inbound_weight(ServiceLevel(100, 95), ServiceLevelTarget(0.99, 20)) > 1.0

    kw = dict(agents_logged_in=10, agents_free=3, busy=[BusyAgent("talking", 30.0)] * 7,
              in_flight=[], stats=CallStats(), measured=Abandonment(10, 1000),
              inbound_rate=0.1)
    kept = predictive_lines(**kw, inbound_service=ServiceLevel(100, 95))
    short = predictive_lines(**kw, inbound_service=ServiceLevel(100, 60))
    assert short < kept


@pytest.mark.parametrize("mean, tail", [(0.0, 0.05), (0.2, 0.3), (1.25, 0.03), (1.7, 0.075),
                                        (12.0, 0.01), (40.0, 0.2)])
def test_the_floor_leaves_a_poisson_count_of_inbound_callers(mean, tail):
    def above(k: int) -> float:  # P(Poisson(mean) > k)
        return 1 - sum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k + 1))
    k = poisson_quantile(mean, tail)
    assert above(k) <= tail + 1e-12
    assert k == 0 or above(k - 1) > tail
    free = dict(agents_logged_in=10, agents_free=10, busy=[], in_flight=[], stats=CallStats(),
                measured=Abandonment(500, 1000))  # far over target: the floor decides
    assert predictive_lines(**free, inbound_rate=0.1) < predictive_lines(**free) == 10


def test_an_inbound_rate_leaves_agents_for_inbound_callers():
    kw = dict(agents_logged_in=10, agents_free=6, busy=[BusyAgent("talking", 30.0)] * 4,
              in_flight=[], stats=CallStats(), measured=Abandonment())
    alone = predictive_lines(**kw)
    blended = predictive_lines(**kw, inbound_rate=0.2)
    assert blended < alone
