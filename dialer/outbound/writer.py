"""Attempt records that stay true when the database or the dialer falters.

- `AttemptWriter`: an attempt's writes (answered, AMD verdict, bridged, its leg, closed:
  the machine's Write* effects and CloseAttempt) are tried at once; one that fails on a
  database error is kept, in order with the attempt's later writes, and retried with
  backoff until it succeeds: an attempt is never left open, nor closed as lost at the
  next resync, because one write failed.
- `call_ends`: how calls that were with an agent ended while nobody listened, read from
  the agents' legs (DIALER_LAST_CALL, left by the dialplan's [dialer-ended] handler).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections import deque
from typing import Any, Callable

import peewee as pw

from ..ari import AriClient, AriError
from ..ari.client import backoff_delay
from ..followups import store as followups
from . import events as ev, store as dialing
from .call import Call
from .records import CallEnd, parse_last_call

log = logging.getLogger("dialer.records")
AGENT_LEG_VAR = "DIALER_AGENT_LEG"     # on a customer's channel: its agent's leg
LAST_CALL_VAR = "SHARED(DIALER_LAST_CALL)"  # on an agent's leg: the last call that ended


class AttemptWriter:
    def __init__(self, store, *, first_retry: float = 0.5, max_retry: float = 30.0):
        self.store = store
        self.first_retry, self.max_retry = first_retry, max_retry
        self._queued: dict[str, deque[tuple[Callable, tuple, dict]]] = {}  # channel -> writes
        self._tasks: set[asyncio.Task] = set()

    def pending(self) -> set[str]:
        """Channels whose attempt has writes waiting for a retry (still ours to close)."""
        return set(self._queued)

    async def write(self, channel_id: str, fn: Callable, /, *args, **kwargs) -> Any:
        """`store.run(fn, ...)` now, or queued behind the attempt's failed writes; the
        result, or None if the write was queued."""
        queue = self._queued.get(channel_id)
        if queue is not None:
            queue.append((fn, args, kwargs))
            return None
        try:
            return await self.store.run(fn, *args, **kwargs)
        except pw.PeeweeException as exc:
            log.warning("attempt of %s: %s failed (%s); retrying", channel_id, fn.__name__, exc)
            self._queued[channel_id] = deque([(fn, args, kwargs)])
            task = asyncio.create_task(self._retry(channel_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return None

    async def _retry(self, channel_id: str) -> None:
        queue, failures = self._queued[channel_id], 0
        while queue:
            await asyncio.sleep(backoff_delay(failures, self.first_retry, self.max_retry))
            fn, args, kwargs = queue[0]
            try:
                await self.store.run(fn, *args, **kwargs)
            except pw.PeeweeException as exc:
                failures += 1
                log.warning("attempt of %s: %s failed again (%s)", channel_id, fn.__name__, exc)
                continue
            queue.popleft()
            failures = 0
        del self._queued[channel_id]
        log.info("attempt of %s: written after a retry", channel_id)

    async def effect(self, call: Call, effect: ev.Effect, now: dt.datetime) -> None:
        """The attempt's record as the call goes (what a restart needs of it)."""
        match effect:
            case ev.WriteAnswered(at):
                values: dict[str, Any] = {"answered_at": at}
            case ev.WriteVerdict(status, cause, answered_at, detector, confidence, seconds):
                values = {"amd_status": status, "amd_cause": cause, "answered_at": answered_at,
                          "amd_detector": detector and detector.value,
                          "amd_confidence": confidence,
                          "amd_seconds": None if seconds is None else round(seconds, 3)}
            case ev.WriteBridged(agent_id):
                values = {"agent": agent_id, "bridged_at": now}
            case ev.WriteRecording(name):
                values = {"recording_name": name}
            case ev.WriteConsent(announced):
                values = {"consent_announced": announced}
            case ev.WriteLeg(channel_id):  # failed over: the attempt is on the next trunk
                values = {"channel_id": channel_id}
            case _:
                raise TypeError(f"not an effect of the outbound machine: {effect!r}")
        await self.write(call.channel_id, dialing.update_attempt, call.state.attempt_id, **values)

    async def close(self, call: Call, outcome: str, hangup_cause: int | None,
                    now: dt.datetime, reason: str | None = None) -> None:
        """The attempt's closing write: a campaign contact moves on by the rules.
        `reason`: why it ended undialled (the attempt's end_reason, the contact's
        last_reason)."""
        s = call.state
        write = functools.partial(self.write, call.channel_id)
        if call.agent_call is not None:
            await write(dialing.close_attempt, s.attempt_id, outcome=outcome, ended_at=now,
                        hangup_cause=hangup_cause, end_reason=reason)
            if call.agent_call.followup_id is not None:
                await write(followups.complete_followup, call.agent_call.followup_id, now,
                            attempt_id=s.attempt_id)
            log.info("agent call %s to %s (followup %s): %s", s.attempt_id, call.phone,
                     call.agent_call.followup_id, outcome)
            return
        decision = await write(
            dialing.finish_attempt, s.attempt_id, outcome=outcome, ended_at=now,
            connected=outcome == "human", rules=s.settings.rules,
            max_attempts=s.settings.max_attempts, hangup_cause=hangup_cause,
            end_reason=reason)
        log.info("attempt %s to %s: %s -> contact %s", s.attempt_id, call.phone, outcome,
                 decision.state if decision else "(written on retry)")

    async def stop(self) -> None:
        """Give up the retries (the next start's resync closes what is still open)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def call_ends(ari: AriClient, agent_legs: list[str]) -> dict[str, CallEnd]:
    """The last call that ended on each agent's leg, by the call's channel id."""
    ends = {}
    for leg in agent_legs:
        try:
            end = parse_last_call(await ari.get_variable(leg, LAST_CALL_VAR))
        except AriError:  # unset (no call ended on it yet), or the leg is gone
            continue
        if end is not None:
            ends[end.channel_id] = end
    return ends
