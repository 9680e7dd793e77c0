"""The verdict an attempt was dialled under, as stored with it (`AttemptCompliance`) and
shown by GET /api/attempts/{id}/compliance: each zone's local time, the lists checked
with their as-of dates, the calling rules applied with their sources, the caps' counts.
`differences` compares a stored verdict with one recomputed from the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..outbound.eligibility import Verdict


@dataclass(frozen=True)
class ListChecked:
    """A do-not-call or suppression list the number was looked up in."""

    name: str
    as_of: dt.date | None
    registry: bool
    listed: bool


def evidence(verdict: Verdict, *, phone: str, purpose: str, at: dt.datetime,
             lists: tuple[ListChecked, ...], hourly: tuple[int, int | None]) -> dict[str, Any]:
    """The JSON document of `verdict`, reached for `phone` at `at` (aware)."""
    applied = verdict.applied
    return {
        "checked_at": at.isoformat(),
        "phone": phone,
        "purpose": purpose,
        "eligible": verdict.eligible,
        "reasons": [{"code": str(r.code), "message": r.message} for r in verdict.reasons],
        "zones": [{"zone": z, "local_time": at.astimezone(ZoneInfo(z)).isoformat()}
                  for z in verdict.zones],
        "jurisdictions": list(applied.jurisdictions) if applied else [],
        "rules": [{"jurisdiction": r.jurisdiction, "rule": r.name, "source": r.source}
                  for r in (applied.rules if applied else ())],
        "caps": [asdict(c) for c in (applied.caps if applied else ())],
        "lists": [{"name": x.name, "as_of": x.as_of.isoformat() if x.as_of else None,
                   "registry": x.registry, "listed": x.listed} for x in lists],
        "hourly_cap": {"count": hourly[0], "limit": hourly[1]},
    }


# What a recomputation must reproduce. Lists are left out: a list re-imported since has a
# new as-of date; whether the number is on it now is reported apart.
COMPARED = ("eligible", "zones", "jurisdictions", "rules", "caps")


def differences(stored: dict[str, Any], recomputed: dict[str, Any]) -> list[str]:
    """The compared keys on which the two verdicts disagree."""
    return [key for key in COMPARED if stored.get(key) != recomputed.get(key)]
