"""dialer.outbound.eligibility: who may be dialled now, why not, and from when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dialer.outbound.eligibility import (
    PERMANENT_CODES, TIME_CODES, CampaignRules, Code, ContactState, PlanRules, Verdict,
    Reason, check, hourly_cap_left, with_campaign_status,
)
from dialer.outbound.windows import Window
from dialer.core.phones import zones_for

UTC = dt.timezone.utc
NY = "+12125550100"  # America/New_York
CHICAGO = "+13125550100"  # America/Chicago
PARIS = "+33142685300"  # Europe/Paris
IDAHO = "+12085550100"  # America/Boise + America/Los_Angeles
SOUTH_DAKOTA = "+16055550100"  # America/Denver + America/North_Dakota/Center
NEWFOUNDLAND = "+17092345678"  # America/Halifax + America/St_Johns (30 min apart)
ALASKA = "+19072345678"  # America/Adak + America/Anchorage
TOLL_FREE = "+18005551234"  # 42 zones, Guam to St John's
NO_ZONE = "+80012345678"  # international freephone: no zone at all

US = CampaignRules(home_region="US")
PLAN = PlanRules()  # regulatory default window 08:00-21:00
WORLD = PlanRules(international_allowed=True)


def at(*args, tz: str = "UTC") -> dt.datetime:
    """An aware instant given as a wall-clock time in `tz` (fold=0), converted to UTC."""
    return dt.datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def run(*, contact=None, campaign=US, plan=PLAN, now, attempts_last_hour=0,
        devices=frozenset(), client_ids=frozenset(), **contact_fields) -> Verdict:
    contact = contact or ContactState(**{"phone": NY, **contact_fields})
    return check(contact, campaign, plan, now=now, attempts_last_hour=attempts_last_hour,
                 suppressed_devices=devices, suppressed_client_ids=client_ids)


# --- each reason ----------------------------------------------------------------------


def test_eligible_contact_has_no_reasons_and_could_go_now():
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    verdict = run(now=now)
    assert verdict == Verdict(True, (), now)


def test_outside_window_says_local_time_zone_and_window():
    verdict = run(now=at(2025, 6, 2, 22, 14, tz="America/Chicago"), phone=CHICAGO)
    assert not verdict.eligible
    assert verdict.codes == ("outside_window",)
    assert verdict.reasons[0].message == "22:14 in America/Chicago is outside 08:00-21:00"
    assert verdict.next_possible_at == at(2025, 6, 3, 8, 0, tz="America/Chicago")


def test_window_start_inclusive_stop_exclusive():
    plan = PlanRules(window_start=dt.time(9), window_stop=dt.time(17))
    tz = "America/New_York"
    assert run(plan=plan, now=at(2025, 6, 2, 9, 0, tz=tz)).eligible
    assert run(plan=plan, now=at(2025, 6, 2, 16, 59, 59, 999999, tz=tz)).eligible
    assert not run(plan=plan, now=at(2025, 6, 2, 17, 0, tz=tz)).eligible
    assert not run(plan=plan, now=at(2025, 6, 2, 8, 59, 59, tz=tz)).eligible


def test_window_crossing_midnight():
    plan = PlanRules(window_start=dt.time(22), window_stop=dt.time(2))
    tz = "America/New_York"
    assert run(plan=plan, now=at(2025, 6, 2, 23, 30, tz=tz)).eligible
    assert run(plan=plan, now=at(2025, 6, 3, 1, 59, tz=tz)).eligible
    verdict = run(plan=plan, now=at(2025, 6, 3, 2, 0, tz=tz))
    assert verdict.codes == ("outside_window",)
    assert verdict.reasons[0].message == "02:00 in America/New_York is outside 22:00-02:00"
    assert verdict.next_possible_at == at(2025, 6, 3, 22, 0, tz=tz)


def test_all_day_plan_ignores_window():
    plan = PlanRules(all_day=True, window_start=dt.time(9), window_stop=dt.time(10))
    assert run(plan=plan, now=at(2025, 6, 2, 3, 0, tz="America/New_York")).eligible


def test_missing_plan_window_defaults_to_regulatory_hours():
    tz = "America/New_York"
    assert not run(now=at(2025, 6, 2, 7, 59, tz=tz)).eligible
    assert run(now=at(2025, 6, 2, 8, 0, tz=tz)).eligible
    assert run(now=at(2025, 6, 2, 20, 59, tz=tz)).eligible
    assert not run(now=at(2025, 6, 2, 21, 0, tz=tz)).eligible
    only_start = PlanRules(window_start=dt.time(10))  # stop still defaults to 21:00
    assert not run(plan=only_start, now=at(2025, 6, 2, 9, 0, tz=tz)).eligible
    assert not run(plan=only_start, now=at(2025, 6, 2, 21, 30, tz=tz)).eligible


def test_window_with_equal_ends_is_empty():
    plan = PlanRules(window_start=dt.time(9), window_stop=dt.time(9))
    verdict = run(plan=plan, now=at(2025, 6, 2, 9, 0, tz="America/New_York"))
    assert verdict.codes == ("outside_window",)
    assert verdict.next_possible_at is None


def test_explicit_zone_replaces_the_numbers_zones():
    now = at(2025, 6, 2, 12, 0, tz="Europe/Paris")  # 06:00 in New York
    assert run(now=now, explicit_zone="Europe/Paris").eligible
    verdict = run(now=now)
    assert verdict.reasons[0].message == "06:00 in America/New_York is outside 08:00-21:00"


def test_multi_zone_number_needs_every_zone_inside():
    # 08:30 in Boise is 07:30 in Los Angeles
    verdict = run(now=at(2025, 6, 2, 8, 30, tz="America/Boise"), phone=IDAHO)
    assert verdict.codes == ("outside_window",)
    assert verdict.reasons[0].message == "07:30 in America/Los_Angeles is outside 08:00-21:00"
    assert verdict.next_possible_at == at(2025, 6, 2, 8, 0, tz="America/Los_Angeles")
    # 20:30 in Los Angeles is 21:30 in Boise
    verdict = run(now=at(2025, 6, 2, 20, 30, tz="America/Los_Angeles"), phone=IDAHO)
    assert verdict.reasons[0].message == "21:30 in America/Boise is outside 08:00-21:00"
    assert run(now=at(2025, 6, 2, 12, 0, tz="America/Boise"), phone=IDAHO).eligible


def test_message_lists_a_few_zones_and_counts_the_rest():
    verdict = run(now=at(2025, 6, 2, 4, 0), phone=TOLL_FREE)
    message = verdict.reasons[0].message
    assert message.endswith("more zones are outside 08:00-21:00")
    assert message.count(" in ") == 3


def test_toll_free_window_is_the_overlap_of_all_its_zones():
    verdict = run(now=at(2025, 6, 2, 12, 0), phone=TOLL_FREE)
    assert verdict.codes == ("outside_window",)
    # 08:00 in Guam (UTC+10) is 22:00 UTC; St John's (UTC-2:30) reaches 21:00 at 23:30 UTC
    assert verdict.next_possible_at == at(2025, 6, 2, 22, 0)
    assert run(now=at(2025, 6, 2, 23, 29), phone=TOLL_FREE).eligible
    assert not run(now=at(2025, 6, 2, 23, 30), phone=TOLL_FREE).eligible


def test_hourly_cap():
    plan = PlanRules(max_attempts_per_hour=12)
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    assert run(plan=plan, now=now, attempts_last_hour=11).eligible
    verdict = run(plan=plan, now=now, attempts_last_hour=12)
    assert verdict.reasons[0].code == "hourly_cap"
    assert verdict.reasons[0].message == "12 of 12 attempts in the last hour"
    # the cap is the account's, not the contact's: its time-based reasons are clear now
    assert verdict.next_possible_at == now


def test_hourly_cap_left():
    assert hourly_cap_left(None, 500) is None
    assert hourly_cap_left(12, 0) == 12
    assert hourly_cap_left(12, 11) == 1
    assert hourly_cap_left(12, 12) == 0
    assert hourly_cap_left(12, 40) == 0


def test_retry_not_due():
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    due = now + dt.timedelta(minutes=45)
    verdict = run(now=now, next_attempt_at=due)
    assert verdict.codes == ("retry_not_due",)
    assert verdict.reasons[0].message == "next attempt is due at 2025-06-02 16:45 UTC"
    assert verdict.next_possible_at == due
    assert run(now=due, next_attempt_at=due).eligible


def test_naive_next_attempt_at_is_utc():
    now = at(2025, 6, 2, 16, 0)
    naive_due = dt.datetime(2025, 6, 2, 16, 30)
    assert run(now=now, next_attempt_at=naive_due).next_possible_at == at(2025, 6, 2, 16, 30)


def test_retry_due_in_the_night_waits_for_the_window():
    now = at(2025, 6, 2, 20, 0, tz="America/New_York")
    verdict = run(now=now, next_attempt_at=at(2025, 6, 2, 22, 0, tz="America/New_York"))
    assert verdict.codes == ("retry_not_due",)
    assert verdict.next_possible_at == at(2025, 6, 3, 8, 0, tz="America/New_York")


def test_suppression():
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    verdict = run(now=now, client_id="C-7", devices=frozenset({NY}),
                  client_ids=frozenset({"C-7"}))
    assert verdict.codes == ("suppressed_device", "suppressed_client_id")
    assert verdict.reasons[0].message == f"{NY} is on a do-not-call list"
    assert verdict.next_possible_at is None
    assert run(now=now, client_id=None, client_ids=frozenset({"C-7"})).eligible


def test_max_attempts():
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    assert run(now=now, attempts=2).eligible
    verdict = run(now=now, attempts=3)
    assert verdict.codes == ("max_attempts",)
    assert verdict.reasons[0].message == "3 of 3 attempts made"
    assert verdict.next_possible_at is None


@pytest.mark.parametrize("state, ok", [
    ("waiting", True), ("rescheduled", True), ("in_progress", True),
    ("completed", False), ("failed", False), ("deleted", False),
])
def test_not_waiting(state, ok):
    verdict = run(now=at(2025, 6, 2, 12, 0, tz="America/New_York"), state=state)
    assert verdict.eligible is ok
    if not ok:
        assert verdict.codes == ("not_waiting",)
        assert verdict.reasons[0].message == f"contact is {state}"


def test_campaign_dates_are_inclusive_and_read_in_the_campaign_zone():
    campaign = CampaignRules(home_region="US", start_date=dt.date(2025, 6, 2),
                             end_date=dt.date(2025, 6, 4), timezone="Europe/Paris")
    plan = PlanRules(all_day=True)
    before = run(campaign=campaign, plan=plan, now=at(2025, 6, 1, 23, 59, tz="Europe/Paris"))
    assert before.codes == ("before_start_date",)
    assert before.reasons[0].message == (
        "the campaign starts on 2025-06-02; it is 2025-06-01 in Europe/Paris")
    assert before.next_possible_at == at(2025, 6, 2, 0, 0, tz="Europe/Paris")
    assert run(campaign=campaign, plan=plan, now=at(2025, 6, 2, 0, 0, tz="Europe/Paris")).eligible
    assert run(campaign=campaign, plan=plan,
               now=at(2025, 6, 4, 23, 59, tz="Europe/Paris")).eligible
    after = run(campaign=campaign, plan=plan, now=at(2025, 6, 5, 0, 0, tz="Europe/Paris"))
    assert after.codes == ("after_end_date",)
    assert after.next_possible_at is None


def test_start_date_far_ahead_is_found():
    campaign = CampaignRules(home_region="US", start_date=dt.date(2026, 1, 15))
    verdict = run(campaign=campaign, now=at(2025, 6, 2, 12, 0))
    assert verdict.codes == ("before_start_date",)
    assert verdict.next_possible_at == at(2026, 1, 15, 8, 0, tz="America/New_York")


def test_window_reopening_only_after_the_end_date_is_never():
    campaign = CampaignRules(home_region="US", end_date=dt.date(2025, 6, 2))
    verdict = run(campaign=campaign, now=at(2025, 6, 2, 22, 0, tz="America/New_York"))
    assert verdict.codes == ("outside_window",)
    assert verdict.next_possible_at is None


def test_daily_hours_in_the_campaign_zone_and_in_the_callees():
    paris_hours = CampaignRules(home_region="US", daily_start=dt.time(14),
                                daily_stop=dt.time(18), timezone="Europe/Paris")
    now = at(2025, 6, 2, 10, 0, tz="America/New_York")  # 16:00 in Paris
    assert run(campaign=paris_hours, now=now).eligible
    verdict = run(campaign=paris_hours, now=at(2025, 6, 2, 12, 30, tz="America/New_York"))
    assert verdict.codes == ("outside_daily_hours",)
    assert verdict.reasons[0].message == (
        "18:30 in Europe/Paris is outside the campaign's hours 14:00-18:00")
    assert verdict.next_possible_at == at(2025, 6, 3, 14, 0, tz="Europe/Paris")

    local_hours = CampaignRules(home_region="US", daily_start=dt.time(14),
                                daily_stop=dt.time(18))
    assert not run(campaign=local_hours, now=now).eligible  # 10:00 for the callee
    assert run(campaign=local_hours, now=at(2025, 6, 2, 14, 0, tz="America/New_York")).eligible


def test_daily_hours_with_one_end_open():
    from_noon = CampaignRules(home_region="US", daily_start=dt.time(12))
    plan = PlanRules(all_day=True)
    assert run(campaign=from_noon, plan=plan,
               now=at(2025, 6, 2, 23, 59, tz="America/New_York")).eligible
    assert not run(campaign=from_noon, plan=plan,
                   now=at(2025, 6, 2, 11, 59, tz="America/New_York")).eligible
    until_noon = CampaignRules(home_region="US", daily_stop=dt.time(12))
    assert run(campaign=until_noon, plan=plan,
               now=at(2025, 6, 2, 0, 0, tz="America/New_York")).eligible
    assert not run(campaign=until_noon, plan=plan,
                   now=at(2025, 6, 2, 12, 0, tz="America/New_York")).eligible


def test_window_and_daily_hours_that_never_overlap():
    campaign = CampaignRules(home_region="US", daily_start=dt.time(22), daily_stop=dt.time(23))
    verdict = run(campaign=campaign, now=at(2025, 6, 2, 12, 0))
    assert verdict.codes == ("outside_daily_hours",)
    assert verdict.next_possible_at is None


def test_international():
    now = at(2025, 6, 2, 12, 0, tz="Europe/Paris")
    verdict = run(now=now, phone=PARIS)
    assert verdict.codes == ("international_not_allowed",)
    assert verdict.reasons[0].message == (
        "+33142685300 is in FR, outside US, and the plan does not allow international calls")
    assert verdict.next_possible_at is None
    assert run(plan=WORLD, now=now, phone=PARIS).eligible
    assert run(campaign=CampaignRules(home_region="FR"), now=now, phone=PARIS).eligible


def test_unknown_zone_is_never_dialled_under_a_window():
    now = at(2025, 6, 2, 12, 0)
    verdict = run(plan=WORLD, now=now, phone=NO_ZONE)
    assert verdict.codes == ("unknown_zone",)
    assert "set the contact's timezone" in verdict.reasons[0].message
    assert verdict.next_possible_at is None
    assert run(plan=WORLD, now=now, phone=NO_ZONE, explicit_zone="Europe/Paris").eligible
    assert run(plan=PlanRules(all_day=True, international_allowed=True), now=now,
               phone=NO_ZONE).eligible


def test_unknown_explicit_and_campaign_zones():
    now = at(2025, 6, 2, 12, 0, tz="America/New_York")
    verdict = run(now=now, explicit_zone="Mars/Olympus_Mons")
    assert verdict.codes == ("unknown_zone",)
    assert verdict.reasons[0].message == "the contact's time zone 'Mars/Olympus_Mons' is unknown"
    verdict = run(campaign=CampaignRules(home_region="US", timezone="Nowhere/Land"), now=now)
    assert verdict.codes == ("unknown_zone",)
    assert verdict.reasons[0].message == "campaign time zone 'Nowhere/Land' is unknown"


def test_invalid_phone():
    verdict = run(now=at(2025, 6, 2, 12, 0, tz="America/New_York"), phone="+11235550100",
                  explicit_zone="America/New_York")
    assert verdict.codes == ("invalid_phone",)
    assert verdict.next_possible_at is None


def test_all_reasons_are_reported_not_just_the_first():
    campaign = CampaignRules(home_region="US", max_attempts=2,
                             end_date=dt.date(2025, 6, 1), daily_start=dt.time(9),
                             daily_stop=dt.time(10), timezone="America/New_York")
    verdict = run(campaign=campaign, plan=PlanRules(max_attempts_per_hour=1), phone=PARIS,
                  client_id="K", attempts=2, state="failed", next_attempt_at=at(2025, 6, 4, 0, 0),
                  now=at(2025, 6, 2, 23, 0, tz="America/New_York"), attempts_last_hour=1,
                  devices=frozenset({PARIS}), client_ids=frozenset({"K"}))
    assert verdict.codes == (
        "not_waiting", "suppressed_device", "suppressed_client_id", "max_attempts",
        "international_not_allowed", "after_end_date", "outside_window",
        "outside_daily_hours", "retry_not_due", "hourly_cap")
    assert verdict.next_possible_at is None


def test_a_campaign_not_running_comes_first_and_keeps_the_contacts_reasons():
    now = at(2025, 6, 2, 22, 0, tz="America/New_York")  # outside the window
    verdict = run(now=now)
    assert with_campaign_status(verdict, "running") is verdict
    suspended = with_campaign_status(verdict, "suspended")
    assert not suspended.eligible
    assert suspended.reasons == (Reason("campaign_not_running", "campaign is suspended"),
                                 *verdict.reasons)
    assert suspended.next_possible_at == verdict.next_possible_at
    eligible = run(now=at(2025, 6, 2, 12, 0, tz="America/New_York"))
    assert with_campaign_status(eligible, "draft").codes == ("campaign_not_running",)


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        run(now=dt.datetime(2025, 6, 2, 12, 0))


def test_reason_codes_are_stable_strings():
    assert {c.value for c in Code} == {
        "campaign_not_running", "not_waiting", "invalid_phone", "suppressed_device", "suppressed_client_id",
        "max_attempts", "international_not_allowed", "after_end_date", "before_start_date",
        "unknown_zone", "outside_window", "outside_daily_hours", "retry_not_due",
        "closed_day", "jurisdiction_hours", "number_cap", "recall_hold",
        "hourly_cap"}
    assert Code.OUTSIDE_WINDOW == "outside_window"


# --- DST ------------------------------------------------------------------------------


def test_us_spring_forward_window_opens_on_the_new_offset():
    tz = "America/New_York"  # 2025-03-09: 02:00 EST -> 03:00 EDT
    verdict = run(now=at(2025, 3, 9, 5, 0, tz=tz))
    assert verdict.next_possible_at == at(2025, 3, 9, 8, 0, tz=tz) == at(2025, 3, 9, 12, 0)


def test_window_starting_in_the_spring_gap_opens_at_the_jump():
    plan = PlanRules(window_start=dt.time(2, 30), window_stop=dt.time(21))
    before_jump = at(2025, 3, 9, 6, 59, 59)  # 01:59:59 EST
    verdict = run(plan=plan, now=before_jump)
    assert verdict.codes == ("outside_window",)
    assert verdict.next_possible_at == at(2025, 3, 9, 7, 0)  # 03:00 EDT: the jump itself
    assert run(plan=plan, now=at(2025, 3, 9, 7, 0)).eligible


def test_fall_back_repeats_the_hour():
    plan = PlanRules(window_start=dt.time(21), window_stop=dt.time(1, 30))
    # 2025-11-02 New York: 01:00-01:59 happens in EDT (05:00-05:59 UTC), then in EST
    assert run(plan=plan, now=at(2025, 11, 2, 5, 15)).eligible  # 01:15 EDT
    verdict = run(plan=plan, now=at(2025, 11, 2, 5, 45))  # 01:45 EDT
    assert verdict.codes == ("outside_window",)
    assert verdict.next_possible_at == at(2025, 11, 2, 6, 0)  # 01:00 EST: inside again
    assert not run(plan=plan, now=at(2025, 11, 2, 6, 30)).eligible  # 01:30 EST


def test_eu_switch_days():
    paris = dict(phone=PARIS, plan=WORLD)
    # 2025-03-30: 02:00 CET -> 03:00 CEST, so 08:00 is 06:00 UTC (07:00 UTC the day before)
    assert run(now=at(2025, 3, 29, 7, 0), **paris).eligible
    assert not run(now=at(2025, 3, 29, 6, 59), **paris).eligible
    assert run(now=at(2025, 3, 30, 6, 0), **paris).eligible
    assert run(now=at(2025, 3, 30, 4, 0), **paris).next_possible_at == at(2025, 3, 30, 6, 0)
    # 2025-10-26: back to CET; 21:00 is 20:00 UTC
    assert run(now=at(2025, 10, 26, 19, 59), **paris).eligible
    assert not run(now=at(2025, 10, 26, 20, 0), **paris).eligible


def test_half_hour_dst_lord_howe():
    # Lord Howe moves by 30 minutes: +11 in (southern) summer, +10:30 in winter
    contact = ContactState(phone=PARIS, explicit_zone="Australia/Lord_Howe")
    summer = run(contact=contact, plan=WORLD, now=at(2025, 1, 15, 20, 30))  # 07:30 local
    assert summer.next_possible_at == at(2025, 1, 15, 21, 0)
    winter = run(contact=contact, plan=WORLD, now=at(2025, 7, 15, 21, 0))  # 07:30 local
    assert winter.next_possible_at == at(2025, 7, 15, 21, 30)


# --- properties -----------------------------------------------------------------------

NUMBERS = [NY, CHICAGO, PARIS, IDAHO, SOUTH_DAKOTA, NEWFOUNDLAND, ALASKA, TOLL_FREE]
SMALL_NUMBERS = [n for n in NUMBERS if n != TOLL_FREE]
EXPLICIT = [None, None, None, "Europe/London", "Australia/Lord_Howe", "America/St_Johns",
            "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
# US (second Sunday of March, first of November) and EU (last Sundays of March, October)
SWITCH_DAYS = [dt.date(2025, 3, 9), dt.date(2025, 11, 2), dt.date(2025, 3, 30),
               dt.date(2025, 10, 26), dt.date(2026, 3, 8), dt.date(2026, 11, 1),
               dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2027, 3, 14),
               dt.date(2027, 11, 7), dt.date(2027, 3, 28), dt.date(2027, 10, 31)]

any_instant = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                           timezones=st.just(UTC))
switch_instant = st.builds(
    lambda day, seconds: dt.datetime.combine(day, dt.time(), UTC) + dt.timedelta(seconds=seconds),
    st.sampled_from(SWITCH_DAYS), st.integers(-12 * 3600, 36 * 3600))
instants = st.one_of(any_instant, switch_instant)
minute_times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 0, 15, 30, 59]))
times = st.one_of(minute_times, st.times())


def inside(t: dt.time, start: dt.time, stop: dt.time) -> bool:
    """The window rule restated: [start, stop), wrapping past midnight when start > stop."""
    if start < stop:
        return start <= t < stop
    if start > stop:
        return not (stop <= t < start)
    return False


def callee_zones(phone, explicit):
    return (explicit,) if explicit else zones_for(phone)


@given(instants, times, times, st.sampled_from(NUMBERS), st.sampled_from(EXPLICIT))
def test_outside_window_iff_some_zone_is_outside(now, start, stop, phone, explicit):
    plan = PlanRules(window_start=start, window_stop=stop, international_allowed=True)
    contact = ContactState(phone=phone, explicit_zone=explicit)
    verdict = check(contact, US, plan, now=now, attempts_last_hour=0,
                    suppressed_devices=frozenset(), suppressed_client_ids=frozenset())
    walls = [now.astimezone(ZoneInfo(z)).time() for z in callee_zones(phone, explicit)]
    outside = not all(inside(t, start, stop) for t in walls)
    assert ("outside_window" in verdict.codes) == outside
    assert verdict.eligible == (not outside)  # nothing else applies here


@given(instants, st.sampled_from([IDAHO, SOUTH_DAKOTA, NEWFOUNDLAND, ALASKA, TOLL_FREE]))
def test_multi_zone_number_eligible_only_when_all_zones_inside(now, phone):
    verdict = check(ContactState(phone=phone), US, WORLD, now=now, attempts_last_hour=0,
                    suppressed_devices=frozenset(), suppressed_client_ids=frozenset())
    zones = zones_for(phone)
    assert len(zones) > 1
    walls = [now.astimezone(ZoneInfo(z)).time() for z in zones]
    assert verdict.eligible == all(dt.time(8) <= t < dt.time(21) for t in walls)


@st.composite
def scenarios(draw, numbers=NUMBERS):
    now = draw(instants)
    phone = draw(st.sampled_from(numbers))
    explicit = draw(st.sampled_from(EXPLICIT))
    all_day = draw(st.booleans()) and draw(st.booleans())
    plan = PlanRules(window_start=draw(st.none() | minute_times),
                     window_stop=draw(st.none() | minute_times), all_day=all_day,
                     international_allowed=True)
    has_daily = draw(st.booleans())
    daily_zone = draw(st.sampled_from([None, "Europe/Paris", "America/Chicago", "Asia/Tokyo"]))
    start_date = draw(st.none() | st.integers(-3, 12).map(
        lambda d: now.date() + dt.timedelta(days=d)))
    campaign = CampaignRules(
        home_region="US", timezone=daily_zone, start_date=start_date,
        daily_start=draw(st.none() | times) if has_daily else None,
        daily_stop=draw(st.none() | times) if has_daily else None)
    retry = draw(st.none() | st.integers(-600, 3 * 24 * 60).map(
        lambda m: now + dt.timedelta(minutes=m, seconds=draw(st.integers(0, 59)))))
    contact = ContactState(phone=phone, explicit_zone=explicit, next_attempt_at=retry)
    return now, contact, campaign, plan


def time_blocked(contact, campaign, plan, when) -> bool:
    """Independent oracle: does any time-based rule forbid `when`?"""
    callee = callee_zones(contact.phone, contact.explicit_zone)
    if contact.next_attempt_at is not None and when < contact.next_attempt_at:
        return True
    date_zones = (campaign.timezone,) if campaign.timezone else callee
    if campaign.start_date and any(when.astimezone(ZoneInfo(z)).date() < campaign.start_date
                                   for z in date_zones):
        return True
    if not plan.all_day:
        start = plan.window_start or dt.time(8)
        stop = plan.window_stop or dt.time(21)
        if not all(inside(when.astimezone(ZoneInfo(z)).time(), start, stop) for z in callee):
            return True
    if campaign.daily_start or campaign.daily_stop:
        start = campaign.daily_start or dt.time(0)
        daily_zones = (campaign.timezone,) if campaign.timezone else callee
        for z in daily_zones:
            t = when.astimezone(ZoneInfo(z)).time()
            if not (t >= start if campaign.daily_stop is None
                    else inside(t, start, campaign.daily_stop)):
                return True
    return False


def time_codes(verdict):
    return set(verdict.codes) & TIME_CODES


def run_check(contact, campaign, plan, now):
    return check(contact, campaign, plan, now=now, attempts_last_hour=0,
                 suppressed_devices=frozenset(), suppressed_client_ids=frozenset())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 10 ** 6))
def test_check_agrees_with_the_oracle(scenario, offset_minutes):
    now, contact, campaign, plan = scenario
    verdict = run_check(contact, campaign, plan, now)
    assert bool(time_codes(verdict)) == time_blocked(contact, campaign, plan, now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.data())
def test_next_possible_at_clears_time_reasons_and_nothing_earlier_does(scenario, data):
    now, contact, campaign, plan = scenario
    verdict = run_check(contact, campaign, plan, now)
    assert not set(verdict.codes) & PERMANENT_CODES
    npa = verdict.next_possible_at
    if npa is None:  # never within reach: sampled instants all blocked
        for minutes in data.draw(st.lists(st.integers(0, 20 * 24 * 60), max_size=30)):
            assert time_blocked(contact, campaign, plan, now + dt.timedelta(minutes=minutes))
        return
    assert npa >= now
    assert not time_codes(run_check(contact, campaign, plan, npa))
    assert not time_blocked(contact, campaign, plan, npa)
    if npa == now:
        assert not time_codes(verdict)
        return
    assert time_codes(verdict)
    # every minute step before it is still blocked (sampled, plus the last ones)
    span = int((npa - now) / dt.timedelta(minutes=1))
    steps = set(data.draw(st.lists(st.integers(0, span), max_size=40))) | {0, span}
    for k in sorted(steps):
        when = now + dt.timedelta(minutes=k)
        if when < npa:
            assert time_blocked(contact, campaign, plan, when), when
    assert time_blocked(contact, campaign, plan, npa - dt.timedelta(seconds=1)) or (
        npa - dt.timedelta(seconds=1) < now)


@settings(max_examples=40, deadline=None)
@given(scenarios(numbers=SMALL_NUMBERS))
def test_next_possible_at_exhaustive_at_minute_resolution(scenario):
    now, contact, campaign, plan = scenario
    npa = run_check(contact, campaign, plan, now).next_possible_at
    assume(npa is not None and npa - now < dt.timedelta(days=4))
    when = now
    while when < npa:
        assert time_blocked(contact, campaign, plan, when), when
        when += dt.timedelta(minutes=1)


def test_window_str():
    assert str(Window(dt.time(8), dt.time(21))) == "08:00-21:00"
    assert str(Window(dt.time(8), None)) == "08:00-24:00"
    assert str(Window(dt.time(8, 0, 30), dt.time(21))) == "08:00:30-21:00"
