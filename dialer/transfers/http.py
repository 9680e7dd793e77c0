"""The agent's call control routes (issue 18): hold and resume the customer of the call the
agent holds; transfer it (blind or warm) to another agent, an agent group or an external
number; complete or cancel a warm transfer, make it a conference, leave the conference.
Only that agent acts on it (or a user who manages users, acting for them: the agent routes'
rule in dialer/web/access.py); the machine refuses anyone else (409). A target agent or
group of another account is a 403, a refused number a 400 naming "number"."""

from __future__ import annotations

from typing import Callable

from aiohttp import web

from ..db.validation import FieldError
from ..web import access
from ..web.common import DIALER, json_body, path_id
from .events import (CallKind, Cancel, Complete, Conference, Hold, Leave, Mode, Request,
                     Resume)
from .machine import TransferCall

routes = web.RouteTableDef()
REQUESTS: dict[str, Callable[[int], Request]] = {
    "hold": Hold, "resume": Resume, "complete": Complete, "cancel": Cancel,
    "conference": Conference, "leave": Leave}
TARGETS = ("agent_id", "group_id", "number")


@routes.post("/api/agents/{id}/call/{action:hold|resume|complete|cancel|conference|leave}")
async def call_action(request: web.Request) -> web.Response:
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    call = await dialer.transfers.act(agent_id, REQUESTS[request.match_info["action"]])
    return web.json_response(_shown(agent_id, call))


@routes.get("/api/agents/{id}/call")
async def call_stage(request: web.Request) -> web.Response:
    """Where the agent's customer is (null: no call); `controls`: whether the agent acts on
    it (the agent who holds it; a target agent in a conference does not)."""
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    stage, controls = dialer.transfers.stage_of(agent_id)
    return web.json_response({"agent_id": agent_id, "call": stage, "controls": controls})


@routes.post("/api/agents/{id}/call/transfer")
async def transfer(request: web.Request) -> web.Response:
    """Body: {"mode": "blind"|"warm", and one of "agent_id", "group_id", "number"}."""
    dialer, agent_id = request.app[DIALER], path_id(request)
    access.live_session(request, agent_id)
    body = await json_body(request, ("mode", *TARGETS))
    try:
        mode = Mode(body.get("mode"))
    except ValueError:
        raise FieldError("mode", "blind or warm") from None
    given = [field for field in TARGETS if body.get(field) is not None]
    if len(given) != 1:
        raise FieldError("agent_id", "give exactly one of agent_id, group_id, number")
    await access.check_fields(request, access.identity(request),
                              {f: body.get(f) for f in ("agent_id", "group_id")})
    call = await dialer.transfers.transfer(agent_id, mode, to_agent=body.get("agent_id"),
                                           to_group=body.get("group_id"),
                                           number=body.get("number"))
    return web.json_response(_shown(agent_id, call))


def _shown(agent_id: int, call: TransferCall) -> dict:
    """The call after the request: its stage, record (its attempt or inbound call, the
    other null), leg (the last one made), holder."""
    leg, record = call.leg, call.record
    inbound = record.kind is CallKind.INBOUND
    return {"agent_id": agent_id, "call": call.stage.value,
            "attempt_id": None if inbound else record.id,
            "inbound_call_id": record.id if inbound else None,
            "leg": leg.no if leg else call.legs_made, "holder_agent_id": call.agent}
