"""Followups and suppression lists over HTTP: an agent's followups, the account's
on-demand strategy, suppression lists and their entries.

Registered by `dialer.web.app.create_app`, whose `json_errors` middleware turns FieldError,
ConflictError and DoesNotExist into {"error": {"field", "message"}}.
Followup steps tied to a call (offer, launch, complete, expire) belong to the runtime and
have no endpoint: marking one launched without dialling it would be a lie.
"""

from __future__ import annotations

from aiohttp import web

from ..db import listing, suppression
from . import store as followups
from ..db.validation import FieldError
from ..web import access
from ..web.common import answer as _json, json_body, page, paged, path_id, query_id
from ..web.common import now as _now, query_id as _query_int, run as _run

routes = web.RouteTableDef()


# --- followups ----------------------------------------------------------------------------


@routes.post("/api/agents/{id}/followups")
async def create_followup(request: web.Request) -> web.Response:
    agent_id = path_id(request)
    body = await json_body(request, ("local_time", "zone", "contact_id", "attempt_id",
                                 "campaign_id", "source", "data"))
    if "local_time" not in body:
        raise FieldError("local_time", "required")
    await access.check_fields(request, access.identity(request), {
        name: body.get(name) for name in ("contact_id", "attempt_id", "campaign_id")})
    return _json(await _run(request, followups.create_followup, agent_id,
                            now=_now(request), **body), 201)


@routes.get("/api/agents/{id}/followups")
async def agent_followups(request: web.Request) -> web.Response:
    return page(request, await _run(request, followups.list_followups, agent_id=path_id(request),
                            status=request.query.get("status"),
                            visible=access.identity(request).campaigns))


@routes.post("/api/agents/{id}/followups/{followup}/cancel")
async def cancel_followup(request: web.Request) -> web.Response:
    return _json(await _run(request, followups.cancel_followup, path_id(request, "followup"),
                            now=_now(request), agent_id=path_id(request)))


@routes.get("/api/followups/{id}")
async def get_followup(request: web.Request) -> web.Response:
    return _json(await _run(request, followups.get_followup, path_id(request)))


@routes.get("/api/contacts/{id}/followups")
async def contact_followups(request: web.Request) -> web.Response:
    return page(request, await _run(request, followups.list_followups, contact_id=path_id(request),
                            status=request.query.get("status"),
                            visible=access.identity(request).campaigns))


@routes.get("/api/accounts/{id}/on-demand-strategy")
async def get_strategy(request: web.Request) -> web.Response:
    return _json(await _run(request, followups.get_strategy, path_id(request)))


@routes.put("/api/accounts/{id}/on-demand-strategy")
async def set_strategy(request: web.Request) -> web.Response:
    account_id = path_id(request)
    body = await json_body(request, ("passes",))
    return _json(await _run(request, followups.set_strategy, account_id, body.get("passes")))


@routes.post("/api/accounts/{id}/on-demand-strategy/suppression-lists/{list}")
async def attach_strategy_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.attach_to_strategy, path_id(request, "list"),
                            path_id(request)))


@routes.delete("/api/accounts/{id}/on-demand-strategy/suppression-lists/{list}")
async def detach_strategy_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.detach_from_strategy, path_id(request, "list"),
                            path_id(request)))


# --- suppression lists ----------------------------------------------------------------------


@routes.get("/api/accounts/{id}/suppression-lists")
async def list_suppression_lists(request: web.Request) -> web.Response:
    """The account's lists but those attached to a campaign outside the caller's profile."""
    return page(request, await _run(request, suppression.list_lists, path_id(request),
                                    access.identity(request).campaigns))


@routes.post("/api/accounts/{id}/suppression-lists")
async def create_suppression_list(request: web.Request) -> web.Response:
    account_id = path_id(request)
    body = await json_body(request, ("name", "kind"))
    return _json(await _run(request, suppression.create_list, account_id,
                            name=body.get("name"), kind=body.get("kind")), 201)


@routes.get("/api/accounts/{id}/suppression-check")
async def check_suppression(request: web.Request) -> web.Response:
    campaign_id = _query_int(request, "campaign_id")
    await access.check_fields(request, access.identity(request), {"campaign_id": campaign_id})
    return _json(await _run(request, suppression.check_suppression, path_id(request),
                            phone=request.query.get("phone"),
                            client_id=request.query.get("client_id"),
                            campaign_id=campaign_id))


@routes.get("/api/suppression-lists/{id}")
async def get_suppression_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.get_list, path_id(request)))


@routes.patch("/api/suppression-lists/{id}")
async def rename_suppression_list(request: web.Request) -> web.Response:
    list_id = path_id(request)
    body = await json_body(request, ("name",))
    return _json(await _run(request, suppression.rename_list, list_id, **body))


@routes.delete("/api/suppression-lists/{id}")
async def delete_suppression_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.delete_list, path_id(request)))


@routes.get("/api/suppression-lists/{id}/entries")
async def list_entries(request: web.Request) -> web.Response:
    limit, offset = _query_int(request, "limit"), _query_int(request, "offset")
    return _json(await _run(request, suppression.list_entries, path_id(request),
                            limit=min(limit or 1000, 10_000), offset=offset or 0))


@routes.post("/api/suppression-lists/{id}/entries")
async def add_entries(request: web.Request) -> web.Response:
    list_id = path_id(request)
    body = await json_body(request, ("values", "default_region"))
    return _json(await _run(request, suppression.add_entries, list_id,
                            body.get("values"), body.get("default_region")))


@routes.post("/api/suppression-lists/{id}/entries/remove")
async def remove_entries(request: web.Request) -> web.Response:
    list_id = path_id(request)
    body = await json_body(request, ("values", "default_region"))
    return _json(await _run(request, suppression.remove_entries, list_id,
                            body.get("values"), body.get("default_region")))


@routes.post("/api/campaigns/{id}/suppression-lists/{list}")
async def attach_campaign_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.attach_to_campaign, path_id(request, "list"),
                            path_id(request)))


@routes.delete("/api/campaigns/{id}/suppression-lists/{list}")
async def detach_campaign_list(request: web.Request) -> web.Response:
    return _json(await _run(request, suppression.detach_from_campaign, path_id(request, "list"),
                            path_id(request)))


@routes.get("/api/accounts/{id}/followups")
async def list_account_followups(request: web.Request) -> web.Response:
    """The account's followups by start time, in the campaigns the caller's profile shows
    (and those of no campaign). Filters: `?status=`, `?agent_id=`, `?contact_id=`."""
    return await paged(request, followups.list_account_followups, path_id(request),
                       visible=access.identity(request).campaigns,
                       status=request.query.get("status"),
                       agent_id=query_id(request, "agent_id", blank_is_none=True),
                       contact_id=query_id(request, "contact_id", blank_is_none=True))


@routes.get("/api/campaigns/{id}/suppression-lists")
async def list_campaign_suppression_lists(request: web.Request) -> web.Response:
    """The suppression lists attached to the campaign."""
    return await paged(request, listing.list_campaign_suppression_lists, path_id(request))
