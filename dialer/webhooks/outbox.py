"""The outbox: a delivery row per event and subscribed endpoint, written inside the
transaction of the change it tells about (so an event exists if and only if its change
was committed), and the sender's side: claiming due rows and recording each try.

Every function here runs inside the caller's transaction (`Store.run`, or the store
function that made the change)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from ..db.database import is_postgres
from ..db.fields import to_naive_utc
from ..db.models import (Agent, Attempt, Campaign, CampaignContact, Contact, Followup, User,
                         WebhookDelivery, WebhookEndpoint, WebhookTry, database_proxy)
from ..db.rows import tuples
from . import events
from .policy import AfterTry, Status, TryResult

OPEN_CONTACT_STATES = ("waiting", "rescheduled", "in_progress")


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, with what the sender needs to send it."""

    delivery_id: int
    event_id: str
    kind: str
    url: str
    secret: str
    body: str
    attempts: int  # tries before this one


def _subscribers(account_id: int, kind: str) -> list[int]:
    rows = tuples(WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events)
                  .where((WebhookEndpoint.account == account_id) & WebhookEndpoint.enabled))
    return [endpoint_id for endpoint_id, kinds in rows if kind in (kinds or ())]


def any_subscribed(kind: str) -> bool:
    """Does any enabled endpoint of any account take this kind?"""
    return any(kind in (kinds or ()) for (kinds,) in tuples(
        WebhookEndpoint.select(WebhookEndpoint.events).where(WebhookEndpoint.enabled)))


def record(account_id: int, event: events.WebhookEvent, now: dt.datetime) -> int:
    """Queue the event for every enabled endpoint of the account subscribed to its kind;
    how many deliveries were queued."""
    endpoints = _subscribers(account_id, event.kind)
    if not endpoints:
        return 0
    event_id = f"evt_{uuid.uuid4().hex}"
    body = events.body(event, event_id=event_id, account_id=account_id, at=now)
    at = to_naive_utc(now)
    WebhookDelivery.insert_many([
        {"endpoint": endpoint_id, "event_id": event_id, "kind": event.kind, "body": body,
         "next_attempt_at": at, "created_at": at} for endpoint_id in endpoints]).execute()
    return len(endpoints)


def attempt_finished(attempt_id: int, now: dt.datetime) -> None:
    """The attempt was just closed: tell the account."""
    a = (Attempt.select(Attempt, Contact.account).join(Contact)
         .where(Attempt.id == attempt_id).get())
    record(a.contact.account_id, events.AttemptFinished(
        attempt_id=a.id, campaign_id=a.campaign_id, contact_id=a.contact_id, phone=a.phone,
        outcome=a.outcome or "", started_at=a.started_at, answered_at=a.answered_at,
        ended_at=a.ended_at or now, hangup_cause=a.hangup_cause, agent_id=a.agent_id,
        disposition=a.disposition), now)


def campaign_finished_if_done(campaign_id: int, now: dt.datetime) -> None:
    """A contact of the campaign reached its end: if none is left to call (waiting,
    rescheduled or being called), the campaign has finished. On PostgreSQL the campaign's
    row is locked first, so of two nodes closing its last two contacts at once the second
    sees the first's change and one of them tells."""
    campaign = Campaign.get_by_id(campaign_id)
    if not _subscribers(campaign.account_id, events.CampaignFinished.kind):
        return
    if is_postgres(database_proxy):
        Campaign.select(Campaign.id).where(Campaign.id == campaign_id).for_update().execute()
    if CampaignContact.select().where((CampaignContact.campaign == campaign_id)
                                      & CampaignContact.state.in_(OPEN_CONTACT_STATES)
                                      ).exists():
        return
    record(campaign.account_id, events.CampaignFinished(campaign_id, campaign.name,
                                                        "completed"), now)


def followup_moved(f: Followup, tell: bool, now: dt.datetime) -> None:
    """A followup was created or changed status: `tell` when it is newly scheduled or has
    just expired (not when an offer is withdrawn back to scheduled)."""
    if not tell:
        return
    if f.status == "scheduled":
        record(f.account_id, events.FollowupScheduled(
            followup_id=f.id, agent_id=f.agent_id, contact_id=f.contact_id,
            campaign_id=f.campaign_id, scheduled_at=f.scheduled_at, timezone=f.timezone,
            source=f.source), now)
    elif f.status == "expired":
        record(f.account_id, events.FollowupExpired(
            followup_id=f.id, agent_id=f.agent_id, contact_id=f.contact_id,
            campaign_id=f.campaign_id, scheduled_at=f.scheduled_at, reason=f.status_reason),
            now)


def agent_state_changed(event: events.AgentStateChanged, now: dt.datetime) -> int:
    """Queue an agent's new state for the agent's account."""
    row = (User.select(User.account).join(Agent).where(Agent.id == event.agent_id)
           .tuples().first())
    return record(row[0], event, now) if row else 0


def release_claims(node: str) -> int:
    """At start: this node's earlier process is gone, and so are its sends in flight."""
    return (WebhookDelivery.update(claimed_by=None, claimed_until=None)
            .where(WebhookDelivery.claimed_by == node).execute())


def prune(before: dt.datetime) -> int:
    """Delete deliveries done with (delivered or given up) made before `before`, with
    their tries; pending ones stay whatever their age."""
    return (WebhookDelivery.delete()
            .where((WebhookDelivery.status != Status.PENDING.value)
                   & (WebhookDelivery.created_at < to_naive_utc(before))).execute())


def claim_due(node: str, now: dt.datetime, limit: int, lease: dt.timedelta) -> list[Outgoing]:
    """Take up to `limit` due deliveries for `node` until now + `lease` (a node that dies
    mid-send leaves its claim to expire; then another sends it). PostgreSQL: SELECT ...
    FOR UPDATE SKIP LOCKED, so nodes claiming at once take different rows; SQLite has
    one writer at a time."""
    at = to_naive_utc(now)
    query = (WebhookDelivery.select(WebhookDelivery.id)
             .where((WebhookDelivery.status == Status.PENDING.value)
                    & (WebhookDelivery.next_attempt_at <= at)
                    & (WebhookDelivery.claimed_until.is_null()
                       | (WebhookDelivery.claimed_until < at)))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    if is_postgres(database_proxy):
        query = query.for_update(skip_locked=True)
    ids = [i for (i,) in tuples(query)]
    if not ids:
        return []
    (WebhookDelivery.update(claimed_by=node, claimed_until=at + lease)
     .where(WebhookDelivery.id.in_(ids)).execute())
    rows = (WebhookDelivery.select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint).where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id))
    return [Outgoing(d.id, d.event_id, d.kind, d.endpoint.url, d.endpoint.secret, d.body,
                     d.attempts) for d in rows]


def finish_try(delivery_id: int, node: str, result: TryResult, after: AfterTry,
               now: dt.datetime) -> bool:
    """Log the try and move the delivery on, if `node` still holds its claim (else
    another node took it over after the claim expired: only the log is kept)."""
    at = to_naive_utc(now)
    WebhookTry.create(delivery=delivery_id, at=at, node=node, status_code=result.status_code,
                      error=result.error, duration_ms=result.duration_ms)
    values: dict[str, Any] = {"attempts": WebhookDelivery.attempts + 1, "status": after.status.value,
              "claimed_by": None, "claimed_until": None,
              "last_status_code": result.status_code, "last_error": result.error,
              "last_duration_ms": result.duration_ms}
    if after.next_attempt_at is not None:
        values["next_attempt_at"] = to_naive_utc(after.next_attempt_at)
    if after.status is Status.DELIVERED:
        values["delivered_at"] = at
    return bool(WebhookDelivery.update(**values)
                .where((WebhookDelivery.id == delivery_id)
                       & (WebhookDelivery.claimed_by == node)).execute())
