"""Calling rules by jurisdiction (dialer/compliance/jurisdictions.py, calling.py) as the
eligibility check applies them, on simulated time: hours, banned days, holidays, caps at
their boundaries, recall holds, DST, and next_possible_at."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.compliance.calling import CallingPolicy, PastCall
from dialer.compliance.jurisdictions import RULES, Purpose, jurisdictions_of, public_holiday
from dialer.outbound.eligibility import CampaignRules, Code, ContactState, PlanRules, check

UTC = dt.timezone.utc
MIAMI = "+13055550123"      # US-FL, America/New_York
NEW_ORLEANS = "+15045550123"  # US-LA, America/Chicago
DALLAS = "+12145550123"     # US-TX, America/Chicago
NEW_YORK = "+12125550123"   # US-NY: federal hours only
LONDON = "+442079460000"    # GB
CAMPAIGN = CampaignRules(home_region="US")
WORLD = PlanRules(international_allowed=True)


def at(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def verdict(phone: str, now: dt.datetime, **kw):
    return check(ContactState(phone=phone), CAMPAIGN, WORLD, now=now, attempts_last_hour=0, **kw)


def calls(*times: dt.datetime, outcome: str = "no_answer") -> tuple[PastCall, ...]:
    return tuple(PastCall(t, outcome) for t in times)


def test_jurisdiction_of_a_number_is_its_country_and_us_state():
    assert jurisdictions_of(MIAMI) == ("US", "US-FL")
    assert jurisdictions_of(NEW_YORK) == ("US", "US-NY")
    assert jurisdictions_of(LONDON) == ("GB",)
    assert jurisdictions_of("not a number") == ()


def test_every_shipped_rule_cites_its_source_and_sets_one_kind():
    for rule in RULES:
        assert rule.source and rule.name and rule.purposes
        assert sum(x is not None for x in (rule.hours, rule.cap, rule.recall)) == 1
        assert rule.hours is None or len(rule.hours.by_weekday) == 7


def test_florida_hours_end_at_20_callee_local_and_reopen_at_8():
    assert verdict(MIAMI, at("America/New_York", 2026, 12, 3, 19, 59)).eligible
    v = verdict(MIAMI, at("America/New_York", 2026, 12, 3, 20, 0))
    assert v.codes == (Code.JURISDICTION_HOURS,)
    assert "501.616(6)(a)" in v.reasons[0].message
    assert v.next_possible_at == at("America/New_York", 2026, 12, 4, 8, 0)
    # New York keeps the federal 21:00
    assert verdict(NEW_YORK, at("America/New_York", 2026, 12, 3, 20, 30)).eligible


def test_florida_cap_three_calls_per_rolling_24_hours():
    now = at("America/New_York", 2026, 12, 3, 12, 0)
    first = now - dt.timedelta(hours=23)
    history = calls(first, now - dt.timedelta(hours=5), now - dt.timedelta(hours=1))
    v = verdict(MIAMI, now, history=history)
    assert v.codes == (Code.NUMBER_CAP,)
    assert "3 calls" in v.reasons[0].message and "501.616(6)(b)" in v.reasons[0].message
    assert v.next_possible_at == first + dt.timedelta(hours=24)
    # exactly 24 h after the oldest call it no longer counts
    assert verdict(MIAMI, first + dt.timedelta(hours=24), history=history).eligible
    assert verdict(MIAMI, now, history=history[1:]).eligible
    # a cap for sales calls: informational calls are not held by it
    assert verdict(MIAMI, now, history=history,
                   policy=CallingPolicy(purpose=Purpose.INFORMATIONAL)).eligible


def test_a_cap_that_clears_outside_hours_waits_for_the_next_window():
    # cap clears at 21:30 local, Florida closes at 20:00: next day 08:00
    now = at("America/New_York", 2026, 12, 3, 19, 0)
    oldest = at("America/New_York", 2026, 12, 2, 21, 30)
    history = calls(oldest, now - dt.timedelta(hours=3), now - dt.timedelta(hours=2))
    v = verdict(MIAMI, now, history=history)
    assert v.next_possible_at == at("America/New_York", 2026, 12, 4, 8, 0)


def test_louisiana_bans_sundays_and_state_holidays():
    christmas = at("America/Chicago", 2026, 12, 25, 10, 0)  # a Friday
    assert public_holiday("US-LA", christmas.date()) == "Christmas Day"
    v = verdict(NEW_ORLEANS, christmas)
    assert v.codes == (Code.CLOSED_DAY,)
    assert "Christmas Day" in v.reasons[0].message and "45:811" in v.reasons[0].message
    assert v.next_possible_at == at("America/Chicago", 2026, 12, 26, 8, 0)
    saturday_night = at("America/Chicago", 2026, 12, 26, 20, 0)
    v = verdict(NEW_ORLEANS, saturday_night)
    assert v.next_possible_at == at("America/Chicago", 2026, 12, 28, 8, 0)  # Monday
    assert verdict(NEW_ORLEANS, at("America/Chicago", 2026, 12, 27, 12, 0)).codes == (
        Code.CLOSED_DAY,)


def test_texas_sundays_start_at_noon():
    sunday = at("America/Chicago", 2026, 12, 6, 11, 0)
    v = verdict(DALLAS, sunday)
    assert v.codes == (Code.JURISDICTION_HOURS,)
    assert v.next_possible_at == at("America/Chicago", 2026, 12, 6, 12, 0)
    assert verdict(DALLAS, at("America/Chicago", 2026, 12, 5, 9, 0)).eligible


def test_hours_across_the_dst_changes():
    # 2026-11-01 fall back in Florida: 20:00 EST is 01:00 UTC, not 00:00
    v = verdict(MIAMI, at("America/New_York", 2026, 11, 1, 20, 0))
    assert v.codes == (Code.JURISDICTION_HOURS,)
    assert verdict(MIAMI, dt.datetime(2026, 11, 2, 0, 30, tzinfo=UTC)).eligible  # 19:30 EST
    # 2027-03-14 spring forward: 08:00 EDT is 12:00 UTC
    v = verdict(MIAMI, dt.datetime(2027, 3, 14, 11, 0, tzinfo=UTC))  # 07:00 EDT
    assert v.next_possible_at == dt.datetime(2027, 3, 14, 12, 0, tzinfo=UTC)


def test_regulation_f_for_debt_collection_only():
    debt = CallingPolicy(purpose=Purpose.DEBT_COLLECTION)
    now = at("America/New_York", 2027, 1, 12, 12, 0)
    seven = calls(*(now - dt.timedelta(days=d, hours=1) for d in range(7)))
    v = verdict(NEW_YORK, now, history=seven, policy=debt)
    assert v.codes == (Code.NUMBER_CAP,) and "1006.14(b)(2)(i)" in v.reasons[0].message
    assert v.next_possible_at == min(c.started_at for c in seven) + dt.timedelta(days=7)
    assert verdict(NEW_YORK, now, history=seven[:6], policy=debt).eligible
    assert verdict(NEW_YORK, now, history=seven).eligible  # telemarketing: no such cap
    talked = calls(now - dt.timedelta(days=2), outcome="human")
    v = verdict(NEW_YORK, now, history=talked, policy=debt)
    assert v.codes == (Code.RECALL_HOLD,) and "1006.14(b)(2)(ii)" in v.reasons[0].message
    assert v.next_possible_at == talked[0].started_at + dt.timedelta(days=7)


def test_uk_no_automated_recall_within_72_hours_of_an_abandoned_call():
    now = at("Europe/London", 2026, 12, 3, 12, 0)
    abandoned = calls(now - dt.timedelta(hours=71), outcome="abandoned")
    v = verdict(LONDON, now, history=abandoned)
    assert v.codes == (Code.RECALL_HOLD,) and "Ofcom" in v.reasons[0].message
    assert v.next_possible_at == now + dt.timedelta(hours=1)
    assert verdict(LONDON, now + dt.timedelta(hours=1), history=abandoned).eligible
    # a preview campaign guarantees a live operator
    assert verdict(LONDON, now, history=abandoned, policy=CallingPolicy(live_operator=True)).eligible
    assert verdict(LONDON, now, history=calls(now - dt.timedelta(hours=2))).eligible


def test_account_calendar_and_per_number_caps():
    now = at("America/New_York", 2026, 12, 3, 12, 0)
    closed = CallingPolicy(closed_dates=frozenset({dt.date(2026, 12, 3), dt.date(2026, 12, 4)}))
    v = verdict(NEW_YORK, now, policy=closed)
    assert v.codes == (Code.CLOSED_DAY,) and "account" in v.reasons[0].message
    assert v.next_possible_at == at("America/New_York", 2026, 12, 5, 8, 0)
    capped = CallingPolicy(max_per_number_day=2, max_per_number_week=3)
    two = calls(now - dt.timedelta(hours=3), now - dt.timedelta(hours=2))
    v = verdict(NEW_YORK, now, policy=capped, history=two)
    assert v.codes == (Code.NUMBER_CAP,) and "the account's setting" in v.reasons[0].message
    assert [(c.limit, c.count) for c in v.applied.caps] == [(2, 2), (3, 2)]
    week = calls(now - dt.timedelta(days=6), now - dt.timedelta(days=5), now - dt.timedelta(days=4))
    v = verdict(NEW_YORK, now, policy=capped, history=week)
    assert v.codes == (Code.NUMBER_CAP,)
    assert v.next_possible_at == now + dt.timedelta(days=1)


NUMBERS = st.sampled_from([MIAMI, NEW_ORLEANS, DALLAS, NEW_YORK, LONDON])


@settings(max_examples=60, deadline=None)
@given(phone=NUMBERS, start=st.datetimes(min_value=dt.datetime(2026, 1, 1),
                                         max_value=dt.datetime(2027, 12, 31)),
       ages=st.lists(st.integers(0, 7 * 24 * 60), max_size=8),
       outcome=st.sampled_from(["no_answer", "abandoned", "human"]),
       purpose=st.sampled_from(list(Purpose)))
def test_next_possible_at_is_clear_and_nothing_just_before_it_is(phone, start, ages, outcome,
                                                                 purpose):
    now = start.replace(tzinfo=UTC)
    history = calls(*(now - dt.timedelta(minutes=a) for a in ages), outcome=outcome)
    policy = CallingPolicy(purpose=purpose, max_per_number_day=4)
    v = verdict(phone, now, history=history, policy=policy)
    if v.eligible or v.next_possible_at is None:
        return
    nxt = v.next_possible_at
    assert verdict(phone, nxt, history=history, policy=policy).eligible
    if nxt - dt.timedelta(seconds=1) >= now:
        assert not verdict(phone, nxt - dt.timedelta(seconds=1), history=history,
                           policy=policy).eligible
