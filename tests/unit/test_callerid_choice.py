"""The caller-ID pool's pure decisions (issue 21): local presence by area code, region,
country; least used today; the daily cap; numbers rested on a low answer rate."""

from __future__ import annotations

import datetime as dt

from dialer.callerids.choice import (EXHAUSTED, Chosen, Exhausted, PoolNumber, PoolRules,
                                     choose, to_rest)
from dialer.callerids.presence import Presence, presence_of

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
NYC, LA, SF, CHICAGO, LONDON = ("+12125550150", "+13235550150", "+14155550150",
                                "+13125550150", "+442079460150")


def pool(*numbers: str, **figures: dict) -> list[PoolNumber]:
    return [PoolNumber(i, n, **figures.get(n, {})) for i, n in enumerate(numbers, 1)]


def picked(callee: str, numbers: list[PoolNumber], rules: PoolRules | None = None) -> str:
    choice = choose(callee, numbers, rules or PoolRules(), NOW)
    assert isinstance(choice, Chosen), choice
    return choice.number.number


def test_presence_reads_area_code_region_and_country():
    assert presence_of(NYC) == Presence("US", "NY", "1-212")
    assert presence_of(LONDON) == Presence("GB", "London", "44-20")
    assert presence_of("+447400123456") == Presence("GB")  # a mobile: no place
    assert presence_of("+1") == Presence()


def test_the_callees_area_code_first_then_region_then_country_then_anything():
    numbers = pool(LONDON, CHICAGO, SF, NYC)
    assert picked("+12125550199", numbers) == NYC               # same area code
    assert picked("+16505550199", numbers) == SF                # Mountain View, CA: region
    assert picked("+17135550199", numbers) == CHICAGO           # Houston: US, least used first
    assert picked("+442079460199", numbers) == LONDON
    assert picked("+33142685300", numbers) == LONDON            # France: none near: the oldest


def test_the_least_used_today_among_equally_close_numbers():
    numbers = pool(NYC, "+12125550151", "+12125550152",
                   **{NYC: {"calls_today": 5}, "+12125550151": {"calls_today": 2},
                      "+12125550152": {"calls_today": 2}})
    assert picked("+12125550199", numbers) == "+12125550151"


def test_capped_and_rested_numbers_are_passed_over_and_none_left_is_exhausted():
    rules = PoolRules(daily_cap=3)
    numbers = pool(NYC, SF, **{NYC: {"calls_today": 3},
                               SF: {"rested_since": NOW - dt.timedelta(days=1)}})
    choice = choose("+12125550199", numbers, rules, NOW)
    assert isinstance(choice, Exhausted) and choice.code == EXHAUSTED
    assert "rested (1) or at its daily cap of 3 calls (1)" in choice.reason
    later = NOW + dt.timedelta(days=7)  # the rest is over; the cap is the day's
    assert isinstance(choose("+12125550199", numbers, rules, later), Chosen)
    assert isinstance(choose(NYC, [], rules, NOW), Exhausted)
    all_rested = choose(NYC, numbers[1:], PoolRules(), NOW)
    assert isinstance(all_rested, Exhausted)
    assert all_rested.reason == "every number of the caller-ID pool is rested (1)"


def test_a_number_answered_well_below_the_pool_is_rested_with_why():
    rules = PoolRules(min_sample=30)
    figures = {NYC: {"finished": 40, "answers": 4}, SF: {"finished": 40, "answers": 16},
               CHICAGO: {"finished": 40, "answers": 14}, LONDON: {"finished": 10, "answers": 0}}
    [rest] = to_rest(pool(NYC, SF, CHICAGO, LONDON, **figures), rules, NOW)
    assert rest.number_id == 1 and "4/40 (10%) well below the pool's 26%" in rest.why
    # LONDON answered none, but on 10 calls: too few to judge


def test_no_rest_below_the_minimum_sample_nor_for_an_ordinary_spread():
    few = pool(NYC, SF, **{NYC: {"finished": 10, "answers": 0},
                           SF: {"finished": 10, "answers": 5}})
    assert to_rest(few, PoolRules(min_sample=30), NOW) == ()
    spread = pool(NYC, SF, **{NYC: {"finished": 50, "answers": 15},
                              SF: {"finished": 50, "answers": 20}})
    assert to_rest(spread, PoolRules(min_sample=30), NOW) == ()
