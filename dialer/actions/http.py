"""Action-plan calls over HTTP: schedule one (ring the users, then connect the first to
accept to the contact), read one, list the account's."""

from __future__ import annotations

from aiohttp import web

from ..web.common import DIALER, json_body, paged, path_id
from . import store as actions

routes = web.RouteTableDef()


@routes.post("/api/accounts/{id}/action-calls")
async def action_call(request: web.Request) -> web.Response:
    """An action plan's automated call: ring the users (the ring group's options), then
    connect the first to accept to the contact. Delayed ones wait for business hours."""
    dialer = request.app[DIALER]
    body = await json_body(request, ("contact_id", "delay_minutes"))
    return web.json_response(await dialer.store.run(
        actions.schedule_action_call, path_id(request), now=dialer.now(), **body), status=201)


@routes.get("/api/action-calls/{id}")
async def get_action_call(request: web.Request) -> web.Response:
    return web.json_response(await request.app[DIALER].store.run(
        actions.get_action_call, path_id(request)))


@routes.get("/api/accounts/{id}/action-calls")
async def list_action_calls(request: web.Request) -> web.Response:
    """The account's action-plan calls, newest first; `?status=` to filter."""
    return await paged(request, actions.list_action_calls, path_id(request),
                       status=request.query.get("status"))
