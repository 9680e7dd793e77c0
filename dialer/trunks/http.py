"""Trunks over HTTP. Defining and changing them is the system's (manage_system, web/
access.py); an account's campaign managers read the trunks open to their account."""

from __future__ import annotations

from aiohttp import web

from ..web import access
from ..web.common import DIALER, json_body, page, path_id, run
from . import store

routes = web.RouteTableDef()


def _with_health(request: web.Request, trunk: dict) -> dict:
    """The trunk and its health as this node sees it: its circuit breaker (closed: in
    service; open: out after consecutive failures, probed back in; half_open: a probe
    call is out), its consecutive failures, and whether Asterisk says it is offline."""
    health = request.app[DIALER].trunks.health_of(trunk["id"]).as_json()
    return trunk | {"health": {k: health[k] for k in ("state", "failures", "offline",
                                                      "healthy")}}


def _account_view(request: web.Request) -> int | None:
    """None for the system's view (every trunk), else the caller's account."""
    who = access.identity(request)
    return None if "manage_system" in who.privileges else who.account_id


@routes.get("/api/trunks")
async def list_trunks(request: web.Request) -> web.Response:
    """The trunks (an account's user: those open to their account), best priority first,
    each with its `health`."""
    trunks = await run(request, store.list_trunks, _account_view(request))
    return page(request, [_with_health(request, t) for t in trunks])


@routes.post("/api/trunks")
async def create_trunk(request: web.Request) -> web.Response:
    """A trunk: `name`, `target` (a PJSIP endpoint, or PJSIP/<prefix>{e164}@<endpoint>),
    `priority` (lower first), `weight`, `max_channels`, `max_cps`, `destinations` (+44,
    GB), `cost_per_minute`, `account_ids` (null: every account), `enabled`."""
    body = await json_body(request, store.FIELDS)
    created = await run(request, store.create_trunk, body)
    await request.app[DIALER].trunks.reload()
    return web.json_response(created, status=201)


@routes.get("/api/trunks/{id}")
async def get_trunk(request: web.Request) -> web.Response:
    trunk = await run(request, store.get_trunk, path_id(request), _account_view(request))
    return web.json_response(_with_health(request, trunk))


@routes.patch("/api/trunks/{id}")
async def update_trunk(request: web.Request) -> web.Response:
    body = await json_body(request, store.FIELDS)
    changed = await run(request, store.update_trunk, path_id(request), body)
    await request.app[DIALER].trunks.reload()
    return web.json_response(changed)


@routes.delete("/api/trunks/{id}")
async def delete_trunk(request: web.Request) -> web.Response:
    gone = await run(request, store.delete_trunk, path_id(request))
    await request.app[DIALER].trunks.reload()
    return web.json_response(gone)
