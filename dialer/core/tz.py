"""IANA zone names, loaded safely (user input reaches here from CSV files and forms)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@lru_cache(maxsize=1024)
def load_zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None if there is no such IANA zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None  # ValueError: not a valid key, e.g. "../etc/passwd" or ""


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_zone(name: str) -> str | None:
    """`name` as an IANA key, forgiving case ("europe/paris" -> "Europe/Paris"); None if unknown."""
    name = name.strip()
    if name and load_zone(name) is not None:
        return name
    return _by_folded_name().get(name.casefold())


def utc_now() -> dt.datetime:
    """The wall clock, aware UTC. Runtime classes take a `now` callable defaulting to this,
    so tests can run them on a simulated clock."""
    return dt.datetime.now(dt.UTC)
