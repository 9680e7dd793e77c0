"""A real Dialer (a fake ARI, no campaign runner) and its web app on 127.0.0.1:<free port>,
in a thread with its own event loop, for synchronous tests (schemathesis, hypothesis)
that call it like a client would."""

from __future__ import annotations

import asyncio
import threading

from dialer.config import AriConfig, Config, DatabaseConfig, WebConfig
from dialer.server import Dialer
from dialer.web.app import create_app
from tests.fake_ari import FakeAri


class Served:
    """The app on 127.0.0.1:<free port>, in a thread with its own event loop."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.base_url = ""

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        from aiohttp import web
        self.ari = FakeAri()
        await self.ari.start()
        cfg = Config(ari=AriConfig(url=self.ari.base_url + "/ari", user=self.ari.username,
                                   password=self.ari.password),
                     database=DatabaseConfig(url=self.db_url), web=WebConfig(port=0))
        self.dialer = Dialer(cfg)
        self.dialer.ari.start()  # connected, as in production (no campaign runner)
        await asyncio.wait_for(self.dialer.ari.connected.wait(), 10)
        self.runner = web.AppRunner(create_app(self.dialer), handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.dialer.ari.stop()
        await self.dialer.ari.close()
        await self.dialer.store.close()
        await self.ari.stop()

    def __enter__(self) -> "Served":
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def call(self, coro, timeout: float = 30):
        """Run a coroutine on the app's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
