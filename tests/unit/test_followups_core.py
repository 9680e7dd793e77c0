"""dialer.followups.decisions: wall-clock entry across DST, the status machine, expiry, the
first-pass rule, suppression reasons and the data a followup carries."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.followups.decisions import (
    EXPIRY, OPEN, TERMINAL, TRANSITIONS, FollowupError, Slot, Status, carried_data,
    due_followups, expired, expiry_at, first_pass_status, is_ambiguous, is_due, is_expired,
    is_nonexistent, local_to_utc, offer_verdict, suppression_reason, transition,
    utc_to_local, validate_passes,
)

UTC = dt.timezone.utc
# Northern and southern DST, a 30-minute DST (Lord Howe), a half-hour zone (St John's),
# Dublin's "negative" DST, Apia's skipped day (2011-12-30), and no DST at all (Kolkata).
ZONES = ("America/New_York", "Europe/Paris", "Australia/Sydney", "Australia/Lord_Howe",
         "America/St_Johns", "Europe/Dublin", "Pacific/Apia", "Asia/Kolkata")


def wall(*args) -> dt.datetime:
    return dt.datetime(*args)


# --- examples -------------------------------------------------------------------------------


def test_plain_time_converts_with_the_zone_offset():
    assert local_to_utc(wall(2025, 6, 2, 14, 30), "Europe/Paris") == dt.datetime(
        2025, 6, 2, 12, 30, tzinfo=UTC)
    assert local_to_utc(wall(2025, 1, 15, 9, 0), "America/New_York") == dt.datetime(
        2025, 1, 15, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone, skipped", [
    ("America/New_York", wall(2025, 3, 9, 2, 30)),
    ("Europe/Paris", wall(2025, 3, 30, 2, 0)),
    ("Australia/Sydney", wall(2025, 10, 5, 2, 59)),
    ("Australia/Lord_Howe", wall(2025, 10, 5, 2, 15)),  # only half an hour is skipped
    ("Pacific/Apia", wall(2011, 12, 30, 12, 0)),  # the whole day was skipped
])
def test_skipped_time_is_refused_with_a_clear_error(zone, skipped):
    with pytest.raises(FollowupError) as exc:
        local_to_utc(skipped, zone)
    assert exc.value.field == "local_time"
    assert "does not exist" in str(exc.value) and zone in str(exc.value)
    assert is_nonexistent(skipped, zone) and not is_ambiguous(skipped, zone)


def test_lord_howe_half_hour_gap_edges():
    assert local_to_utc(wall(2025, 10, 5, 2, 30), "Australia/Lord_Howe") == dt.datetime(
        2025, 10, 4, 15, 30, tzinfo=UTC)  # 02:30 is the first minute of +11:00
    assert is_nonexistent(wall(2025, 10, 5, 2, 29), "Australia/Lord_Howe")


def test_repeated_time_takes_the_first_occurrence():
    # 01:30 happens twice in New York on 2025-11-02: at 05:30Z (EDT) then 06:30Z (EST).
    w = wall(2025, 11, 2, 1, 30)
    assert is_ambiguous(w, "America/New_York")
    assert local_to_utc(w, "America/New_York") == dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert local_to_utc(w.replace(fold=1), "America/New_York") == dt.datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC)  # the caller's fold does not change the rule
    assert not is_ambiguous(wall(2025, 11, 2, 2, 30), "America/New_York")


def test_bad_zone_and_aware_time_are_refused():
    with pytest.raises(FollowupError) as exc:
        local_to_utc(wall(2025, 1, 1, 9), "Mars/Olympus")
    assert exc.value.field == "timezone"
    with pytest.raises(FollowupError) as exc:
        local_to_utc(dt.datetime(2025, 1, 1, 9, tzinfo=UTC), "UTC")
    assert exc.value.field == "local_time"


# --- properties across DST ----------------------------------------------------------------


@lru_cache(maxsize=None)
def transitions(zone: str) -> tuple[dt.datetime, ...]:
    """UTC instants (to the quarter hour) where the zone's offset changes, 2005-2030."""
    tz, found = ZoneInfo(zone), []
    day = dt.datetime(2005, 1, 1, tzinfo=UTC)
    while day.year < 2031:
        nxt = day + dt.timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            t = day
            while t.astimezone(tz).utcoffset() == day.astimezone(tz).utcoffset():
                t += dt.timedelta(minutes=15)
            found.append(t)
        day = nxt
    return tuple(found)


def instants_showing(w: dt.datetime, zone: str) -> list[dt.datetime]:
    """Brute force, independent of fold: every UTC instant whose wall clock in `zone` is w."""
    tz = ZoneInfo(zone)
    probe = w.replace(tzinfo=UTC)
    offsets = {(probe + dt.timedelta(hours=h)).astimezone(tz).utcoffset()
               for h in range(-50, 51)}
    return sorted(i for i in {(w - off).replace(tzinfo=UTC) for off in offsets}
                  if i.astimezone(tz).replace(tzinfo=None) == w)


@st.composite
def zone_and_wall(draw):
    """A zone and a wall time, mostly within three hours of one of its DST changes."""
    zone = draw(st.sampled_from(ZONES))
    near = transitions(zone)
    if near and draw(st.booleans()):
        t = draw(st.sampled_from(near))
        base = t.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return zone, base + dt.timedelta(minutes=draw(st.integers(-180, 180)))
    return zone, draw(st.datetimes(dt.datetime(2005, 1, 1), dt.datetime(2030, 12, 31))
                      ).replace(second=0, microsecond=0)


@settings(max_examples=600, deadline=None)
@given(zone_and_wall())
def test_conversion_agrees_with_brute_force(case):
    zone, w = case
    showing = instants_showing(w, zone)
    if not showing:
        with pytest.raises(FollowupError):
            local_to_utc(w, zone)
        assert is_nonexistent(w, zone)
        return
    instant = local_to_utc(w, zone)
    assert instant == showing[0]  # the first occurrence when there are two
    assert utc_to_local(instant, zone) == w
    assert is_ambiguous(w, zone) == (len(showing) > 1)
    assert not is_nonexistent(w, zone)


@settings(max_examples=300, deadline=None)
@given(zone_and_wall(), st.integers(1, 240))
def test_later_wall_times_are_later_instants(case, minutes):
    zone, w = case
    later = w + dt.timedelta(minutes=minutes)
    if is_nonexistent(w, zone) or is_nonexistent(later, zone):
        return
    assert local_to_utc(w, zone) < local_to_utc(later, zone)


@st.composite
def zone_and_instant(draw):
    """A zone and a UTC instant, mostly within three hours of one of its DST changes."""
    zone = draw(st.sampled_from(ZONES))
    near = transitions(zone)
    if near and draw(st.booleans()):
        return zone, draw(st.sampled_from(near)) + dt.timedelta(
            minutes=draw(st.integers(-180, 180)))
    return zone, draw(st.datetimes(dt.datetime(2005, 1, 1), dt.datetime(2030, 12, 31),
                                   timezones=st.just(UTC)))


@settings(max_examples=400, deadline=None)
@given(zone_and_instant())
def test_any_instant_reads_back_to_its_first_occurrence(case):
    zone, instant = case
    shown = utc_to_local(instant, zone)
    back = local_to_utc(shown, zone)
    assert back <= instant and utc_to_local(back, zone) == shown
    assert back == instant or is_ambiguous(shown, zone)


# --- status machine, expiry, due --------------------------------------------------------------


def test_status_machine():
    assert transition("scheduled", "offered") is Status.OFFERED
    assert transition("offered", "launched") is Status.LAUNCHED
    assert transition("launched", "completed") is Status.COMPLETED
    assert transition("offered", "scheduled") is Status.SCHEDULED  # offer withdrawn
    for ending in ("expired", "cancelled", "incompatible_channel_type", "suppressed"):
        assert transition("scheduled", ending) == ending
        assert transition("offered", ending) == ending
    for bad in [("scheduled", "launched"), ("launched", "expired"), ("launched", "cancelled"),
                ("completed", "scheduled"), ("expired", "offered"), ("scheduled", "completed")]:
        with pytest.raises(FollowupError) as exc:
            transition(*bad)
        assert exc.value.field == "status"
    with pytest.raises(FollowupError):
        transition("pending", "offered")
    assert TERMINAL == {Status.COMPLETED, Status.EXPIRED, Status.CANCELLED,
                        Status.INCOMPATIBLE_CHANNEL_TYPE, Status.SUPPRESSED}
    assert set(TRANSITIONS) == set(Status)


def test_model_statuses_are_the_machine_s():
    from dialer.db.models import Followup
    assert set(Followup.status.values) == {s.value for s in Status}


START = dt.datetime(2025, 6, 2, 14, 0, tzinfo=UTC)


def test_expiry_is_five_minutes_after_start_naive_or_aware():
    assert expiry_at(START) == dt.datetime(2025, 6, 2, 14, 5, tzinfo=UTC)
    assert expiry_at(START.replace(tzinfo=None)) == expiry_at(START)


def test_due_and_expired_edges():
    s = Slot(1, 7, "scheduled", START.replace(tzinfo=None))  # naive UTC, as stored
    assert not is_due(s, START - dt.timedelta(seconds=1))
    assert is_due(s, START) and is_due(s, START + EXPIRY - dt.timedelta(microseconds=1))
    assert not is_due(s, START + EXPIRY) and is_expired(s, START + EXPIRY)
    assert not is_expired(s, START + EXPIRY - dt.timedelta(seconds=1))
    offered = Slot(1, 7, "offered", START)
    assert not is_due(offered, START) and is_expired(offered, START + EXPIRY)
    assert not is_expired(Slot(1, 7, "launched", START), START + dt.timedelta(hours=1))


def test_due_followups_are_sorted_and_filtered():
    slots = [Slot(3, 1, "scheduled", START + dt.timedelta(minutes=1)),
             Slot(1, 1, "scheduled", START),
             Slot(2, 2, "scheduled", START),
             Slot(4, 1, "scheduled", START + dt.timedelta(minutes=10)),  # not yet
             Slot(5, 1, "scheduled", START - dt.timedelta(minutes=6)),  # past expiry
             Slot(6, 1, "cancelled", START)]
    now = START + dt.timedelta(minutes=2)
    assert [s.id for s in due_followups(slots, now)] == [1, 2, 3]
    assert [s.id for s in expired(slots, now)] == [5]


@settings(max_examples=300)
@given(st.sampled_from(list(Status)), st.integers(-20 * 60, 20 * 60))
def test_an_open_followup_is_exactly_one_of_waiting_due_expired(status, seconds):
    s = Slot(1, 1, status, START)
    now = START + dt.timedelta(seconds=seconds)
    due, gone = is_due(s, now), is_expired(s, now)
    assert not (due and gone)
    if status == Status.SCHEDULED:
        assert due == (0 <= seconds < 300) and gone == (seconds >= 300)
    if status not in OPEN:
        assert not due and not gone


# --- what blocks a followup ------------------------------------------------------------------


def test_first_pass_rule():
    assert first_pass_status(["preview"]) is None
    assert first_pass_status(["preview", "progressive"]) is None
    assert first_pass_status(["progressive", "preview"]) == "incompatible_channel_type"
    assert first_pass_status([]) == Status.INCOMPATIBLE_CHANNEL_TYPE
    assert validate_passes(["predictive"]) == ["predictive"]
    for bad in ([], "preview", ["preview", "robocall"]):
        with pytest.raises(FollowupError):
            validate_passes(bad)


def test_suppression_reason_names_the_value_and_the_list():
    devices, clients = {"+12125550101": "DNC federal"}, {"C9": "opt-outs"}
    assert suppression_reason(phones=["+12125550101"], client_id=None, devices=devices,
                              client_ids=clients) == \
        "+12125550101 is on do-not-call list 'DNC federal'"
    assert suppression_reason(phones=["+12125550102"], client_id="C9", devices=devices,
                              client_ids=clients) == \
        "client id 'C9' is on do-not-call list 'opt-outs'"
    assert suppression_reason(phones=["+12125550102"], client_id="C1", devices=devices,
                              client_ids=clients) is None


def verdict(now=START, passes=("preview",), suppressed=None, allowed=True, status="scheduled"):
    return offer_verdict(Slot(1, 1, status, START), now=now, passes=list(passes),
                         suppressed=suppressed, followups_allowed=allowed)


def test_offer_verdicts_in_order():
    assert verdict().status == Status.OFFERED and verdict().reason is None
    early = verdict(now=START - dt.timedelta(minutes=1))
    assert early.status == Status.SCHEDULED and "not due" in early.reason
    assert verdict(now=START + EXPIRY, suppressed="x").status == Status.EXPIRED
    s = verdict(suppressed="+1 is on do-not-call list 'a'", passes=["progressive"])
    assert s == type(s)(Status.SUPPRESSED, "+1 is on do-not-call list 'a'")
    inc = verdict(passes=["progressive"], allowed=False)
    assert inc.status == Status.INCOMPATIBLE_CHANNEL_TYPE and "progressive" in inc.reason
    assert verdict(allowed=False).status == Status.CANCELLED
    with pytest.raises(FollowupError):
        verdict(status="offered")


# --- data carried ------------------------------------------------------------------------------


CONTACT = {"name": "Ann", "email": "ann@example.com", "tier": "gold", "note": None}


def test_manual_followup_carries_what_was_typed_and_clears_the_form():
    c = carried_data("manual", {"note": "call about renewal", "tier": ""}, CONTACT)
    assert c.data == {"note": "call about renewal"}
    assert c.form == {}


@pytest.mark.parametrize("source", ["call", "wrap_up"])
def test_in_a_call_typed_values_stay_and_the_contact_fills_the_rest(source):
    entered = {"note": "wants a quote", "tier": "  ", "email": "new@example.com"}
    c = carried_data(source, entered, CONTACT)
    assert c.data == {"name": "Ann", "email": "new@example.com", "tier": "gold",
                      "note": "wants a quote"}
    assert c.form == entered  # what the agent typed stays on the form


def test_in_a_call_with_nothing_typed_the_contact_s_data_fill_it():
    c = carried_data("call", {}, CONTACT)
    assert c.data == {"name": "Ann", "email": "ann@example.com", "tier": "gold"}


def test_unknown_source_is_refused():
    with pytest.raises(FollowupError) as exc:
        carried_data("email", {}, {})
    assert exc.value.field == "source"


@settings(suppress_health_check=[HealthCheck.too_slow])  # generation slows on a loaded machine
@given(st.sampled_from(["call", "wrap_up", "manual"]),
       st.dictionaries(st.sampled_from("abcde"), st.one_of(st.none(), st.text(max_size=3))),
       st.dictionaries(st.sampled_from("cdefg"), st.one_of(st.none(), st.text(max_size=3))))
def test_typed_non_blank_values_always_win(source, entered, contact):
    c = carried_data(source, entered, contact)
    for key, value in entered.items():
        if value is not None and value.strip():
            assert c.data[key] == value
    assert all(v is not None and (not isinstance(v, str) or v.strip())
               for v in c.data.values())
    assert (c.form == {}) == (source == "manual" or not entered)
