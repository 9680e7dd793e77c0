"""Issue 21: trunks' targets as an attacker types them, the circuit breaker, and the routing
choice of one attempt (priority, destination, cost, weighted spread, channel and
calls-per-second caps), with hypothesis over random trunks and loads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.core.asterisk_input import UnsafeValue
from dialer.trunks import breaker as b
from dialer.trunks.model import (Trunk, default_trunk, parse_destination, parse_target,
                                 split_dialled)
from dialer.trunks.routing import (CallToRoute, NoRoute, Route, TrunkUsage, Wait,
                                   channel_capacity, choose, ranked)

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
US, UK = "+12125550100", "+442079460000"
POLICY = b.BreakerPolicy(failures_to_open=3, cool_down=dt.timedelta(seconds=30))


def trunk(id: int, **kw) -> Trunk:
    return Trunk(id, f"t{id}", parse_target(f"carrier{id}"), **kw)


# ---- targets: what a user may type -----------------------------------------------------
@pytest.mark.parametrize("typed, dialled", [
    ("carrier", "PJSIP/+12125550100@carrier"),
    ("PJSIP/carrier-b", "PJSIP/+12125550100@carrier-b"),
    ("PJSIP/{e164}@carrier", "PJSIP/+12125550100@carrier"),
    ("PJSIP/00{digits}@carrier", "PJSIP/0012125550100@carrier"),
    ("PJSIP/*31#{digits}@carrier.b", "PJSIP/*31#12125550100@carrier.b"),
])
def test_a_target_dials_the_number_through_its_endpoint(typed, dialled):
    assert parse_target(typed).dial_string(US) == dialled
    assert parse_target(parse_target(typed).text) == parse_target(typed)  # stored as shown


@pytest.mark.parametrize("typed", [
    "carrier&PJSIP/666@evil", "PJSIP/{e164}@carrier&PJSIP/666@evil", "Local/666@default",
    "SIP/carrier", "IAX2/carrier", "PJSIP/{e164}@carrier,30,D(1)", "PJSIP/carrier/sip:666@evil",
    "PJSIP/{e164}@carrier/sip:x@evil", "PJSIP/666@carrier", "PJSIP/{e164}@a@b",
    "PJSIP/{number}@carrier", "PJSIP/+{e164}@carrier", "PJSIP/123456789{e164}@carrier",
    "carrier\n", "car rier", "..", "PJSIP/..", "PJSIP/{e164}@..", "", "PJSIP/",
    "carrier;transport=udp", "${SHELL}", "PJSIP/{digits}{digits}@carrier", "{e164}",
])
def test_an_attacker_target_is_refused(typed):
    with pytest.raises(UnsafeValue):
        parse_target(typed)


@pytest.mark.parametrize("number", ["666", "+1&PJSIP/x", "12125550100", "+1212555010,0", "+0123456789"])
def test_only_an_e164_number_is_put_into_the_pattern(number):
    with pytest.raises(UnsafeValue):
        parse_target("PJSIP/{digits}@carrier").dial_string(number)


@given(st.text(max_size=40))
def test_whatever_is_typed_a_target_dials_one_pjsip_endpoint_only(typed):
    try:
        target = parse_target(typed)
    except UnsafeValue:
        return
    dialled = target.dial_string(US)
    assert dialled.startswith("PJSIP/") and dialled.count("@") == 1
    assert dialled.count("/") == 1 and not set(dialled) & set("&,;:$ \n\t\r\"'()")


def test_a_rule_prefix_is_dialled_before_the_number_and_checked():
    assert split_dialled("9+12125550100") == ("9", "+12125550100")
    assert split_dialled("+12125550100") == ("", "+12125550100")
    assert parse_target("PJSIP/00{digits}@c").dial_string(US, "*9") == "PJSIP/00*912125550100@c"
    for phone in ("12125550100", "9&+12125550100", "+1212555010x", "9,+12125550100"):
        with pytest.raises(UnsafeValue):
            split_dialled(phone)


def test_destinations_are_prefixes_or_regions():
    assert parse_destination("+44") == "+44" and parse_destination("US") == "US"
    for bad in ("44", "ZZ", "us", "+", "+1 2", "GB,US"):
        with pytest.raises(UnsafeValue):
            parse_destination(bad)
    uk_only = trunk(1, destinations=("GB",))
    assert uk_only.serves(1, UK, "GB") and not uk_only.serves(1, US, "US")
    assert trunk(2, destinations=("+1",)).serves(1, US, "US")
    assert not trunk(3, account_ids=frozenset({2})).serves(1, US, "US")
    assert not trunk(4, enabled=False).serves(1, US, "US")


def test_the_configured_trunk_is_the_default():
    assert default_trunk("carrier").target.dial_string(US) == "PJSIP/+12125550100@carrier"


# ---- the circuit breaker ---------------------------------------------------------------
def test_consecutive_failures_open_the_breaker_and_a_probe_closes_it():
    breaker = b.Breaker()
    for _ in range(2):
        breaker = b.failed(breaker, NOW, POLICY)
    assert breaker.admission(NOW, POLICY) is b.Admission.CALLS
    assert b.failed(b.succeeded(breaker), NOW, POLICY).failures == 1  # consecutive only
    breaker = b.failed(breaker, NOW, POLICY)
    assert breaker.state is b.BreakerState.OPEN
    assert breaker.admission(NOW + dt.timedelta(seconds=29), POLICY) is b.Admission.NONE
    later = NOW + dt.timedelta(seconds=30)
    assert breaker.admission(later, POLICY) is b.Admission.PROBE
    probing = b.probe_sent(breaker, later)
    assert probing.admission(later + dt.timedelta(seconds=5), POLICY) is b.Admission.NONE
    assert b.failed(probing, later, POLICY).admission(later, POLICY) is b.Admission.NONE
    assert b.succeeded(probing).admission(later, POLICY) is b.Admission.CALLS
    lost = later + dt.timedelta(seconds=30)  # the probe never reported: another one
    assert probing.admission(lost, POLICY) is b.Admission.PROBE


def test_an_offline_endpoint_takes_no_call():
    offline = b.endpoint_state(b.Breaker(), online=False)
    assert offline.admission(NOW, POLICY) is b.Admission.NONE
    assert b.endpoint_state(offline, online=True).admission(NOW, POLICY) is b.Admission.CALLS


# ---- the routing choice ----------------------------------------------------------------
def route(trunks, *, health=None, usage=None, e164=US, tried=frozenset(), draw=0.0, now=NOW):
    return choose(CallToRoute(1, e164, frozenset(tried)), trunks, health or {}, usage or {},
                  now, draw, POLICY)


def test_priority_then_cost_then_weight():
    cheap, dear, backup = (trunk(1, cost_per_minute=Decimal("0.01")),
                           trunk(2, cost_per_minute=Decimal("0.02")), trunk(3, priority=200))
    assert route([backup, dear, cheap]).trunk == cheap
    unpriced = trunk(4)
    assert ranked([unpriced, dear, cheap], 0.0) == [cheap, dear, unpriced]
    heavy, light = trunk(5, weight=3), trunk(6, weight=1)
    assert route([heavy, light], draw=0.74).trunk == heavy
    assert route([heavy, light], draw=0.76).trunk == light


def test_destination_and_account_pick_the_trunk():
    uk, us = trunk(1, destinations=("GB",)), trunk(2, destinations=("+1",), priority=500)
    assert route([uk, us], e164=UK).trunk == uk and route([uk, us], e164=US).trunk == us
    assert isinstance(route([uk], e164=US), NoRoute)


def test_a_tried_or_broken_trunk_is_skipped_and_a_cooled_one_probed():
    a, b_ = trunk(1), trunk(2, priority=200)
    assert route([a, b_], tried={1}).trunk == b_
    assert isinstance(route([a, b_], tried={1, 2}), NoRoute)
    opened = b.Breaker(b.BreakerState.OPEN, 3, NOW)
    assert route([a, b_], health={1: opened}).trunk == b_
    probe = route([a, b_], health={1: opened}, now=NOW + dt.timedelta(seconds=31))
    assert probe == Route(a, probe=True)
    waiting = route([a], health={1: opened})  # the only trunk: wait for its probe
    assert waiting == Wait(NOW + dt.timedelta(seconds=30), waiting.reason)
    offline = b.endpoint_state(b.Breaker(), online=False)
    assert route([a], health={1: offline}).until == NOW + dt.timedelta(seconds=2)


def test_full_trunks_overflow_then_the_call_waits():
    a, b_ = trunk(1, max_channels=5), trunk(2, priority=200, max_cps=2)
    just_now = (NOW - dt.timedelta(milliseconds=300), NOW - dt.timedelta(milliseconds=800))
    assert route([a, b_], usage={1: TrunkUsage(channels=5)}).trunk == b_
    waiting = route([a, b_], usage={1: TrunkUsage(channels=5), 2: TrunkUsage(1, just_now)})
    assert waiting == Wait(NOW + dt.timedelta(milliseconds=250), waiting.reason)  # 1.05 s
    older = (NOW - dt.timedelta(milliseconds=1050), NOW - dt.timedelta(milliseconds=1500))
    assert route([b_], usage={2: TrunkUsage(1, older)}).trunk == b_


trunks_st = st.lists(st.builds(
    lambda i, p, c, w, ch, cps, cost, dest: Trunk(
        i, f"t{i}", parse_target(f"c{i}"), priority=p, weight=w, max_channels=ch, max_cps=cps,
        cost_per_minute=None if cost is None else Decimal(cost), destinations=dest),
    st.integers(1, 10**6), st.integers(1, 3), st.none(), st.integers(1, 5),
    st.none() | st.integers(1, 5), st.none() | st.integers(1, 3), st.none() | st.integers(1, 3),
    st.sampled_from([(), ("+1",), ("GB",), ("US", "+44")])),
    max_size=6, unique_by=lambda t: t.id)


@settings(max_examples=300)
@given(trunks_st, st.dictionaries(st.integers(1, 10**6), st.builds(
    TrunkUsage, st.integers(0, 6), st.lists(st.integers(0, 1500).map(
        lambda ms: NOW - dt.timedelta(milliseconds=ms)), max_size=6).map(tuple))),
    st.sampled_from([US, UK]), st.floats(0, 0.999))
def test_a_route_never_breaks_a_cap_and_waits_only_when_all_are_full(trunks, usage, e164, draw):
    got = route(trunks, usage=usage, e164=e164, draw=draw)
    serving = [t for t in trunks if t.serves(1, e164, "US" if e164 == US else "GB")]
    if isinstance(got, Route):
        load = usage.get(got.trunk.id, TrunkUsage())
        assert got.trunk in serving
        assert got.trunk.max_channels is None or load.channels < got.trunk.max_channels
        assert got.trunk.max_cps is None or load.calls_in_window(NOW) < got.trunk.max_cps
        better = [t for t in serving if t.priority < got.trunk.priority]
        for t in better:  # a better trunk was passed over only because it was full
            load = usage.get(t.id, TrunkUsage())
            assert (t.max_channels is not None and load.channels >= t.max_channels) or (
                t.max_cps is not None and load.calls_in_window(NOW) >= t.max_cps)
    elif isinstance(got, Wait):
        assert serving and NOW < got.until <= NOW + dt.timedelta(milliseconds=1050)
        if all(t.max_channels is None or usage.get(t.id, TrunkUsage()).channels < t.max_channels
               for t in serving):  # only call rates held it: a slot is free by then
            assert isinstance(route(trunks, usage=usage, e164=e164, draw=draw, now=got.until),
                              Route)
    else:
        assert not serving


# ---- the pacing's line limit (issue 22) ------------------------------------------------
def test_the_line_limit_is_what_the_working_trunks_carry():
    a, b2, c = trunk(1, max_channels=10), trunk(2, max_channels=5), trunk(3, max_channels=7)
    assert channel_capacity([a, b2, c], {}, NOW, POLICY) == 22
    opened = b.failed(b.failed(b.failed(b.Breaker(), NOW, POLICY), NOW, POLICY), NOW, POLICY)
    # out of service: nothing; cooled down: one probe call; offline: nothing
    assert channel_capacity([a, b2, c], {2: opened}, NOW, POLICY) == 17
    later = NOW + POLICY.cool_down
    assert channel_capacity([a, b2, c], {2: opened}, later, POLICY) == 18
    assert channel_capacity([a, b2], {1: b.endpoint_state(b.Breaker(), online=False)},
                            NOW, POLICY) == 5
    assert channel_capacity([a, trunk(4)], {}, NOW, POLICY) is None  # one without a cap
    assert channel_capacity([], {}, NOW, POLICY) == 0
