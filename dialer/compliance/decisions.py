"""Do-not-call decisions, pure: is a registry list too old for a campaign, and what to say
about a listed number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ListAge:
    """A registry list a campaign relies on."""

    list_id: int
    name: str
    as_of: dt.date | None  # None: never imported, as good as infinitely old


@dataclass(frozen=True)
class Hit:
    """A number (or client id) found on a list."""

    value: str
    list_name: str
    as_of: dt.date | None
    client_id: bool = False  # the value is a client id, not a number


def stale_reason(lists: tuple[ListAge, ...], max_age_days: int, today: dt.date) -> str | None:
    """Why a campaign may not dial today because of its registry lists, or None. A list is
    too old once more than `max_age_days` have passed since its as-of date."""
    stale = [a for a in lists if a.as_of is None or (today - a.as_of).days > max_age_days]
    if not stale:
        return None
    named = ", ".join(f"{a.name!r} (as of {a.as_of.isoformat() if a.as_of else 'never'})"
                      for a in stale)
    return (f"do-not-call registry older than the campaign's {max_age_days}-day limit: "
            f"{named}; import a newer copy")


def hit_reason(hit: Hit) -> str:
    when = f" (as of {hit.as_of.isoformat()})" if hit.as_of else ""
    what = f"client id {hit.value!r}" if hit.client_id else hit.value
    return f"{what} is on do-not-call list {hit.list_name!r}{when}"


DO_NOT_CALL_DISPOSITIONS = frozenset({"do-not-call", "do_not_call", "dnc"})  # any case


def is_do_not_call(disposition: str | None) -> bool:
    """An agent's result that puts the number on the account's internal list."""
    return (disposition or "").strip().casefold() in DO_NOT_CALL_DISPOSITIONS
