"""An account's webhook endpoints (the REST API's side) and their delivery log: list,
read, replay. The outbox itself is outbox.py."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from ..db.audit import audited
from ..db.fields import to_naive_utc
from ..db.listing import iso, paged
from ..db.models import Account, WebhookDelivery, WebhookEndpoint, WebhookTry
from ..db.validation import FieldError, NotFoundError, reject_unknown, transaction
from . import events, policy

FIELDS = ("url", "events", "enabled", "description")


def _secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_dict(e: WebhookEndpoint) -> dict:
    """Never the secret: it is shown once, when made (create, new secret)."""
    return {"id": e.id, "account_id": e.account_id, "url": e.url, "events": list(e.events),
            "enabled": e.enabled, "description": e.description,
            "created_at": iso(e.created_at)}


def _clean(values: dict[str, Any], allow_private: bool) -> dict[str, Any]:
    reject_unknown(values, FIELDS)
    clean: dict[str, Any] = {}
    if "url" in values:
        try:
            clean["url"] = policy.check_url(values["url"], allow_private)
        except policy.UrlRefused as exc:
            raise FieldError("url", str(exc)) from None
    if "events" in values:
        kinds = values["events"]
        if not isinstance(kinds, list) or not kinds \
                or not all(isinstance(k, str) and k in events.KINDS for k in kinds):
            raise FieldError("events", "a non-empty list of: " + ", ".join(events.KINDS))
        clean["events"] = sorted(set(kinds), key=events.KINDS.index)
    if "enabled" in values:
        if not isinstance(values["enabled"], bool):
            raise FieldError("enabled", "must be true or false")
        clean["enabled"] = values["enabled"]
    if "description" in values:
        text = values["description"]
        if text is not None and (not isinstance(text, str) or len(text) > 255
                                 or "\x00" in text):
            raise FieldError("description", "text of at most 255 characters, or null")
        clean["description"] = text
    return clean


@audited("webhook_endpoint", target=None)
def create_endpoint(account_id: int, values: dict[str, Any], *, allow_private: bool,
                    now: dt.datetime) -> dict:
    """A new endpoint, and its signing secret: the only time it is shown."""
    Account.get_by_id(account_id)
    clean = _clean(values, allow_private)
    for name in ("url", "events"):
        if name not in clean:
            raise FieldError(name, "required")
    endpoint = WebhookEndpoint.create(account=account_id, secret=_secret(),
                                      created_at=to_naive_utc(now), **clean)
    return endpoint_dict(endpoint) | {"secret": endpoint.secret}


@audited("webhook_endpoint")
def update_endpoint(endpoint_id: int, values: dict[str, Any], *, allow_private: bool) -> dict:
    clean = _clean(values, allow_private)
    endpoint = WebhookEndpoint.get_by_id(endpoint_id)
    for name, value in clean.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint_dict(endpoint)


@audited("webhook_endpoint")
def new_secret(endpoint_id: int) -> dict:
    """Replace the signing secret (the old one stops at once); shown this once."""
    endpoint = WebhookEndpoint.get_by_id(endpoint_id)
    endpoint.secret = _secret()
    endpoint.save()
    return endpoint_dict(endpoint) | {"secret": endpoint.secret}


@audited("webhook_endpoint")
def delete_endpoint(endpoint_id: int) -> dict:
    """With its deliveries and their log."""
    WebhookEndpoint.get_by_id(endpoint_id).delete_instance()
    return {"id": endpoint_id, "deleted": True}


@transaction
def list_endpoints(account_id: int) -> list[dict]:
    Account.get_by_id(account_id)
    return [endpoint_dict(e) for e in WebhookEndpoint.select()
            .where(WebhookEndpoint.account == account_id).order_by(WebhookEndpoint.id)]


@transaction
def get_endpoint(endpoint_id: int) -> dict:
    return endpoint_dict(WebhookEndpoint.get_by_id(endpoint_id))


def delivery_dict(d: WebhookDelivery) -> dict:
    return {"id": d.id, "endpoint_id": d.endpoint_id, "event_id": d.event_id, "type": d.kind,
            "status": d.status, "attempts": d.attempts,
            "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
            "last_status_code": d.last_status_code, "last_error": d.last_error,
            "last_duration_ms": d.last_duration_ms, "delivered_at": iso(d.delivered_at),
            "replay_of": d.replay_of, "created_at": iso(d.created_at)}


def _delivery(endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """The endpoint's delivery: another endpoint's is not found here."""
    found = WebhookDelivery.get_or_none((WebhookDelivery.id == delivery_id)
                                        & (WebhookDelivery.endpoint == endpoint_id))
    if found is None:
        raise NotFoundError("delivery_id", "no such delivery of this endpoint")
    return found


@transaction
def list_deliveries(endpoint_id: int, status: str | None, limit: int, offset: int) -> dict:
    """A page, newest first; `status` pending, delivered or failed."""
    WebhookEndpoint.get_by_id(endpoint_id)
    query = WebhookDelivery.select().where(WebhookDelivery.endpoint == endpoint_id)
    if status is not None:
        if status not in tuple(s.value for s in policy.Status):
            raise FieldError("status", "one of pending, delivered, failed")
        query = query.where(WebhookDelivery.status == status)
    return paged(query.order_by(WebhookDelivery.id.desc()), limit, offset, delivery_dict)


@transaction
def get_delivery(endpoint_id: int, delivery_id: int) -> dict:
    """The delivery, the body it sends and every try."""
    d = _delivery(endpoint_id, delivery_id)
    tries = [{"at": iso(t.at), "node": t.node, "status_code": t.status_code,
              "error": t.error, "duration_ms": t.duration_ms}
             for t in WebhookTry.select().where(WebhookTry.delivery == d.id)
             .order_by(WebhookTry.id)]
    return delivery_dict(d) | {"body": d.body, "tries": tries}


@transaction
def replay(endpoint_id: int, delivery_id: int, now: dt.datetime) -> dict:
    """Send the delivery's event again, now, as a new delivery (same event id and body,
    signed afresh when sent), whatever became of the first."""
    d = _delivery(endpoint_id, delivery_id)
    at = to_naive_utc(now)
    again = WebhookDelivery.create(endpoint=endpoint_id, event_id=d.event_id, kind=d.kind,
                                   body=d.body, next_attempt_at=at, created_at=at,
                                   replay_of=d.id)
    return delivery_dict(again)
