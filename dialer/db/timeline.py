"""A contact's timeline: every attempt, followup step, disposition and set of script
answers, in time order. One transaction; plain dicts out."""

from __future__ import annotations

import datetime as dt

from ..followups.decisions import utc
from ..followups.store import followup_dict
from .models import Attempt, Contact, Followup
from .queries import Visible, campaign_scope
from .validation import transaction

# Tie-break for events at the same instant: the order they happen in a call.
_ORDER = {"attempt": 0, "followup_scheduled": 1, "script_answers": 2, "disposition": 3,
          "followup_offered": 4, "followup_launched": 5, "followup_closed": 6}


def _event(at: dt.datetime, kind: str, **details) -> dict:
    return {"at": utc(at), "kind": kind, **details}


def _attempt_events(a: Attempt) -> list[dict]:
    events = [_event(a.started_at, "attempt", attempt_id=a.id, campaign_id=a.campaign_id,
                     phone=a.phone, outcome=a.outcome, agent_id=a.agent_id,
                     answered_at=a.answered_at and utc(a.answered_at).isoformat(),
                     ended_at=a.ended_at and utc(a.ended_at).isoformat(),
                     recording_name=a.recording_name)]
    if a.script_answers is not None:
        events.append(_event(a.script_answers_at or a.ended_at or a.started_at,
                             "script_answers", attempt_id=a.id, agent_id=a.agent_id,
                             answers=a.script_answers))
    if a.disposition is not None:
        events.append(_event(a.disposition_at or a.ended_at or a.started_at, "disposition",
                             attempt_id=a.id, agent_id=a.agent_id, disposition=a.disposition))
    return events


def _followup_events(f: Followup) -> list[dict]:
    info = followup_dict(f)
    brief = {"followup_id": f.id, "agent_id": f.agent_id, "status": f.status}
    events = [_event(f.created_at, "followup_scheduled", **brief,
                     scheduled_at=info["scheduled_at"], local_time=info["local_time"],
                     timezone=f.timezone, source=f.source, data=info["data"],
                     origin_attempt_id=f.origin_attempt_id)]
    if f.offered_at:
        events.append(_event(f.offered_at, "followup_offered", **brief))
    if f.launched_at:
        events.append(_event(f.launched_at, "followup_launched", **brief,
                             attempt_id=f.attempt_id))
    if f.closed_at:
        events.append(_event(f.closed_at, "followup_closed", **brief, reason=f.status_reason))
    return events


@transaction
def contact_timeline(contact_id: int, visible: Visible = None) -> dict:
    """{"contact_id", "name", "events": [{"at" (ISO UTC), "kind", ...}]} oldest first.

    Kinds: attempt, script_answers, disposition (per attempt), followup_scheduled,
    followup_offered, followup_launched, followup_closed (status and reason: completed,
    expired, cancelled, suppressed, incompatible_channel_type). "status" on followup
    events is the followup's current status. `visible`: only events of these campaigns
    (and of none).
    """
    contact = Contact.get_by_id(contact_id)
    events = []
    for a in campaign_scope(Attempt.select().where(Attempt.contact == contact_id),
                            Attempt.campaign, visible):
        events.extend(_attempt_events(a))
    for f in campaign_scope(Followup.select().where(Followup.contact == contact_id),
                            Followup.campaign, visible):
        events.extend(_followup_events(f))
    events.sort(key=lambda e: (e["at"], _ORDER[e["kind"]],
                               e.get("attempt_id") or 0, e.get("followup_id") or 0))
    for e in events:
        e["at"] = e["at"].isoformat()
    return {"contact_id": contact.id, "name": contact.name, "events": events}
