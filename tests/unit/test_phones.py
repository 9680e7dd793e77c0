"""dialer.core.phones: E.164 normalisation, zones and regions of numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.core.phones import PhoneError, is_international, normalise, region_of, zones_for


@pytest.mark.parametrize("raw, region, expected", [
    ("(212) 555-0100", "US", "+12125550100"),
    ("212.555.0100", "us", "+12125550100"),  # region case does not matter
    ("+1 212 555 0100", "FR", "+12125550100"),  # explicit country code wins
    ("001 212 555 0100", "FR", "+12125550100"),  # international prefix from France
    ("01 42 68 53 00", "FR", "+33142685300"),
    ("+44 20 7946 0958", "US", "+442079460958"),
    ("1-800-FLOWERS", "US", "+18003569377"),  # vanity letters
    ("+1 212 555 0100 ext. 12", "US", "+12125550100"),  # extension dropped
    ("  +33 6 12 34 56 78  ", "US", "+33612345678"),
])
def test_normalise(raw, region, expected):
    assert normalise(raw, region) == expected


@pytest.mark.parametrize("raw, region, reason", [
    ("hello", "US", "not a number"),
    ("", "US", "empty"),
    ("   ", "US", "empty"),
    ("12", "US", "too short"),
    ("+1 212 555 010", "US", "too short"),
    ("+1 212 555 010000", "US", "too long"),
    ("+1 123 555 0100", "US", "invalid for region US"),  # area codes never start with 1
    ("0612345678", "US", "invalid for region US"),  # a French mobile read as American
    ("+999 1234 5678", "US", "unknown country code"),
    ("212 555 0100", "", "no country code (and no valid default region)"),
    ("212 555 0100", "XX", "no country code (and no valid default region)"),
])
def test_normalise_errors_say_why(raw, region, reason):
    with pytest.raises(PhoneError) as caught:
        normalise(raw, region)
    assert caught.value.reason == reason
    assert str(caught.value) == reason


def test_phone_error_is_a_value_error():
    assert issubclass(PhoneError, ValueError)


@pytest.mark.parametrize("e164, zones", [
    ("+12125550100", ("America/New_York",)),
    ("+13125550100", ("America/Chicago",)),
    ("+33142685300", ("Europe/Paris",)),
    ("+12085550100", ("America/Boise", "America/Los_Angeles")),  # Idaho: two zones
    ("+16055550100", ("America/Denver", "America/North_Dakota/Center")),
])
def test_zones_for(e164, zones):
    assert zones_for(e164) == zones


def test_toll_free_number_may_ring_in_many_zones():
    zones = zones_for("+18005551234")
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)


def test_zones_for_drops_the_unknown_placeholder():
    # +800 is a non-geographic (international freephone) code: phonenumbers has no zone
    assert zones_for("+80012345678") == ()
    assert "Etc/Unknown" not in zones_for("+12125550100")


def test_zones_for_rejects_what_is_not_e164():
    with pytest.raises(PhoneError):
        zones_for("2125550100")


@pytest.mark.parametrize("e164, region", [
    ("+12125550100", "US"),
    ("+16045550100", "CA"),
    ("+33142685300", "FR"),
    ("+80012345678", "001"),
    ("+11235550100", "ZZ"),  # parses, but no region claims it
])
def test_region_of(e164, region):
    assert region_of(e164) == region


def test_is_international_compares_regions_not_country_codes():
    assert not is_international("+12125550100", "US")
    assert not is_international("+12125550100", "us")
    assert is_international("+16045550100", "US")  # Canada shares +1 but is abroad
    assert is_international("+33142685300", "US")
    assert not is_international("+33142685300", "FR")


@given(st.text(max_size=40), st.sampled_from(["US", "FR", "GB", "", "XX"]))
def test_normalise_only_raises_phone_error_and_is_idempotent(raw, region):
    try:
        e164 = normalise(raw, region)
    except PhoneError as exc:
        assert exc.reason
        return
    assert e164.startswith("+") and e164[1:].isdigit() and len(e164) <= 16
    assert normalise(e164, "ZZ") == e164
