"""An account's webhook endpoints over HTTP: register, change, delete, a new secret; the
delivery log of each, and replay. Needs manage_users (web/access.py) and a profile that
shows every campaign: a webhook carries every call of the account."""

from __future__ import annotations

from aiohttp import web

from ..web import access
from ..web.common import DIALER, json_body, now, page, page_args, path_id, run
from . import store

routes = web.RouteTableDef()


def _whole_account(request: web.Request) -> None:
    """A user whose profile hides campaigns may not point the account's events
    (every campaign's) anywhere, nor read them."""
    if access.identity(request).campaigns is not None:
        raise access.deny(403, "profile_id", "webhooks carry every campaign's events: "
                                             "they need a profile that shows all campaigns")


def _allow_private(request: web.Request) -> bool:
    return request.app[DIALER].webhooks.settings.allow_private


@routes.get("/api/accounts/{id}/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    """The account's endpoints (never their secrets)."""
    _whole_account(request)
    return page(request, await run(request, store.list_endpoints, path_id(request)))


@routes.post("/api/accounts/{id}/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    """Register an endpoint: `url` (http or https), `events` (the kinds it receives),
    `enabled` (default true), `description`. The answer holds its signing `secret`,
    shown this once."""
    _whole_account(request)
    body = await json_body(request, store.FIELDS)
    created = await run(request, store.create_endpoint, path_id(request), body,
                        allow_private=_allow_private(request), now=now(request))
    request.app[DIALER].webhooks.endpoints_changed()
    return web.json_response(created, status=201)


@routes.get("/api/webhooks/{id}")
async def get_webhook(request: web.Request) -> web.Response:
    _whole_account(request)
    return web.json_response(await run(request, store.get_endpoint, path_id(request)))


@routes.patch("/api/webhooks/{id}")
async def update_webhook(request: web.Request) -> web.Response:
    """Change `url`, `events`, `enabled` or `description`."""
    _whole_account(request)
    body = await json_body(request, store.FIELDS)
    changed = await run(request, store.update_endpoint, path_id(request), body,
                        allow_private=_allow_private(request))
    request.app[DIALER].webhooks.endpoints_changed()
    return web.json_response(changed)


@routes.delete("/api/webhooks/{id}")
async def delete_webhook(request: web.Request) -> web.Response:
    """The endpoint, its deliveries and their log."""
    _whole_account(request)
    return web.json_response(await run(request, store.delete_endpoint, path_id(request)))


@routes.post("/api/webhooks/{id}/secret")
async def new_webhook_secret(request: web.Request) -> web.Response:
    """A new signing secret (shown this once); the old one stops at once."""
    _whole_account(request)
    return web.json_response(await run(request, store.new_secret, path_id(request)))


@routes.get("/api/webhooks/{id}/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    """The endpoint's delivery log, newest first: status, tries, the last answer's status
    code, error and duration. `?status=` pending, delivered or failed."""
    _whole_account(request)
    return web.json_response(await run(request, store.list_deliveries, path_id(request),
                                       request.query.get("status"), *page_args(request)))


@routes.get("/api/webhooks/{id}/deliveries/{delivery_id}")
async def get_delivery(request: web.Request) -> web.Response:
    """One delivery, the body it sends and each try (time, node, status code, error,
    duration)."""
    _whole_account(request)
    return web.json_response(await run(request, store.get_delivery, path_id(request),
                                       path_id(request, "delivery_id")))


@routes.post("/api/webhooks/{id}/deliveries/{delivery_id}/replay")
async def replay_delivery(request: web.Request) -> web.Response:
    """Send the delivery's event again now, as a new delivery (same event id)."""
    _whole_account(request)
    replayed = await run(request, store.replay, path_id(request),
                         path_id(request, "delivery_id"), now(request))
    request.app[DIALER].webhooks.wake()
    return web.json_response(replayed, status=201)
