"""The aiohttp application: REST API (grows with the features)."""

from __future__ import annotations

import datetime as dt

import peewee as pw
from aiohttp import web

from .. import __version__
from ..ari import AriError
from ..db import campaigns as campaign_db
from ..db import dialing

routes = web.RouteTableDef()


def _error(status: int, field: str, message: str) -> web.Response:
    return web.json_response({"error": {"field": field, "message": message}}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every API error is JSON that names the field at fault."""
    try:
        return await handler(request)
    except campaign_db.CampaignStateError as exc:
        return _error(409, exc.field, str(exc))
    except pw.DoesNotExist:
        return _error(404, "id", "no such object")
    except KeyError as exc:
        return _error(404, "id", f"unknown {exc.args[0]}")
    except AriError as exc:
        return _error(502, "asterisk", str(exc))


def _id(request: web.Request, name: str = "id") -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise web.HTTPBadRequest(text='{"error": {"field": "%s", "message": "not an id"}}' % name,
                                 content_type="application/json")
    return int(value)


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    dialer = request.app["dialer"]
    ari_up = dialer.ari.connected.is_set()
    body = {"status": "ok" if ari_up else "degraded", "version": __version__,
            "node": dialer.cfg.node, "ari": {"connected": ari_up,
                                             "reconnects": dialer.ari.reconnects}}
    return web.json_response(body, status=200 if ari_up else 503)


@routes.get("/api/agents/sessions")
async def agent_sessions(request: web.Request) -> web.Response:
    agents = request.app["dialer"].agents
    return web.json_response([agents.describe(a) for a in sorted(agents.sessions)])


@routes.post("/api/agents/{id}/{action:login|logout|ready|not-ready}")
async def agent_action(request: web.Request) -> web.Response:
    agents = request.app["dialer"].agents
    agent_id, action = _id(request), request.match_info["action"]
    if action == "login":
        return web.json_response(await agents.login(agent_id))
    if action == "logout":
        await agents.logout(agent_id)
    else:
        await agents.set_ready(agent_id, action == "ready")
    return web.json_response(agents.describe(agent_id))


@routes.post("/api/campaigns/{id}/{action:start|suspend|resume|terminate|archive}")
async def campaign_action(request: web.Request) -> web.Response:
    status = {"start": "running", "resume": "running", "suspend": "suspended",
              "terminate": "terminated", "archive": "archived"}[request.match_info["action"]]
    store = request.app["dialer"].store
    return web.json_response(await store.run(campaign_db.set_status, _id(request), status))


@routes.get("/api/campaigns/{id}/progress")
async def campaign_progress(request: web.Request) -> web.Response:
    dialer = request.app["dialer"]
    campaign_id = _id(request)
    body = await dialer.store.run(dialing.progress, campaign_id)
    settings = await dialer.store.run(dialing.campaign_settings, campaign_id)
    group = settings["agent_group_id"]
    body["agents"] = sum(1 for v in dialer.agents.views()
                         if group is None or group in v.groups)
    body["in_flight"] = dialer.calls.in_flight(campaign_id)
    return web.json_response(body)


@routes.get("/api/campaigns/{id}/contacts/{contact}/why")
async def why_not(request: web.Request) -> web.Response:
    store = request.app["dialer"].store
    return web.json_response(await store.run(campaign_db.why_not, _id(request),
                                             _id(request, "contact"), dt.datetime.now(dt.UTC)))


def create_app(dialer) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app["dialer"] = dialer
    app.add_routes(routes)
    return app
