"""The agents' side REST API: followups, suppression lists, scripts, dispositions, timeline.

Registered by `create_app`, whose `json_errors` middleware turns FieldError, ConflictError
and DoesNotExist into {"error": {"field", "message"}}.
Followup steps tied to a call (offer, launch, complete, expire) belong to the runtime and
have no endpoint: marking one launched without dialling it would be a lie.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from ..db import permissions, scripts, suppression, timeline
from ..followups import store as followups
from ..followups.decisions import utc
from ..db.validation import FieldError, boolean
from . import access
from .common import DIALER, json_body, page, parse_id, path_id

routes = web.RouteTableDef()




async def _run(request: web.Request, fn, /, *args, **kwargs):
    return await request.app[DIALER].store.run(fn, *args, **kwargs)


def _now(request: web.Request) -> dt.datetime:
    return request.app[DIALER].now()




def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)




def _query_int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None:
        return None
    return parse_id(name, value)


def _query_time(request: web.Request, name: str) -> dt.datetime | None:
    value = request.query.get(name)
    if value is None:
        return None
    try:
        return utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise FieldError(name, "not an ISO 8601 date and time") from None


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


@routes.post("/api/agents/{id}/manual-dial/check")
async def check_manual_dial(request: web.Request) -> web.Response:
    """May this agent dial this number by hand? 200 with the E.164 number, else 409."""
    agent_id = path_id(request)
    body = await json_body(request, ("number", "default_region"))
    return _json(await _run(request, permissions.check_manual_dial, agent_id,
                            body.get("number"), body.get("default_region")))


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


# --- scripts, answers, dispositions, timeline -------------------------------------------------


@routes.get("/api/accounts/{id}/scripts")
async def list_scripts(request: web.Request) -> web.Response:
    return page(request, await _run(request, scripts.list_scripts, path_id(request)))


@routes.post("/api/accounts/{id}/scripts")
async def create_script(request: web.Request) -> web.Response:
    account_id = path_id(request)
    body = await json_body(request, ("name", "definition", "dispositions"))
    return _json(await _run(request, scripts.create_script, account_id, **body), 201)


@routes.get("/api/scripts/{id}")
async def get_script(request: web.Request) -> web.Response:
    return _json(await _run(request, scripts.get_script, path_id(request)))


@routes.patch("/api/scripts/{id}")
async def update_script(request: web.Request) -> web.Response:
    script_id = path_id(request)
    body = await json_body(request, ("name", "definition", "dispositions"))
    return _json(await _run(request, scripts.update_script, script_id, **body))


@routes.delete("/api/scripts/{id}")
async def delete_script(request: web.Request) -> web.Response:
    return _json(await _run(request, scripts.delete_script, path_id(request)))


@routes.get("/api/attempts/{id}/script")
async def attempt_script(request: web.Request) -> web.Response:
    return _json({"script": await _run(request, scripts.attempt_script, path_id(request))})


def _agent_id(body: dict) -> int | None:
    value = body.get("agent_id")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise FieldError("agent_id", "not an id")
    return value


@routes.put("/api/attempts/{id}/answers")
async def store_answers(request: web.Request) -> web.Response:
    attempt_id = path_id(request)
    body = await json_body(request, ("answers", "partial", "agent_id"))
    return _json(await _run(request, scripts.store_answers, attempt_id, body.get("answers"),
                            now=_now(request), agent_id=_agent_id(body),
                            partial=boolean("partial", body.get("partial", False))))


@routes.put("/api/attempts/{id}/disposition")
async def set_disposition(request: web.Request) -> web.Response:
    attempt_id = path_id(request)
    body = await json_body(request, ("disposition", "agent_id"))
    return _json(await _run(request, scripts.set_disposition, attempt_id,
                            body.get("disposition"), now=_now(request),
                            agent_id=_agent_id(body)))


def _search_args(request: web.Request) -> dict:
    return {"since": _query_time(request, "since"), "until": _query_time(request, "until"),
            "item_id": request.query.get("item_id"), "value": request.query.get("value")}


@routes.get("/api/contacts/{id}/answers")
async def contact_answers(request: web.Request) -> web.Response:
    return page(request, await _run(request, scripts.search_answers, contact_id=path_id(request),
                            visible=access.identity(request).campaigns,
                            **_search_args(request)))


@routes.get("/api/script-answers")
async def search_answers(request: web.Request) -> web.Response:
    """By campaign_id, contact_id, or an agent's session (agent_id with since/until); in
    the campaigns the caller's profile shows. Needs manage_campaigns, except for agents
    reading their own answers (agent_id their own)."""
    who = access.identity(request)
    named = {name: _query_int(request, name) for name in ("contact_id", "campaign_id",
                                                           "agent_id")}
    if not who.may("manage_campaigns") and (named["agent_id"] is None
                                            or named["agent_id"] != who.agent_id):
        raise access.deny(403, "agent_id", "needs manage_campaigns, or your own agent_id")
    await access.check_fields(request, who, named)
    return page(request, await _run(request, scripts.search_answers, **named,
                                    visible=who.campaigns, **_search_args(request)))


@routes.get("/api/contacts/{id}/timeline")
async def contact_timeline(request: web.Request) -> web.Response:
    return _json(await _run(request, timeline.contact_timeline, path_id(request),
                            access.identity(request).campaigns))
