"""Identical aggregate reads asked at about the same time run once.

Five browsers on one campaign page each poll its progress and its chart every couple
of seconds; over a million attempts each of those is an index scan of a few hundred
milliseconds. The first request runs the read (`Store.read`, beside the writer); those
that come within `ttl` seconds, or while it runs, get the same result.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TTL_SECONDS = 1.0  # the page polls every 2 s: each poll sees data at most 1 s old


@dataclass(frozen=True)
class _Entry:
    started: float
    result: asyncio.Future


class SharedReads:
    def __init__(self, store, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.ttl, self.clock = store, ttl, clock
        self._entries: dict[Hashable, _Entry] = {}

    async def read(self, fn: Callable[..., Any], *args: Hashable) -> Any:
        """`store.read(fn, *args)`, or the result of the same call begun less than
        `ttl` seconds ago (failures are not kept)."""
        now, key = self.clock(), (fn, args)
        entry = self._entries.get(key)
        if entry is None or now - entry.started >= self.ttl:
            self._entries = {k: e for k, e in self._entries.items()
                             if now - e.started < self.ttl}
            entry = _Entry(now, asyncio.ensure_future(self.store.read(fn, *args)))
            entry.result.add_done_callback(lambda done: self._forget_failure(key, done))
            self._entries[key] = entry
        # shield: a client that goes away does not cancel the read the others wait for
        return await asyncio.shield(entry.result)

    def _forget_failure(self, key: Hashable, done: asyncio.Future) -> None:
        if not done.cancelled() and done.exception() is None:
            return
        entry = self._entries.get(key)
        if entry is not None and entry.result is done:
            del self._entries[key]


SHARED_READS = web.AppKey("shared_reads", SharedReads)
