"""A real HTTP receiver for webhook tests: an aiohttp server on 127.0.0.1 that keeps what
it receives and answers as told, per path: a status code, or "hang" (hold the request
until `release()`, as a receiver that never answers)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from aiohttp import web

from dialer.webhooks import policy


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def verifies(self, secret: str, now: int) -> bool:
        return policy.verify(secret, self.headers[policy.SIGNATURE_HEADER], self.body, now)


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: dict[str, list[int | str]] = {}  # path -> answers to give, in order
        self.held = 0                                   # requests hanging now
        self._release = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()

    def release(self) -> None:
        self._release.set()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self._arrived:
            self.received.append(Received(request.path, dict(request.headers), body))
            self._arrived.notify_all()
        queue = self.answers.get(request.path) or []
        answer = queue.pop(0) if queue else 200
        if answer == "hang":
            self.held += 1
            try:
                await self._release.wait()
            finally:
                self.held -= 1
            answer = 200
        return web.Response(status=int(answer))

    async def wait_for(self, count: int, path: str | None = None, timeout: float = 10) -> list:
        """The requests (to `path`, if given) once there are `count` of them."""
        def mine() -> list[Received]:
            return [r for r in self.received if path is None or r.path == path]
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(mine()) >= count),
                                   timeout)
        return mine()
