"""Sign-in under attack: password work off the database thread, bounded, and throttled.

Argon2 takes about 0.1 s of CPU per check (1.5 cores: it runs its lanes in threads). On
the database's single writer thread a flood of bad sign-ins delayed every query, and so
every call; here checks and hashes run in their own small pool at a lower CPU priority,
at most `workers` at once with at most `max_waiting` queued (more: 503 and Retry-After),
and the throttle (`dialer.core.signin_throttle`) answers 429 before any work is done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, ClassVar, TypeVar

from aiohttp import web
from aiohttp.web_log import AccessLogger

from ..core.signin_throttle import SignInThrottle
from ..db import auth
from ..db.validation import FieldError
from .common import DIALER

T = TypeVar("T")


class Busy(Exception):
    """Too many password checks are queued already."""


def _lower_priority() -> None:
    # Linux: the nice value is per thread, and Argon2's own threads inherit it.
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except OSError:
        pass


# One check already keeps 1.5 cores busy; 16 waiting is 2 s of work at most.
WORKERS, MAX_WAITING = 1, 16


class PasswordWork:
    """Password checks and hashes in a pool of their own."""

    def __init__(self, workers: int, max_waiting: int):
        self.workers, self.max_waiting = workers, max_waiting
        self._pending = 0
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="dialer-passwords",
                                            initializer=_lower_priority)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pending >= self.workers + self.max_waiting:
            raise Busy()
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


clock: Callable[[], float] = time.monotonic  # the throttle's (tests stop it)
# A sign-in that must wait a little is held (answered when its turn comes) rather than
# refused at once: a client that re-sends as soon as it hears 429 would otherwise keep
# the event loop busy answering, and calls would wait behind it.
MAX_HOLD_SECONDS, MAX_HELD = 10.0, 1000


class Held:
    count = 0


HELD = web.AppKey("signin_held", Held)
PASSWORD_WORK = web.AppKey("password_work", PasswordWork)
THROTTLE = web.AppKey("signin_throttle", SignInThrottle)
BUSY_RETRY_SECONDS = 1


def setup(app: web.Application) -> None:
    app[PASSWORD_WORK] = PasswordWork(WORKERS, MAX_WAITING)
    app[THROTTLE] = SignInThrottle()
    app[HELD] = Held()

    async def close(app: web.Application) -> None:
        await asyncio.to_thread(app[PASSWORD_WORK].close)
    app.on_cleanup.append(close)


def refused(status: int, field: str, message: str, retry_after: float) -> web.HTTPException:
    cls = web.HTTPTooManyRequests if status == 429 else web.HTTPServiceUnavailable
    return cls(text=web.json_response({"error": {"field": field, "message": message}}).text,
               content_type="application/json",
               headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


def _busy() -> web.HTTPException:
    return refused(503, "password", "too many sign-ins at once; try again shortly",
                   BUSY_RETRY_SECONDS)


async def sign_in(request: web.Request, username: Any, password: Any,
                  now: dt.datetime) -> dict:
    """The new session of a good name and password (see auth.open_session); 429 while the
    name or the client address must wait, 503 while the pool is full, FieldError otherwise.
    Unknown users and users without a password cost one check like everyone else."""
    app, name = request.app, str(username or "")
    store, throttle, address = app[DIALER].store, app[THROTTLE], request.remote or ""
    wait = await _turn(app, name, address)
    if wait > 0:
        raise refused(429, "password", "too many failed sign-ins: wait before trying again",
                      wait)
    stored = await store.run(auth.stored_password, username)
    try:
        check = await app[PASSWORD_WORK].run(auth.check_password, stored, password)
    except Busy:
        throttle.not_attempted(name, address)
        raise _busy() from None
    if not check.ok or stored.user_id is None:
        raise FieldError("password", auth.WRONG_CREDENTIALS)
    session = await store.run(auth.open_session, stored.user_id, now, check.new_hash)
    throttle.succeeded(name, address)
    return session


async def _turn(app: web.Application, name: str, address: str) -> float:
    """0 once the attempt may go on (counted by the throttle); else the seconds the client
    must still wait. The wait is waited out here, with the connection idle, for up to
    MAX_HOLD_SECONDS: a flood's clients are not answered (and cannot re-send) until it is
    their turn or that time has passed."""
    throttle, held = app[THROTTLE], app[HELD]
    wait = throttle.begin(name, address, clock())
    if wait <= 0 or held.count >= MAX_HELD:
        return wait
    give_up = clock() + MAX_HOLD_SECONDS * random.uniform(0.5, 1.0)  # no answers in step
    held.count += 1
    try:
        while 0 < wait and clock() < give_up:
            await asyncio.sleep(min(wait, give_up - clock()))
            wait = throttle.begin(name, address, clock())
    finally:
        held.count -= 1
    return wait


async def hash_new_password(request: web.Request, body: dict) -> None:
    """Replace a plain `password` in a user body by its hash, made in the password pool
    (a too short one is refused before any work)."""
    if isinstance(body.get("password"), str):
        try:
            body["password"] = await request.app[PASSWORD_WORK].run(
                auth.hash_password, body["password"])
        except Busy:
            raise _busy() from None


class AccessLog(AccessLogger):
    """aiohttp's access log, but sign-ins refused without any work (429, 503) are counted
    and written as one line, by the first refusal a minute or more after the first counted
    one: under a flood, a line per refusal is event-loop time (and disk) taken from calls."""

    summary_seconds = 60.0
    refused: ClassVar[Counter[int]] = Counter()  # aiohttp makes a logger per connection
    first_refused_at: ClassVar[float | None] = None

    def log(self, request, response, time: float) -> None:
        if request.path != "/api/session" or response.status not in (429, 503):
            super().log(request, response, time)
            return
        cls, now = type(self), clock()
        cls.refused[response.status] += 1
        if cls.first_refused_at is None:
            cls.first_refused_at = now
        elif now - cls.first_refused_at >= self.summary_seconds:
            self.logger.info("sign-ins refused in the last %.0f s: %s",
                             now - cls.first_refused_at,
                             ", ".join(f"{n} x {status}" for status, n in
                                       sorted(cls.refused.items())))
            cls.refused.clear()
            cls.first_refused_at = None
