"""Read side of the REST API for attempts (the calls made): lists, one attempt, the
recordings, and the filters the lists and the report share (`AttemptFilters`, in SQL).

Lists are newest first and paged by keyset (`keyset_paged`), as `listing.py` describes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

import peewee as pw

from .listing import iso, operator_dict, paged
from .models import Account, Agent, Attempt, Campaign, Contact, User
from .queries import Q, Visible, campaign_scope


def attempt_dict(a: Attempt) -> dict:
    duration = None
    if a.answered_at is not None and a.ended_at is not None:
        duration = max(0, round((a.ended_at - a.answered_at).total_seconds()))
    return {"id": a.id, "campaign_id": a.campaign_id, "contact_id": a.contact_id,
            "phone": a.phone, "caller_id": a.caller_id, "started_at": iso(a.started_at),
            "answered_at": iso(a.answered_at), "ended_at": iso(a.ended_at),
            "talk_seconds": duration, "outcome": a.outcome, "amd_status": a.amd_status,
            "amd_cause": a.amd_cause, "amd_detector": a.amd_detector,
            "amd_confidence": a.amd_confidence, "amd_seconds": a.amd_seconds,
            "hangup_cause": a.hangup_cause, "end_reason": a.end_reason,
            "agent": operator_dict(a.agent if a.agent_id else None),
            "agent_id": a.agent_id, "disposition": a.disposition,
            "disposition_at": iso(a.disposition_at), "recording_name": a.recording_name,
            "consent_announced": a.consent_announced,
            "answers": a.script_answers, "answers_at": iso(a.script_answers_at),
            "node": a.node}


def _attempts() -> pw.Select:
    return (Attempt.select(Attempt, Agent, User)
            .join(Agent, pw.JOIN.LEFT_OUTER).join(User, pw.JOIN.LEFT_OUTER)
            .switch(Attempt))


@dataclass(frozen=True)
class AttemptFilters:
    """Which attempts a list or report shows; every one runs in SQL. `started_from` and
    `started_to` bound `started_at` (naive UTC, from inclusive, to exclusive)."""

    outcome: str | None = None
    agent_id: int | None = None
    contact_id: int | None = None
    campaign_id: int | None = None
    recorded: bool = False
    started_from: dt.datetime | None = None
    started_to: dt.datetime | None = None

    def apply(self, query: Q) -> Q:
        if self.outcome:
            query = query.where(Attempt.outcome == self.outcome)
        if self.agent_id is not None:
            query = query.where(Attempt.agent == self.agent_id)
        if self.contact_id is not None:
            query = query.where(Attempt.contact == self.contact_id)
        if self.campaign_id is not None:
            query = query.where(Attempt.campaign == self.campaign_id)
        if self.recorded:
            query = query.where(Attempt.recording_name.is_null(False))
        if self.started_from is not None:
            query = query.where(Attempt.started_at >= self.started_from)
        if self.started_to is not None:
            query = query.where(Attempt.started_at < self.started_to)
        return query


def keyset_paged(query: pw.Select, limit: int, offset: int, before: int | None,
                 row: Callable[[Any], dict]) -> dict:
    """`paged` for lists newest first by id: `before` (an id) starts the page after the
    previous page's last item, an index seek however deep the page (OFFSET reads and
    drops every row it skips). `next_before` is the cursor of the next page (None on the
    last one); `total` counts the whole list, `before` aside."""
    total = query.order_by().count()
    if before is not None:
        query = query.where(Attempt.id < before)
    page = list(query.order_by(Attempt.id.desc()).limit(limit).offset(offset))
    return {"items": [row(r) for r in page], "total": total, "limit": limit,
            "offset": offset, "next_before": page[-1].id if len(page) == limit else None}


def list_campaign_attempts(campaign_id: int, limit: int, offset: int,
                           filters: AttemptFilters = AttemptFilters(),
                           before: int | None = None) -> dict:
    """Newest first; `filters` and the `before` cursor as in `keyset_paged`."""
    Campaign.get_by_id(campaign_id)
    query = filters.apply(_attempts().where(Attempt.campaign == campaign_id))
    return keyset_paged(query, limit, offset, before, attempt_dict)


def list_account_attempts(account_id: int, limit: int, offset: int, visible: Visible,
                          filters: AttemptFilters = AttemptFilters(),
                          before: int | None = None) -> dict:
    """The account's attempts in the campaigns the caller sees (and those of no campaign)."""
    Account.get_by_id(account_id)
    query = (_attempts().join(Contact, on=(Attempt.contact == Contact.id))
             .where(Contact.account == account_id))
    query = campaign_scope(filters.apply(query), Attempt.campaign, visible)
    return keyset_paged(query, limit, offset, before, attempt_dict)


def get_attempt(attempt_id: int) -> dict:
    return attempt_dict(_attempts().where(Attempt.id == attempt_id).get())


def recording_dict(a: Attempt) -> dict:
    return {"attempt_id": a.id, "campaign_id": a.campaign_id, "contact_id": a.contact_id,
            "recording_name": a.recording_name, "started_at": iso(a.started_at),
            "ended_at": iso(a.ended_at), "agent": operator_dict(a.agent if a.agent_id else None),
            "url": f"/api/attempts/{a.id}/recording"}


def list_campaign_recordings(campaign_id: int, limit: int, offset: int) -> dict:
    """Recorded attempts, newest first; the audio is at each one's `url`."""
    Campaign.get_by_id(campaign_id)
    query = (_attempts().where((Attempt.campaign == campaign_id)
                               & Attempt.recording_name.is_null(False))
             .order_by(Attempt.id.desc()))
    return paged(query, limit, offset, recording_dict)


def recording_name(attempt_id: int) -> str | None:
    return Attempt.get_by_id(attempt_id).recording_name
