"""Recording consent (dialer/compliance/consent.py): the shipped table, where a number's
callee is, and what a recording campaign's call does under each setting."""

from __future__ import annotations

import pytest

from dialer.compliance.consent import (
    NOT_RECORDED, RULES, US_FEDERAL, ConsentAnnouncement as Setting, consent_for,
    region_of_callee, rule_for)

ALL_PARTY_STATES = {"CA", "CT", "FL", "IL", "MD", "MA", "MT", "NV", "NH", "PA", "WA"}
# A number per all-party state (the geocoder's name for each block differs: "Florida",
# "San Francisco, CA", "Washington State"...).
NUMBERS = {"CA": "+14155550100", "CT": "+12035550100", "FL": "+13055550100",
           "IL": "+17735550100", "MD": "+14105550100", "MA": "+16175550100",
           "MT": "+14065550100", "NV": "+17025550100", "NH": "+16035550100",
           "PA": "+12155550100", "WA": "+12065550100"}


def test_the_table_holds_the_eleven_all_party_states_each_with_its_statute():
    states = {r.removeprefix("US-") for r, rule in RULES.items()
              if r.startswith("US-") and rule.all_party}
    assert states == ALL_PARTY_STATES
    assert all(rule.source and rule.region == region for region, rule in RULES.items())
    assert {r for r in RULES if not r.startswith("US-")} == {"DE", "CH", "FR"}


@pytest.mark.parametrize("state", sorted(ALL_PARTY_STATES))
def test_a_number_of_each_all_party_state_is_placed_there(state):
    region = region_of_callee(NUMBERS[state])
    assert region == f"US-{state}" and rule_for(region) is RULES[region]


@pytest.mark.parametrize("number,region", [
    ("+12125550100", "US-NY"), ("+15125550100", "US-TX"), ("+12025550100", "US-DC"),
    ("+4930123456", "DE"), ("+33142685300", "FR"), ("+442071838750", "GB"),
    ("+18005550100", None),  # toll-free: no state
    ("+1555", None), ("not a number", None)])
def test_where_a_callee_is(number, region):
    assert region_of_callee(number) == region


def test_other_us_states_are_one_party_and_unknown_regions_are_not():
    assert rule_for("US-NY") is US_FEDERAL and not US_FEDERAL.all_party
    assert rule_for("GB") is None and rule_for(None) is None


@pytest.mark.parametrize("setting,number,record,announce", [
    (Setting.ALWAYS, "+12125550100", True, True),          # NY: one-party, still announced
    (Setting.ALWAYS, "+14155550100", True, True),
    (Setting.WHERE_REQUIRED, "+12125550100", True, False),  # one party (the agent) suffices
    (Setting.WHERE_REQUIRED, "+14155550100", True, True),   # California
    (Setting.WHERE_REQUIRED, "+4930123456", True, True),    # Germany
    (Setting.WHERE_REQUIRED, "+442071838750", True, True),  # not in the table: announced
    (Setting.WHERE_REQUIRED, "+18005550100", True, True),   # no state known: announced
    (Setting.NEVER, "+12125550100", True, False),           # one-party: recorded silently
    (Setting.NEVER, "+14155550100", False, False),          # all-party: not recorded at all
    (Setting.NEVER, "+442071838750", False, False),         # unknown: not recorded
])
def test_what_a_recording_campaigns_call_does(setting, number, record, announce):
    consent = consent_for(setting, True, number)
    assert (consent.record, consent.announce) == (record, announce)
    assert consent.region == region_of_callee(number)


@pytest.mark.parametrize("setting", list(Setting))
def test_a_campaign_that_does_not_record_neither_announces_nor_records(setting):
    assert consent_for(setting, False, "+14155550100") is NOT_RECORDED
