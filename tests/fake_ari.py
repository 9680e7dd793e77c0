"""A small fake ARI server (aiohttp.web) for fast unit tests and fault injection.

It is NOT a model of Asterisk: the integration suite drives a real Asterisk.
It records every REST request, answers with canned responses, serves the
``/ari/events`` websocket and can push events, send junk, drop sockets, go
silent (no PONG: half-open TCP), refuse connections and come back on the same port,
refuse the Nth REST request (fault injection) and let a test script react to requests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

import aiohttp


@dataclass
class Recorded:
    method: str
    path: str  # raw path as sent, e.g. /ari/channels/abc
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    raw_url: str


@dataclass
class Canned:
    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeAri:
    username: str = "dialer"
    password: str = "s3cr:et é"
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    ws_handshakes: list[Recorded] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    bridges: list[dict] = field(default_factory=list)
    # events sent to every new websocket right after the handshake (before anything else)
    greeting: list[dict] = field(default_factory=list)
    ws_reject_status: int | None = None  # answer the handshake with this HTTP status instead
    ws_silent: bool = False  # new sockets never answer pings and never read (half-open peer)
    # called with each REST request answered normally (a scripted PBX makes its events)
    on_request: Callable[[Recorded], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        self._canned: dict[tuple[str, str], Canned] = {}
        self._sockets: dict[web.WebSocketResponse, asyncio.Transport] = {}
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.ws_connections = 0
        self._refuse_at: int | None = None  # index in self.requests of the one to refuse
        self.refused: list[Recorded] = []

    def refuse_nth(self, n: int) -> None:
        """The Nth REST request from now on fails (HTTP 500), once."""
        self._refuse_at = len(self.requests) + n - 1

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def auth_header(self) -> str:
        return aiohttp.encode_basic_auth(self.username, self.password)

    async def start(self) -> None:
        """Start (or restart on the same port) the server."""
        app = web.Application()
        app.router.add_get("/ari/events", self._events)
        app.router.add_route("*", "/ari/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Kill the server: sockets aborted, new connections refused until start()."""
        await self.drop(abort=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------------- REST

    def respond(self, method: str, path: str, status: int = 200, body: Any = None, delay: float = 0.0) -> None:
        """Canned answer for METHOD /ari<path> (path without the /ari prefix)."""
        self._canned[(method.upper(), "/ari" + path)] = Canned(status, body, delay)

    def last(self, method: str | None = None) -> Recorded:
        matching = [r for r in self.requests if method is None or r.method == method]
        return matching[-1]

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == self.auth_header

    def _record(self, request: web.Request, body: Any) -> Recorded:
        return Recorded(request.method, request.raw_path.split("?", 1)[0], dict(request.query), body,
                        dict(request.headers), str(request.url))

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        rec = self._record(request, body)
        self.requests.append(rec)
        if not self._authorized(request):
            return web.json_response({"message": "Authentication required"}, status=401)
        if len(self.requests) - 1 == self._refuse_at:
            self.refused.append(rec)
            return web.json_response({"message": "refused (fault injection)"}, status=500)
        if self.on_request is not None:
            await self.on_request(rec)
        canned = self._canned.get((request.method, rec.path))
        if canned is not None:
            if canned.delay:
                await asyncio.sleep(canned.delay)
            if canned.status == 204 or canned.body is None and canned.status < 300:
                return web.Response(status=204)
            if isinstance(canned.body, (dict, list)):
                return web.json_response(canned.body, status=canned.status)
            return web.Response(status=canned.status, text=str(canned.body or ""))
        # defaults
        if request.method == "GET" and rec.path == "/ari/channels":
            return web.json_response(self.channels)
        if request.method == "GET" and rec.path == "/ari/bridges":
            return web.json_response(self.bridges)
        if request.method == "POST" and rec.path == "/ari/channels":
            return web.json_response({"id": request.query.get("channelId", "generated"), "state": "Down",
                                      "name": f"{request.query.get('endpoint', 'X')}-00000001"})
        return web.Response(status=204)

    # ---------------------------------------------------------------- events websocket

    async def _events(self, request: web.Request) -> web.StreamResponse:
        rec = self._record(request, None)
        self.ws_handshakes.append(rec)
        if not self._authorized(request):
            return web.json_response({"message": "Authentication required"}, status=401)
        if self.ws_reject_status is not None:
            return web.json_response({"message": "unavailable"}, status=self.ws_reject_status)
        if not request.query.get("app"):
            return web.json_response({"message": "app parameter required"}, status=400)
        silent = self.ws_silent
        ws = web.WebSocketResponse(autoping=not silent)
        await ws.prepare(request)
        for event in self.greeting:
            await ws.send_str(json.dumps(event))
        self._sockets[ws] = request.transport
        self.ws_connections += 1
        async with self._changed:
            self._changed.notify_all()
        try:
            if silent:  # never read: pings pile up unanswered, like a dead peer
                while request.transport is not None and not request.transport.is_closing():
                    await asyncio.sleep(0.02)
            else:
                async for _msg in ws:
                    pass
        finally:
            self._sockets.pop(ws, None)
            async with self._changed:
                self._changed.notify_all()
        return ws

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    async def wait_sockets(self, count: int, timeout: float = 5.0) -> None:
        """Wait until exactly ``count`` websockets are open."""
        async def cond() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self._sockets) == count)
        await asyncio.wait_for(cond(), timeout)

    async def wait_connections(self, total: int, timeout: float = 5.0) -> None:
        """Wait until ``total`` websockets have been accepted since creation."""
        async def cond() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: self.ws_connections >= total)
        await asyncio.wait_for(cond(), timeout)

    async def push(self, *events: dict) -> None:
        for event in events:
            await self.push_raw(json.dumps(event))

    async def push_raw(self, data: str | bytes) -> None:
        for ws in list(self._sockets):
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_str(data)

    async def drop(self, abort: bool = False) -> None:
        """Close every events websocket (abort=True: cut TCP without a close frame)."""
        for ws, transport in list(self._sockets.items()):
            if abort:
                transport.abort()
            else:
                await ws.close(code=1001, message=b"going away")


def channel_event(etype: str, channel_id: str, **extra: Any) -> dict:
    """An ARI event about one channel, shaped like Asterisk's."""
    return {"type": etype, "application": "dialer", "timestamp": "2026-01-01T00:00:00.000+0000",
            "channel": {"id": channel_id, "name": f"PJSIP/carrier-{channel_id}", "state": "Up"}, **extra}
