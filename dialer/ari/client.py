"""A thin asyncio client for the Asterisk REST Interface (ARI) on aiohttp.

REST: `AriRest` (rest.py), ``request()`` plus typed helpers for what the dialer uses.
Events: ``run()`` keeps the ``/ari/events`` websocket up (capped, jittered
backoff; heartbeat to notice half-open TCP), runs the ``on_connect`` resync
hooks after every (re)connect before any live event of that connection is
dispatched, and hands events to a per-channel ordered ``Dispatcher``.

Credentials travel only in the ``Authorization`` header (REST and websocket
handshake), never in a URL, never in logs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Awaitable, Callable

import aiohttp

from .errors import AriError
from .events import Dispatcher, Event, Handler, parse_event
from .rest import AriRest, _q, encode_params

log = logging.getLogger(__name__)

ConnectHook = Callable[["AriClient"], Awaitable[None]]


def backoff_delay(failures: int, initial: float, maximum: float, rng: random.Random | None = None) -> float:
    """Delay before reconnect attempt after ``failures`` consecutive failures:
    exponential, capped, with jitter in [d/2, d] so restarted dialers do not
    stampede a restarted Asterisk in lockstep."""
    ceiling = min(maximum, initial * (2 ** min(failures, 32)))
    return (rng or random).uniform(ceiling / 2, ceiling)


class AriClient(AriRest):
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        app: str,
        *,
        subscribe_all: bool = True,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        heartbeat: float | None = 10.0,
        backoff_initial: float = 0.2,
        backoff_max: float = 10.0,
        healthy_after: float = 10.0,
    ) -> None:
        super().__init__(base_url, username, password, app, session=session,
                         request_timeout=request_timeout, connect_timeout=connect_timeout)
        self.subscribe_all = subscribe_all
        self.heartbeat = heartbeat
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after  # a connection that lived this long resets the backoff

        self.dispatcher = Dispatcher()
        self._connect_hooks: list[ConnectHook] = []
        self._held: list[Event] | None = None  # live events received while resync hooks run
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

        self.connected = asyncio.Event()  # set once resync is done and live events flow
        self.state = "idle"  # idle | connecting | resyncing | connected | disconnected | backoff | stopped
        self.connects = 0  # successful websocket handshakes
        self.connect_failures = 0  # attempts that never got a websocket
        self.disconnects = 0  # established websockets that were lost
        self.resync_failures = 0  # on_connect hooks that raised

    def __repr__(self) -> str:  # never show credentials
        return f"<AriClient {self.base_url} app={self.app!r} state={self.state}>"

    @property
    def reconnects(self) -> int:
        return max(0, self.connects - 1)

    # ------------------------------------------------------------------ session

    async def close(self) -> None:
        """Stop the event loop (if running) and close the session if we created it."""
        await self.stop()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> "AriClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ events

    def on(self, event_type: str, handler: Handler | None = None):
        """Register ``handler(event_dict)`` for an event type ("*" = every event).

        Usable as ``client.on("StasisStart", fn)`` or as a decorator ``@client.on("StasisStart")``.
        Handlers of one channel run in order; different channels run concurrently.
        """
        if handler is None:
            return lambda fn: self.dispatcher.on(event_type, fn)
        return self.dispatcher.on(event_type, handler)

    def off(self, event_type: str, handler: Handler) -> None:
        self.dispatcher.off(event_type, handler)

    def on_connect(self, hook: ConnectHook) -> ConnectHook:
        """Register ``async hook(client)``, awaited after every (re)connect before live events flow.

        This is where state is resynced (GET /channels, /bridges): events missed
        while disconnected are gone for good. Hooks run one after another; one
        that raises is logged and counted in ``resync_failures``, the rest still run.
        """
        self._connect_hooks.append(hook)
        return hook

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/ari/events"

    def start(self) -> asyncio.Task[None]:
        """Run the event loop in a background task (``stop()`` ends it)."""
        return asyncio.get_running_loop().create_task(self.run(), name="ari-run")

    async def run(self) -> None:
        """Keep the events websocket up until ``stop()``; returns after stop."""
        if self._loop_task is not None and not self._loop_task.done():
            raise RuntimeError("AriClient.run() is already running")
        self._stopping = False
        self.dispatcher.reopen()
        self._loop_task = asyncio.get_running_loop().create_task(self._connection_loop(), name="ari-connection")
        try:
            await self._loop_task
        except asyncio.CancelledError:
            # stop() cancels the inner task: that is a normal return. If *we* were cancelled, propagate.
            current = asyncio.current_task()
            if not self._stopping or (current is not None and current.cancelling()):
                raise

    async def stop(self, drain_timeout: float = 5.0) -> None:
        """Close the websocket, stop reconnecting, give queued events ``drain_timeout`` s, cancel the rest.

        Safe to call more than once, before run(), or from a handler.
        """
        self._stopping = True
        task = self._loop_task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self.dispatcher.close(drain_timeout)
        self.state = "stopped"
        self.connected.clear()

    async def _connection_loop(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        try:
            while not self._stopping:
                self.state = "connecting"
                started: float | None = None
                try:
                    async with asyncio.timeout(self.connect_timeout):
                        ws = await self._http().ws_connect(
                            self.events_url, headers=self._headers, heartbeat=self.heartbeat,
                            params=encode_params({"app": self.app}))
                    started = loop.time()
                    self.connects += 1
                    log.info("ARI: events websocket connected to %s (app %s, connect #%d)",
                             self.base_url, self.app, self.connects)
                    try:
                        await self._serve(ws)
                    finally:
                        self._ws = None
                        # A close handshake, not a dropped socket: Asterisk then tears the
                        # app's session down at once instead of finding out on a write.
                        await asyncio.shield(self._close_ws(ws))
                        self.connected.clear()
                        await ws.close()
                    self.disconnects += 1
                    log.warning("ARI: events websocket to %s lost (close code %s, %s)",
                                self.base_url, ws.close_code, ws.exception() or "no error")
                except aiohttp.WSServerHandshakeError as exc:
                    self.connect_failures += 1
                    level = logging.ERROR if exc.status in (401, 403) else logging.WARNING
                    log.log(level, "ARI: websocket handshake to %s refused: HTTP %s %s",
                            self.base_url, exc.status, exc.message)
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                    self.connect_failures += 1
                    log.warning("ARI: cannot connect events websocket to %s: %s: %s",
                                self.base_url, type(exc).__name__, exc)
                except Exception:  # a bug must not end event handling for good: log, back off, retry
                    self.connect_failures += 1
                    log.exception("ARI: unexpected error in the events connection")
                if self._stopping:
                    break
                if started is not None and loop.time() - started >= self.healthy_after:
                    failures = 0
                delay = backoff_delay(failures, self.backoff_initial, self.backoff_max)
                failures += 1
                self.state = "backoff"
                log.info("ARI: reconnecting in %.2fs", delay)
                await self._backoff_sleep(delay)
        finally:
            self.state = "stopped"
            self.connected.clear()

    # Every channel and bridge, but not `subscribeAll`: that adds device states, and an
    # Asterisk whose ARI websocket closes while a device state is being dispatched to the
    # app deadlocks the app for good (asterisk/asterisk#2170; seen here on 22.10).
    ALL_SOURCES = "channel:,bridge:"

    async def _subscribe_all(self) -> None:
        try:
            await self.request("POST", f"/applications/{_q(self.app)}/subscription",
                               params={"eventSource": self.ALL_SOURCES})
        except AriError as exc:
            self.resync_failures += 1
            log.error("ARI: cannot subscribe app %r to all channels and bridges: %s",
                      self.app, exc)

    @staticmethod
    async def _close_ws(ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async with asyncio.timeout(2):
                await ws.close()
        except (TimeoutError, aiohttp.ClientError, ConnectionError):
            pass

    async def _backoff_sleep(self, delay: float) -> None:  # a seam for tests
        await asyncio.sleep(delay)

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read one websocket until it closes. Events are held while resync hooks run."""
        self._ws = ws
        self._held = []
        self.state = "resyncing"
        resync = asyncio.get_running_loop().create_task(self._resync(ws), name="ari-resync")
        try:
            async for msg in ws:
                if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    event = parse_event(msg.data)
                    if event is None:
                        continue
                    if event["type"] == "ApplicationReplaced":  # another client took our app name: we go deaf
                        log.error("ARI: app %r was taken over by another websocket client", self.app)
                    if self._held is not None:
                        self._held.append(event)
                    else:
                        self.dispatcher.dispatch(event)
                elif msg.type == aiohttp.WSMsgType.ERROR:  # includes "no PONG" from the heartbeat
                    log.warning("ARI: events websocket error: %s", msg.data)
                    break
        except asyncio.CancelledError:  # stop(): do not wait for hooks
            resync.cancel()
            raise
        finally:
            self.state = "disconnected"
            # Otherwise let a running resync finish though the socket is gone: the events it
            # holds were received and must be delivered, in order, before the next resync.
            await asyncio.gather(resync, return_exceptions=True)

    async def _resync(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self.subscribe_all:
            await self._subscribe_all()
        for hook in list(self._connect_hooks):
            try:
                await hook(self)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.resync_failures += 1
                log.exception("ARI: on_connect hook %s failed", getattr(hook, "__qualname__", hook))
        held, self._held = self._held or [], None
        for event in held:
            self.dispatcher.dispatch(event)
        if not ws.closed and self.state == "resyncing":
            self.state = "connected"
            self.connected.set()
