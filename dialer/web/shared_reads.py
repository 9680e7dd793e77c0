"""Identical aggregate reads asked at about the same time run once.

Five browsers on one campaign page each poll its progress and its chart every couple
of seconds; over a million attempts each of those is an index scan of a few hundred
milliseconds. The first request runs the read (`Store.read`, beside the writer); those
that come while it runs, or within `ttl` seconds of its start, get the same result; and
a result is kept at least REUSE_FACTOR times as long as it took, so however big the
campaign and however many browsers poll it, its reads use at most about a fifth of a
reader. Any change made through the API forgets every kept result, so a client always
reads its own writes; what the running dialer changes shows within that time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TTL_SECONDS = 1.0  # the page polls every 2 s: each poll sees data at most 1 s old
REUSE_FACTOR = 4.0


@dataclass
class _Entry:
    started: float
    result: asyncio.Future
    keep: float  # seconds from `started`; grows to REUSE_FACTOR x the read's duration


class SharedReads:
    def __init__(self, store, ttl: float = TTL_SECONDS, reuse_factor: float = REUSE_FACTOR,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.ttl, self.reuse_factor, self.clock = store, ttl, reuse_factor, clock
        self._entries: dict[Hashable, _Entry] = {}

    async def read(self, fn: Callable[..., Any], *args: Hashable, **kwargs: Hashable) -> Any:
        """`store.read(fn, *args, **kwargs)`, or the result of the same call while it is
        fresh (failures are not kept)."""
        now, key = self.clock(), (fn, args, tuple(sorted(kwargs.items())))
        entry = self._entries.get(key)
        if entry is None or not self._fresh(entry, now):
            self._entries = {k: e for k, e in self._entries.items() if self._fresh(e, now)}
            entry = _Entry(now, asyncio.ensure_future(self.store.read(fn, *args, **kwargs)),
                           self.ttl)
            entry.result.add_done_callback(lambda done: self._done(key, entry))
            self._entries[key] = entry
        # shield: a client that goes away does not cancel the read the others wait for
        return await asyncio.shield(entry.result)

    def forget(self) -> None:
        """Drop every kept result (reads under way finish for those waiting on them)."""
        self._entries = {}

    async def forget_after_writes(self, request: web.Request, _: web.StreamResponse) -> None:
        """`on_response_prepare`: a request that may have changed data forgets."""
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self.forget()

    def _fresh(self, entry: _Entry, now: float) -> bool:
        return not entry.result.done() or now - entry.started < entry.keep

    def _done(self, key: Hashable, entry: _Entry) -> None:
        done = entry.result
        if done.cancelled() or done.exception() is not None:
            if self._entries.get(key) is entry:
                del self._entries[key]
            return
        entry.keep = max(self.ttl, self.reuse_factor * (self.clock() - entry.started))


SHARED_READS = web.AppKey("shared_reads", SharedReads)
