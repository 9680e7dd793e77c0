"""The wallboard's feed: `GET /api/accounts/{id}/floor` (a snapshot: the agents, calls
(campaign, inbound, action-plan) and monitorings live now, and the day's figures) and
`GET /api/accounts/{id}/floor/stream`, the same snapshot then each change as server-sent
events, for whoever manages the account's campaigns; each sees only their account's agents,
the campaigns their profile shows and the account's calls of no campaign (floor/hub.py
Scope). `?campaign=<id>` narrows both to one campaign's calls (the campaign page)."""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import replace
from typing import Any

from aiohttp import web

from ..db.validation import ForbiddenError
from ..web.access import identity
from ..web.common import DIALER, now, path_id, query_id
from . import store as floor_db
from .feed import agent_event
from .events import (AgentChanged, AgentHidden, CallChanged, Ended, FloorEvent,
                     MonitorChanged, Resync, Scope, as_json)

routes = web.RouteTableDef()
KEEPALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing the stream
# A stream writes at most this often: what comes meanwhile goes out in the same write. On a
# busy floor (250 calls: ~45 events/s) a write per event and stream (2,200/s for 50
# wallboards) woke the dialer's loop, and each browser, for every one of them.
COALESCE_SECONDS = 0.2


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
    return replace(figures, campaigns=chosen)


def _scope(request: web.Request, figures: floor_db.FloorFigures) -> Scope:
    """Narrowed to one campaign (the campaign page): none of the account's other calls."""
    scope = figures.scope()
    return replace(scope, account_id=None) if "campaign" in request.query else scope


def _named(event: FloorEvent, figures: floor_db.FloorFigures) -> FloorEvent:
    """An agent's pause reason by its name (the sessions know only its id)."""
    if isinstance(event, AgentChanged) and event.pause_reason_id is not None:
        return replace(event, pause_reason=figures.reason_name(event.pause_reason_id))
    return event


def _live(request: web.Request, figures: floor_db.FloorFigures) -> dict[str, Any]:
    """The agents, calls and monitorings of this process now, as the scope may see them."""
    dialer, scope = request.app[DIALER], _scope(request, figures)
    agents = [agent_event(dialer.agents.describe(s.agent_id), s.groups)
              for s in dialer.agents.sessions.values()]
    seen = [e for e in (scope.admit(e) for e in (*agents, *dialer.agents.floor.live()))
            if e is not None]
    return {"agents": [as_json(_named(e, figures)) for e in seen
                       if isinstance(e, (AgentChanged, AgentHidden))],
            "calls": [as_json(e) for e in seen if isinstance(e, CallChanged)],
            "monitors": [as_json(e) for e in seen if isinstance(e, MonitorChanged)],
            # the carriers' health as this node sees it (dialer/trunks)
            "trunks": [t.as_json() for t in dialer.trunks.health(path_id(request))]}


@routes.get("/api/accounts/{id}/floor")
async def floor_snapshot(request: web.Request) -> web.Response:
    figures = await _figures(request)
    return web.json_response({"figures": figures.as_json(), **_live(request, figures)})


def _sse(kind: str, body: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


@functools.lru_cache(maxsize=1024)
def _encoded(event: FloorEvent) -> bytes:
    """Encoded once for every stream it goes to (records are frozen: equal, same bytes)."""
    return _sse(event.kind, as_json(event))


class _Stream:
    """One open wallboard's stream: its figures (read again on a resync, or when a pause
    reason it does not know yet shows up) and what it writes of each event."""

    def __init__(self, request: web.Request, figures: floor_db.FloorFigures):
        self.request, self.figures = request, figures
        self.asked: set[int] = set()  # reasons read again for (deleted: never named)

    def snapshot(self) -> bytes:
        return _sse("snapshot", {"figures": self.figures.as_json(),
                                 **_live(self.request, self.figures)})

    async def encode(self, event: FloorEvent) -> bytes:
        if isinstance(event, Resync):
            self.figures = await _figures(self.request)
            return self.snapshot()
        reason = event.pause_reason_id if isinstance(event, AgentChanged) else None
        if (reason is not None and self.figures.reason_name(reason) is None
                and reason not in self.asked):
            self.asked.add(reason)
            self.figures = await _figures(self.request)
        return _encoded(_named(event, self.figures))


@routes.get("/api/accounts/{id}/floor/stream")
async def floor_stream(request: web.Request) -> web.StreamResponse:
    """Subscribed before the snapshot is taken: no change falls between the two. A change
    is written within COALESCE_SECONDS, with every other one queued by then."""
    figures = await _figures(request)
    subscription = request.app[DIALER].agents.floor.subscribe(_scope(request, figures))
    stream = _Stream(request, figures)
    try:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no"})
        await response.prepare(request)
        await response.write(stream.snapshot())
        while True:
            event: FloorEvent | None = await subscription.next(KEEPALIVE_SECONDS)
            if event is None:
                await response.write(b": keepalive\n\n")
                continue
            await asyncio.sleep(COALESCE_SECONDS)
            chunk, ended = [], False
            for queued in (event, *subscription.queued()):
                if isinstance(queued, Ended):
                    ended = True
                    break
                chunk.append(await stream.encode(queued))
            if chunk:
                await response.write(b"".join(chunk))
            if ended:
                break
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
