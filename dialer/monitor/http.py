"""A supervisor on an agent's call over HTTP: start (the dialer rings the caller's desk
phone, then joins them in the mode asked), switch mode, leave. `manage_campaigns`, and the
call's campaign in the caller's profile (else 403 naming `campaign`)."""

from __future__ import annotations

from aiohttp import web

from ..db.validation import FieldError
from ..web import access
from ..web.common import DIALER, json_body, path_id
from . import store as monitor_db
from .machine import Mode

routes = web.RouteTableDef()


async def _mode(request: web.Request) -> Mode:
    value = (await json_body(request, ("mode",))).get("mode")
    try:
        return Mode(value)
    except ValueError:
        raise FieldError("mode", "one of listen, whisper, barge") from None


@routes.post("/api/agents/{id}/monitor")
async def start_monitoring(request: web.Request) -> web.Response:
    """Ring the caller's desk phone (their user's endpoint) and, once answered, join the
    agent's call: `mode` listen (hears both sides, nobody hears them), whisper (only the
    agent hears them) or barge (a three-way call). 409 if the agent is on no call or
    someone already monitors it, or the caller has no desk phone."""
    dialer = request.app[DIALER]
    agent_id = path_id(request)
    access.live_session(request, agent_id)
    mode = await _mode(request)
    supervisor = await dialer.store.run(monitor_db.supervisor, access.identity(request).user_id)
    return web.json_response(await dialer.monitors.start(agent_id, supervisor, mode), status=201)


@routes.get("/api/agents/{id}/monitor")
async def get_monitoring(request: web.Request) -> web.Response:
    """Who monitors the agent's call, in which mode, and whether their phone is still
    ringing (409 if nobody does)."""
    agent_id = path_id(request)
    access.live_session(request, agent_id)
    return web.json_response(request.app[DIALER].monitors.describe(agent_id))


@routes.patch("/api/agents/{id}/monitor")
async def switch_monitoring(request: web.Request) -> web.Response:
    """Switch mode without hanging up."""
    agent_id = path_id(request)
    access.live_session(request, agent_id)
    mode = await _mode(request)
    return web.json_response(await request.app[DIALER].monitors.switch(agent_id, mode))


@routes.delete("/api/agents/{id}/monitor")
async def stop_monitoring(request: web.Request) -> web.Response:
    """Hang the supervisor up; the call goes on."""
    agent_id = path_id(request)
    access.live_session(request, agent_id)
    await request.app[DIALER].monitors.stop(agent_id)
    return web.Response(status=204)
