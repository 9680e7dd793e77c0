"""The aiohttp application: REST API (grows with the features)."""

from __future__ import annotations

import json
import logging
from typing import Sequence

import peewee as pw
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .. import __version__
from ..ari import AriError
from ..core.csv_import import CsvMappingError
from ..db import accounts, campaign_admin, contacts, permissions, plans
from ..inbound import store as inbound
from ..db import campaigns as campaign_db
from ..outbound import store as dialing
from ..db.fields import EnumValueError
from ..db.models import Campaign
from ..db.validation import (ConflictError, FieldError, ForbiddenError, NotFoundError,
                              reject_unknown)
from ..agents.shell import AgentStateError
from . import access, agent_api, console, hardening, resources_api, signin, users_api
from .common import DIALER, json_body, page, parse_id, path_id
from .pbx_checks import check_endpoint
from ..compliance import http as dnc_http
from .shared_reads import SHARED_READS

routes = web.RouteTableDef()
log = logging.getLogger(__name__)


def _error(status: int, field: str, message: str) -> web.Response:
    return web.json_response({"error": {"field": field, "message": message}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every API error is JSON that names the field at fault."""
    if request.path.startswith("/api/"):
        for name, value in request.query.items():
            if "\x00" in name or "\x00" in value:  # PostgreSQL stores and compares none
                return _error(400, name.replace("\x00", ""), "must not contain a NUL character")
    try:
        return await handler(request)
    except (campaign_db.CampaignStateError, AgentStateError) as exc:
        return _error(409, exc.field, str(exc))
    except ConflictError as exc:  # before FieldError: it is one
        return _error(409, exc.field, str(exc))
    except ForbiddenError as exc:  # and so is this
        return _error(403, exc.field, str(exc))
    except NotFoundError as exc:  # and this
        return _error(404, exc.field, str(exc))
    except FieldError as exc:
        return _error(400, exc.field, str(exc))
    except CsvMappingError as exc:
        return _error(400, exc.field, exc.reason)
    except EnumValueError as exc:  # e.g. ?status=nonsense reaching a query
        return _error(400, exc.field, exc.message)
    except pw.DataError as exc:  # a value the database refuses that no check caught
        log.warning("%s %s: the database refused a value: %s", request.method, request.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return _error(400, "body", "a value does not fit the database (too large or "
                                   "not storable)")
    except pw.DoesNotExist:
        return _error(404, "id", "no such object")
    except AriError as exc:
        return _error(502, "asterisk", str(exc))
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        if exc.content_type == "application/json":  # ours: access.deny, signin.refused
            return _answer(exc)
        field = {405: "method", 413: "body"}.get(exc.status, "path")  # aiohttp's own
        return _error(exc.status, field, exc.reason)


def _answer(exc: web.HTTPException) -> web.Response:
    """The error as a plain response. Raised on to aiohttp, the exception would stay in a
    reference cycle with its traceback and the request (aiohttp keeps it as the response
    in the frame that caught it) that only a full garbage collection frees: a sign-in
    flood's refusals piled up into 140 ms pauses of the event loop."""
    headers = {k: v for k, v in exc.headers.items()
               if k not in ("Content-Type", "Content-Length")}
    return web.Response(status=exc.status, reason=exc.reason, text=exc.text,
                        content_type=exc.content_type, headers=headers)




@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    ari_up = dialer.ari.connected.is_set()
    body = {"status": "ok" if ari_up else "degraded", "version": __version__,
            "node": dialer.cfg.node, "ari": {"connected": ari_up,
                                             "reconnects": dialer.ari.reconnects}}
    return web.json_response(body, status=200 if ari_up else 503)


@routes.post("/api/agents/{id}/{action:login|logout|ready|not-ready}")
async def agent_action(request: web.Request) -> web.Response:
    agents = request.app[DIALER].agents
    agent_id, action = path_id(request), request.match_info["action"]
    access.live_session(request, agent_id)
    if action == "login":
        return web.json_response(await agents.login(agent_id))
    if action == "logout":
        await agents.logout(agent_id)
    else:
        await agents.set_ready(agent_id, action == "ready")
    return web.json_response(agents.describe(agent_id))


@routes.get("/api/agents/{id}/preview")
async def agent_preview(request: web.Request) -> web.Response:
    """The contact on the agent's screen in a preview campaign (null if none)."""
    return web.json_response({"preview": access.live_session(request, path_id(request))
                              .get("preview")})  # a logged-out agent's has none


@routes.post("/api/agents/{id}/preview/{action:dial|skip}")
async def agent_preview_action(request: web.Request) -> web.Response:
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    if request.match_info["action"] == "dial":
        return web.json_response(await dialer.runner.dial_preview(agent_id))
    await dialer.agents.skip_preview(agent_id)
    return web.json_response(dialer.agents.describe(agent_id))


@routes.post("/api/agents/{id}/manual-dial")
async def manual_dial(request: web.Request) -> web.Response:
    """Dial a number by hand, for an agent whose group allows it; never a suppressed one."""
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    body = await json_body(request, ("number", "default_region"))
    allowed = await dialer.store.run(permissions.check_manual_dial, agent_id,
                                     body.get("number"), body.get("default_region"))
    return web.json_response(await dialer.runner.dial_manual(agent_id, allowed["number"]))


@routes.post("/api/campaigns/{id}/{action:start|suspend|resume|terminate|archive}")
async def campaign_action(request: web.Request) -> web.Response:
    status = {"start": "running", "resume": "running", "suspend": "suspended",
              "terminate": "terminated", "archive": "archived"}[request.match_info["action"]]
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_db.set_status, path_id(request), status))


def _progress(campaign_id: int) -> tuple[dict, int | None]:
    """The campaign's counts and its agent group."""
    return dialing.progress(campaign_id), Campaign.get_by_id(campaign_id).agent_group_id


@routes.get("/api/campaigns/{id}/progress")
async def campaign_progress(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    campaign_id = path_id(request)
    counts, group = await request.app[SHARED_READS].read(_progress, campaign_id)
    body = dict(counts)
    body["agents"] = sum(1 for v in dialer.agents.views()
                         if group is None or group in v.groups)
    body["in_flight"] = dialer.calls.in_flight(campaign_id)
    return web.json_response(body)


@routes.get("/api/campaigns/{id}/contacts/{contact}/why")
async def why_not(request: web.Request) -> web.Response:
    dialer = request.app[DIALER]
    return web.json_response(await dialer.store.run(campaign_db.why_not, path_id(request),
                                                    path_id(request, "contact"), dialer.now()))


# --- administration: plans, contacts, filters, campaigns --------------------------------




@routes.get("/api/plans")
async def list_plans(request: web.Request) -> web.Response:
    include = request.query.get("include_disabled", "").lower() in ("1", "true", "yes")
    return page(request, await request.app[DIALER].store.run(plans.list_plans, include))


@routes.post("/api/plans")
async def create_plan(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(plans.create_plan, **body),
                             status=201)


@routes.patch("/api/plans/{id}")
async def update_plan(request: web.Request) -> web.Response:
    body = await json_body(request)
    store = request.app[DIALER].store
    return web.json_response(await store.run(plans.update_plan, path_id(request), **body))


@routes.post("/api/plans/{id}/{action:enable|disable}")
async def plan_enabled(request: web.Request) -> web.Response:
    store = request.app[DIALER].store
    enabled = request.match_info["action"] == "enable"
    return web.json_response(await store.run(plans.set_plan_enabled, path_id(request), enabled))


async def _import_form(request: web.Request) -> dict:
    """multipart/form-data: a file part ("file" or "csv"), "mapping" as JSON text,
    "list_name", "default_region", "campaign_id"."""
    try:
        form = await request.post()
    except (HttpProcessingError, ValueError):  # a malformed part: aiohttp's own refusal
        raise FieldError("body", "not a valid multipart/form-data body") from None
    upload = form.get("file", form.get("csv"))
    raw = upload.file.read() if isinstance(upload, web.FileField) else upload
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldError("csv", "the file is not UTF-8 text") from None

    def field(name: str) -> str | None:  # the other parts are text fields, never files
        value = form.get(name)
        if isinstance(value, web.FileField):
            raise FieldError(name, "must be a text field, not a file")
        return value
    try:
        mapping = json.loads(field("mapping") or "null")
    except json.JSONDecodeError:
        raise FieldError("mapping", "not valid JSON") from None
    campaign_id = field("campaign_id") or None
    if campaign_id is not None:
        campaign_id = parse_id("campaign_id", campaign_id)
    return {"csv": raw, "mapping": mapping, "list_name": field("list_name"),
            "default_region": field("default_region"), "campaign_id": campaign_id}


@routes.post("/api/accounts/{id}/contacts/import")
async def import_contacts(request: web.Request) -> web.Response:
    if request.content_type.startswith("multipart/"):
        body = await _import_form(request)
    else:
        body = await json_body(request)
        reject_unknown(body, ("csv", "mapping", "list_name", "default_region", "campaign_id"))
    campaign_id = body.get("campaign_id")
    await access.check_fields(request, access.identity(request), {"campaign_id": campaign_id})
    store = request.app[DIALER].store
    result = await store.run(contacts.import_contacts, path_id(request),
                             body.get("list_name") or "Import", body.get("csv"),
                             body.get("mapping"), body.get("default_region") or "US",
                             campaign_id)
    return web.json_response(result, status=201)


@routes.post("/api/accounts/{id}/filters")
async def create_filter(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name", "definition"))
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.create_filter, path_id(request),
                                             body.get("name"), body.get("definition")),
                             status=201)


@routes.get("/api/filters/{id}/contacts")
async def filter_contacts(request: web.Request) -> web.Response:
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.filter_contacts, path_id(request)))


@routes.post("/api/campaigns/{id}/filters/{filter_id}")
async def attach_filter(request: web.Request) -> web.Response:
    store = request.app[DIALER].store
    return web.json_response(await store.run(contacts.attach_filter, path_id(request),
                                             path_id(request, "filter_id")))


@routes.post("/api/accounts/{id}/campaigns")
async def create_campaign(request: web.Request) -> web.Response:
    body = await json_body(request)
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.create_campaign, path_id(request),
                                             **body), status=201)


@routes.post("/api/campaigns/{id}/clone")
async def clone_campaign(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name",))
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.clone_campaign, path_id(request),
                                             body.get("name")), status=201)


@routes.post("/api/campaigns/{id}/caller-ids")
async def add_callerpath_id(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("number",))
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.add_caller_id, path_id(request),
                                             body.get("number")), status=201)


@routes.post("/api/campaigns/{id}/rules")
async def add_rule(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("condition", "action", "params", "position"))
    if "action" not in body:
        raise FieldError("action", "required")
    store = request.app[DIALER].store
    return web.json_response(await store.run(campaign_admin.add_rule, path_id(request), **body),
                             status=201)


@routes.post("/api/accounts")
async def create_account(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("name", "plan_id", "company_number", "timezone"))
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_account, **body), status=201)


@routes.post("/api/accounts/{id}/agent-groups")
async def create_agent_group(request: web.Request) -> web.Response:
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_agent_group, path_id(request), **body), status=201)


@routes.post("/api/accounts/{id}/agents")
async def create_agent(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("username", "endpoint", "full_name", "group_ids", "password",
                          "profile_id"))
    for name in ("username", "endpoint"):
        if name not in body:
            raise FieldError(name, "required")
    await check_endpoint(request, body)
    await signin.hash_new_password(request, body)
    return web.json_response(await request.app[DIALER].store.run(
        accounts.create_agent, path_id(request), access.identity(request), **body), status=201)


@routes.post("/api/agent-groups/{id}/members")
async def add_group_member(request: web.Request) -> web.Response:
    body = await json_body(request)
    reject_unknown(body, ("agent_id",))
    agent_id = body.get("agent_id")
    if not isinstance(agent_id, int) or isinstance(agent_id, bool):
        raise FieldError("agent_id", "not an id")
    return web.json_response(await request.app[DIALER].store.run(
        accounts.add_agent_to_group, path_id(request), agent_id), status=201)


@routes.put("/api/accounts/{id}/ring-group")
async def set_ring_group(request: web.Request) -> web.Response:
    """The company number's call options: strategy, ring time, caller id, pass-through,
    forward number, route to assigned user, client status message."""
    body = await json_body(request)
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_ring_group, path_id(request), **body))


@routes.put("/api/accounts/{id}/ring-group/members")
async def set_ring_group_members(request: web.Request) -> web.Response:
    body = await json_body(request, ("members",))
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_members, path_id(request), body.get("members")))


@routes.put("/api/accounts/{id}/business-hours")
async def business_hours(request: web.Request) -> web.Response:
    body = await json_body(request, ("start", "stop"))
    return web.json_response(await request.app[DIALER].store.run(
        inbound.set_business_hours, path_id(request), body.get("start"), body.get("stop")))


@routes.post("/api/accounts/{id}/action-calls")
async def action_call(request: web.Request) -> web.Response:
    """An action plan's automated call: ring the users (the ring group's options), then
    connect the first to accept to the contact. Delayed ones wait for business hours."""
    dialer = request.app[DIALER]
    body = await json_body(request, ("contact_id", "delay_minutes"))
    return web.json_response(await dialer.store.run(
        inbound.schedule_action_call, path_id(request), now=dialer.now(), **body), status=201)


@routes.get("/api/action-calls/{id}")
async def get_action_call(request: web.Request) -> web.Response:
    return web.json_response(await request.app[DIALER].store.run(
        inbound.get_action_call, path_id(request)))


@routes.get("/api/accounts/{id}/voicemails")
async def voicemails(request: web.Request) -> web.Response:
    return page(request, await request.app[DIALER].store.run(
        inbound.list_voicemails, path_id(request)))


def create_app(dialer, trusted_proxies: Sequence[str] = ()) -> web.Application:
    """`trusted_proxies`: addresses or networks whose X-Forwarded-* headers are believed."""
    app = web.Application(middlewares=[hardening.forwarded, json_errors, access.access])
    app[DIALER] = dialer
    for module_routes in (routes, agent_api.routes, access.routes, users_api.routes,
                          resources_api.routes, console.routes, dnc_http.routes):
        app.add_routes(module_routes)
    console.setup(app)
    signin.setup(app)
    hardening.setup(app, trusted_proxies)
    return app
