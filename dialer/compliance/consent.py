"""Recording consent: where the callee must hear that the call is recorded, and what a
recording campaign's call does about it. Pure: the shipped table and one decision.

The callee's region is read from the number (libphonenumber's geocoding: a US number's
state is where its number block was assigned, not where a mobile phone is today). A region
the table does not know is treated as requiring every party's consent: unknown is never
taken for one-party.

The table is data with its source; it is what the dialer enforces, not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers as pn
from ..core.us_area_codes import us_state


class ConsentAnnouncement(StrEnum):
    """A recording campaign's `consent_announcement` setting."""

    ALWAYS = "always"                   # every recorded call hears it first
    WHERE_REQUIRED = "where required"   # only callees whose region requires all-party consent
    NEVER = "never"                     # no announcement: recorded only where one party suffices


DEFAULT_PROMPT = "conf-now-recording"  # the shipped sound ("...is now being recorded")


@dataclass(frozen=True)
class ConsentRule:
    region: str          # ISO 3166-1 country or 3166-2 subdivision ("US-CA", "DE")
    all_party: bool      # every party must consent (be told before recording starts)
    source: str          # the statute


# All-party consent: the eleven US states whose statutes require every party's consent to
# record a telephone call, and countries whose criminal code protects the spoken word of
# each participant. Every other US state follows the federal one-party rule.
US_FEDERAL = ConsentRule("US", False, "18 U.S.C. § 2511(2)(d) (one party's consent)")
RULES: dict[str, ConsentRule] = {r.region: r for r in (
    ConsentRule("US-CA", True, "Cal. Penal Code §§ 632, 632.7"),
    ConsentRule("US-CT", True, "Conn. Gen. Stat. § 52-570d (civil liability; the criminal "
                               "§ 53a-187 is one-party)"),
    ConsentRule("US-FL", True, "Fla. Stat. § 934.03(2)(d)"),
    ConsentRule("US-IL", True, "720 ILCS 5/14-2(a)"),
    ConsentRule("US-MD", True, "Md. Code, Cts. & Jud. Proc. § 10-402(c)(3)"),
    ConsentRule("US-MA", True, "Mass. Gen. Laws ch. 272, § 99"),
    ConsentRule("US-MT", True, "Mont. Code Ann. § 45-8-213(1)(c)"),
    ConsentRule("US-NV", True, "Nev. Rev. Stat. § 200.620 (wire communications)"),
    ConsentRule("US-NH", True, "N.H. Rev. Stat. Ann. § 570-A:2"),
    ConsentRule("US-PA", True, "18 Pa. Cons. Stat. §§ 5703, 5704(4)"),
    ConsentRule("US-WA", True, "Rev. Code Wash. § 9.73.030(1)(a)"),
    ConsentRule("DE", True, "StGB § 201(1) (Vertraulichkeit des Wortes)"),
    ConsentRule("CH", True, "StGB Art. 179ter (unbefugtes Aufnehmen von Gesprächen)"),
    ConsentRule("FR", True, "Code pénal art. 226-1"),
)}


def region_of_callee(e164: str) -> str | None:
    """"US-CA" for a Californian number, the country ("DE") elsewhere; None when the
    number says nothing (invalid, or a US number with no state: toll-free, non-geographic)."""
    try:
        number = pn.parse(e164, None)
    except pn.NumberParseException:
        return None
    country = pn.region_code_for_number(number)
    if country is None:
        return None
    if country != "US":
        return country
    state = us_state(number)
    return f"US-{state}" if state else None


def rule_for(region: str | None) -> ConsentRule | None:
    """The region's rule; a US state not listed follows the federal one-party rule; None:
    nothing known (treated as all-party)."""
    if region is None:
        return None
    if region in RULES:
        return RULES[region]
    return US_FEDERAL if region.startswith("US-") else None


@dataclass(frozen=True)
class RecordingConsent:
    """What one call does about recording: announce first, then record (or not at all)."""

    record: bool
    announce: bool
    region: str | None
    rule: ConsentRule | None


NOT_RECORDED = RecordingConsent(False, False, None, None)


def consent_for(setting: ConsentAnnouncement, records: bool, e164: str) -> RecordingConsent:
    """A recording campaign's call to `e164`: "always" announces; "where required"
    announces where every party must consent (or nothing is known); "never" records only
    where one party's consent is the rule, and otherwise does not record at all."""
    if not records:
        return NOT_RECORDED
    region = region_of_callee(e164)
    rule = rule_for(region)
    all_party = rule is None or rule.all_party
    if setting is ConsentAnnouncement.NEVER:
        return RecordingConsent(not all_party, False, region, rule)
    announce = setting is ConsentAnnouncement.ALWAYS or all_party
    return RecordingConsent(True, announce, region, rule)
