"""Queries shared by the runtime and the web app.

Plain synchronous functions meant to run through `Store.run` (one call = one transaction);
each also opens its own `atomic()` so it is safe to call directly.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import peewee as pw

from .database import is_postgres
from .models import Campaign, CampaignContact, database_proxy
from .rows import tuples

Visible = frozenset[int] | None  # the campaigns a caller's profile shows (None: all)
Q = TypeVar("Q", bound=pw.Select)


def campaign_scope(query: Q, field: pw.Field, visible: Visible) -> Q:
    """Rows of visible campaigns only (rows without a campaign stay)."""
    if visible is None:
        return query
    return query.where(field.is_null() | field.in_(sorted(visible) or [0]))

CLAIMABLE_STATES = ("waiting", "rescheduled")


def _due(campaign_id: int, now: dt.datetime):
    cc = CampaignContact
    return ((cc.campaign == campaign_id) & cc.state.in_(CLAIMABLE_STATES)
            & (cc.next_attempt_at.is_null() | (cc.next_attempt_at <= now)))


def has_due(campaign_id: int, now: dt.datetime) -> bool:
    """Contacts `claim_contacts` would take now."""
    return CampaignContact.select().where(_due(campaign_id, now)).exists()


def claim_contacts(campaign_id: int, node: str, limit: int, now: dt.datetime) -> list[int]:
    """Take up to `limit` due contacts of a campaign for dialer node `node`.

    Due means state waiting/rescheduled and `next_attempt_at` NULL or <= `now` (UTC);
    oldest-due first, contacts never dialled (NULL) before or after those retries as the
    campaign's `dial_first` says. Claimed rows become `in_progress` with `claimed_by=node`,
    `claimed_at=now`. Returns the CampaignContact ids claimed, in that order.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so nodes claiming concurrently
    each get different rows without waiting on each other. SQLite has one writer at a
    time (and transactions start with BEGIN IMMEDIATE), so a plain select + update in
    one transaction cannot hand a row out twice.
    """
    cc = CampaignContact
    with database_proxy.atomic():
        first = Campaign.select(Campaign.dial_first).where(Campaign.id == campaign_id).scalar()
        fresh = "LAST" if first == "retries" else "FIRST"
        query = (cc.select(cc.id)
                 .where(_due(campaign_id, now))
                 .order_by(cc.next_attempt_at.asc(nulls=fresh), cc.id)
                 .limit(limit))
        if is_postgres(database_proxy):
            query = query.for_update(skip_locked=True)
        ids = [row_id for (row_id,) in tuples(query)]
        if ids:
            (cc.update(state="in_progress", claimed_by=node, claimed_at=now)
             .where(cc.id.in_(ids))
             .execute())
    return ids
