"""The wallboard's feed: `GET /api/accounts/{id}/floor` (a snapshot: the agents and calls
live now, and the day's figures) and `GET /api/accounts/{id}/floor/stream`, the same
snapshot then each change as server-sent events, for whoever manages the account's
campaigns; each sees only their account's agents and the campaigns their profile shows
(floor/hub.py Scope). `?campaign=<id>` narrows both to one campaign's calls (the campaign
page)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..db.validation import ForbiddenError
from ..web.access import identity
from ..web.common import DIALER, now, path_id, query_id
from . import store as floor_db
from .feed import agent_event, call_event
from .events import Ended, FloorEvent, Resync, Scope, as_json

routes = web.RouteTableDef()
KEEPALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing the stream


async def _figures(request: web.Request) -> floor_db.FloorFigures:
    who, account_id = identity(request), path_id(request)
    figures = await request.app[DIALER].store.read(floor_db.floor_figures, account_id,
                                                   who.campaigns, now(request))
    campaign_id = query_id(request, "campaign")
    if campaign_id is None:
        return figures
    chosen = tuple(c for c in figures.campaigns if c.campaign_id == campaign_id)
    if not chosen:
        raise ForbiddenError("campaign", "this campaign is not in your profile or account")
    return floor_db.FloorFigures(figures.agents, chosen)


def _live(request: web.Request, scope: Scope) -> dict[str, Any]:
    """The agents and campaign calls of this process now, as `scope` may see them."""
    dialer = request.app[DIALER]
    agents = [agent_event(dialer.agents.describe(s.agent_id), s.groups)
              for s in dialer.agents.sessions.values()]
    calls = [call_event(c.state) for c in list(dialer.calls.calls.values())]
    seen = [scope.admit(e) for e in (*agents, *calls) if e is not None]
    return {"agents": [as_json(e) for e in seen if e is not None and e.kind != "call"],
            "calls": [as_json(e) for e in seen if e is not None and e.kind == "call"]}


@routes.get("/api/accounts/{id}/floor")
async def floor_snapshot(request: web.Request) -> web.Response:
    figures = await _figures(request)
    return web.json_response({"figures": figures.as_json(),
                              **_live(request, figures.scope())})


def _sse(kind: str, body: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


@routes.get("/api/accounts/{id}/floor/stream")
async def floor_stream(request: web.Request) -> web.StreamResponse:
    """Subscribed before the snapshot is taken: no change falls between the two."""
    figures = await _figures(request)
    scope = figures.scope()
    subscription = request.app[DIALER].agents.floor.subscribe(scope)
    try:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        await response.write(_sse("snapshot", {"figures": figures.as_json(),
                                               **_live(request, scope)}))
        while True:
            event: FloorEvent | None = await subscription.next(KEEPALIVE_SECONDS)
            if isinstance(event, Ended):
                break
            if isinstance(event, Resync):
                figures = await _figures(request)
                await response.write(_sse("snapshot", {"figures": figures.as_json(),
                                                       **_live(request, scope)}))
            elif event is None:
                await response.write(b": keepalive\n\n")
            else:
                await response.write(_sse(event.kind, as_json(event)))
    except (ConnectionResetError, ConnectionError):
        pass  # the browser left
    finally:
        subscription.close()
    return response


async def end_streams(app: web.Application) -> None:
    """On shutdown: open streams would otherwise hold the server's stop for a minute."""
    agents = getattr(app[DIALER], "agents", None)  # None: a test's app without the runtime
    if agents is not None:
        agents.floor.end_all()  # the calls' hub too
