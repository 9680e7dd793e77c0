"""The agent's call control routes (issue 18): hold and resume the customer of the call the
agent holds. Only that agent acts on it (or a user who manages users, acting for them: the
agent routes' rule in dialer/web/access.py); the machine refuses anyone else (409)."""

from __future__ import annotations

from aiohttp import web

from ..web import access
from ..web.common import DIALER, path_id
from .events import Hold, Resume

routes = web.RouteTableDef()


@routes.post("/api/agents/{id}/call/{action:hold|resume}")
async def hold_or_resume(request: web.Request) -> web.Response:
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    request_of = Hold if request.match_info["action"] == "hold" else Resume
    stage = await dialer.transfers.act(agent_id, request_of)
    return web.json_response({"agent_id": agent_id, "call": stage.value})
