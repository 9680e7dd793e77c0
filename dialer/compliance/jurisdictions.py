"""Calling rules by the callee's jurisdiction, shipped as data with their sources.

The federal US window (8:00-21:00 callee-local, 47 CFR 64.1200(c)(1)) is the plan's default
(outbound/eligibility.py). The rules here come on top of it, for the callee's location: the
US state of the number's area code (dialer/core/us_area_codes.py) or its country. Each rule names
the law it comes from; `RULES` is the table the README lists. Not legal advice: at the date
in `REVIEWED` the FL, LA, Regulation F and Ofcom rules were checked against the cited texts,
the others against secondary summaries only. A rule is a few lines of data to extend.

Pure: the holiday library (`holidays`) is deterministic data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import holidays
import phonenumbers as pn
from ..core.us_area_codes import us_state

REVIEWED = dt.date(2026, 12, 4)


class Purpose(StrEnum):
    """What a campaign's calls are for: which rules apply depends on it."""

    TELEMARKETING = "telemarketing"
    DEBT_COLLECTION = "debt_collection"
    INFORMATIONAL = "informational"


ALL_PURPOSES = frozenset(Purpose)
SALES = frozenset({Purpose.TELEMARKETING})
DEBT = frozenset({Purpose.DEBT_COLLECTION})


@dataclass(frozen=True)
class Hours:
    """Callee-local hours by weekday, Monday first; None: no calls that day."""

    by_weekday: tuple[tuple[dt.time, dt.time] | None, ...]
    holidays_closed: bool = False  # no calls on the jurisdiction's public holidays


@dataclass(frozen=True)
class Rule:
    """One rule of one jurisdiction ("US-FL", "GB"). Exactly one of `hours`, `cap`
    (calls, rolling period) or `recall` (outcomes, hold after such a call) is set."""

    jurisdiction: str
    name: str
    source: str
    purposes: frozenset[Purpose]
    hours: Hours | None = None
    cap: tuple[int, dt.timedelta] | None = None
    recall: tuple[frozenset[str], dt.timedelta] | None = None
    unless_live_operator: bool = False  # the rule is lifted when an agent is on every call


def _every_day(start: int, stop: int) -> Hours:
    return Hours(((dt.time(start), dt.time(stop)),) * 7)


def _mon_sat(start: int, stop: int, *, holidays_closed: bool) -> Hours:
    return Hours(((dt.time(start), dt.time(stop)),) * 6 + (None,), holidays_closed)


DAY = dt.timedelta(hours=24)
WEEK = dt.timedelta(days=7)

RULES: tuple[Rule, ...] = (
    Rule("US-FL", "hours 08:00-20:00", "Fla. Stat. s. 501.616(6)(a) (2021 SB 1120)", SALES,
         hours=_every_day(8, 20)),
    Rule("US-FL", "3 calls per 24 h per number", "Fla. Stat. s. 501.616(6)(b) (2021 SB 1120)",
         SALES, cap=(3, DAY)),
    Rule("US-OK", "hours 08:00-20:00", "Okla. Stat. tit. 15, s. 775C.4 (Telephone "
         "Solicitation Act of 2022)", SALES, hours=_every_day(8, 20)),
    Rule("US-OK", "3 calls per 24 h per number", "Okla. Stat. tit. 15, s. 775C.4", SALES,
         cap=(3, DAY)),
    Rule("US-MD", "hours 08:00-20:00", "Md. Code, Com. Law s. 14-4503 (Stop the Spam Calls "
         "Act of 2023)", SALES, hours=_every_day(8, 20)),
    Rule("US-MD", "3 calls per 24 h per number", "Md. Code, Com. Law s. 14-4503", SALES,
         cap=(3, DAY)),
    Rule("US-LA", "Monday-Saturday 08:00-20:00, no Sundays or state holidays",
         "La. Rev. Stat. s. 45:811(2)-(3) (automatic dialing equipment)", SALES,
         hours=_mon_sat(8, 20, holidays_closed=True)),
    Rule("US-TX", "Monday-Saturday 09:00-21:00, Sunday 12:00-21:00",
         "Tex. Bus. & Com. Code s. 301.051", SALES,
         hours=Hours(((dt.time(9), dt.time(21)),) * 6 + ((dt.time(12), dt.time(21)),))),
    Rule("US-CT", "hours 09:00-20:00", "Conn. Gen. Stat. s. 42-288a (as amended by P.A. "
         "23-98)", SALES, hours=_every_day(9, 20)),
    Rule("US-WA", "hours 08:00-20:00", "Rev. Code Wash. s. 80.36.390", SALES,
         hours=_every_day(8, 20)),
    Rule("US", "7 calls in 7 days per number (debt collection)",
         "12 CFR 1006.14(b)(2)(i) (Regulation F)", DEBT, cap=(7, WEEK)),
    Rule("US", "no call within 7 days after a conversation (debt collection)",
         "12 CFR 1006.14(b)(2)(ii) (Regulation F)", DEBT,
         recall=(frozenset({"human"}), WEEK)),
    Rule("GB", "no automated recall within 72 h of an abandoned call",
         "Ofcom, Persistent Misuse statement of policy (2016), Annex 1, abandoned calls",
         ALL_PURPOSES, recall=(frozenset({"abandoned"}), dt.timedelta(hours=72)),
         unless_live_operator=True),
)


def applicable(jurisdictions: tuple[str, ...], purpose: Purpose) -> tuple[Rule, ...]:
    """The shipped rules of these jurisdictions ("US" and "US-FL" both apply to Florida)
    for calls made for `purpose`."""
    return tuple(r for r in RULES if r.jurisdiction in jurisdictions and purpose in r.purposes)


# --- where is the callee? -------------------------------------------------------------


def jurisdictions_of(e164: str) -> tuple[str, ...]:
    """("US", "US-FL") for a Florida number, ("GB",) for a UK one, () if unknown. A US
    number's state is its area code's (a ported or moved number may be elsewhere: the
    contact's own time zone still sets its hours)."""
    try:
        number = pn.parse(e164, None)
    except pn.NumberParseException:
        return ()
    region = pn.region_code_for_number(number)
    if not region:
        return ()
    if region != "US":
        return (region,)
    state = us_state(number)
    return ("US", f"US-{state}") if state else ("US",)


@lru_cache(maxsize=64)
def _holiday_calendar(jurisdiction: str) -> holidays.HolidayBase | None:
    country, _, subdiv = jurisdiction.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError:
        return None


def public_holiday(jurisdiction: str, day: dt.date) -> str | None:
    """The name of the jurisdiction's public holiday on `day` (library `holidays`)."""
    calendar = _holiday_calendar(jurisdiction)
    return None if calendar is None else calendar.get(day)
