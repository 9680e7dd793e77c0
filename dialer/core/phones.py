"""Phone numbers: normalise to E.164 and find where (and when) a number rings.

Everything else in the dialer stores and compares E.164 strings; this module is the only
place that parses human input, so its error reasons are what an importing user reads.
"""

from __future__ import annotations

import phonenumbers as pn
from phonenumbers import timezone as pn_timezone

UNKNOWN_REGION = "ZZ"  # phonenumbers' own code for "no region"
_UNKNOWN_ZONE = "Etc/Unknown"  # phonenumbers' placeholder when it has no zone

_PARSE_REASONS = {
    pn.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    pn.NumberParseException.NOT_A_NUMBER: "not a number",
    pn.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    pn.NumberParseException.TOO_SHORT_NSN: "too short",
    pn.NumberParseException.TOO_LONG: "too long",
}
_LENGTH_REASONS = {
    pn.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    pn.ValidationResult.TOO_SHORT: "too short",
    pn.ValidationResult.TOO_LONG: "too long",
    pn.ValidationResult.INVALID_LENGTH: "wrong length",
}


class PhoneError(ValueError):
    """A number that cannot be dialled; `reason` is short and meant for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse(raw: str, region: str | None) -> pn.PhoneNumber:
    try:
        return pn.parse(raw, region)
    except pn.NumberParseException as exc:
        if exc.error_type == pn.NumberParseException.INVALID_COUNTRY_CODE and not raw.lstrip(
        ).startswith(("+", "00")):
            raise PhoneError("no country code (and no valid default region)") from None
        raise PhoneError(_PARSE_REASONS.get(exc.error_type, "not a number")) from None


def normalise(raw: str, default_region: str) -> str:
    """`raw` as E.164 ("+12125550100"); national numbers are read in `default_region`.

    Extensions are dropped: the dialer can only reach the main line anyway.
    """
    if not raw or not raw.strip():
        raise PhoneError("empty")
    number = _parse(raw, (default_region or "").upper() or None)
    reason = _LENGTH_REASONS.get(pn.is_possible_number_with_reason(number))
    if reason is not None:
        raise PhoneError(reason)
    if not pn.is_valid_number(number):
        region = pn.region_code_for_country_code(number.country_code or 0)
        raise PhoneError(f"invalid for region {region}")
    return pn.format_number(number, pn.PhoneNumberFormat.E164)


def _parse_e164(e164: str) -> pn.PhoneNumber:
    if not e164 or not e164.startswith("+"):
        raise PhoneError("not an E.164 number")
    return _parse(e164, None)


def zones_for(e164: str) -> tuple[str, ...]:
    """IANA zones the number may ring in (several for e.g. toll-free); () if unknown."""
    zones = pn_timezone.time_zones_for_number(_parse_e164(e164))
    return tuple(z for z in zones if z != _UNKNOWN_ZONE)


def region_of(e164: str) -> str:
    """ISO region ("US", "FR"; "001" for non-geographic services; "ZZ" if unknown)."""
    return pn.region_code_for_number(_parse_e164(e164)) or UNKNOWN_REGION


def is_international(e164: str, home_region: str) -> bool:
    """True unless the number belongs to `home_region` itself.

    Regions, not country codes: from the US, Canada and Jamaica (+1 too) are international.
    """
    return region_of(e164) != home_region.upper()
