"""ARI event parsing and per-key ordered dispatch.

Events about one channel must be handled in order (StasisStart before
ChannelStateChange before StasisEnd), but a slow handler for one call must
never hold up the thousands of others. So every event gets an ordering key
(see ``event_key``); each key has its own FIFO and, while that FIFO is
non-empty, one worker task. The worker exits as soon as its FIFO is empty, so
idle channels cost nothing and no task outlives its channel's burst of events.

Order is kept per key only: a channel's ChannelEnteredBridge (key channel:X)
and the bridge's BridgeDestroyed (key bridge:Y) may be handled in either order.
Handlers must be idempotent: Asterisk 22 itself delivers some events twice
(seen: PlaybackStarted/PlaybackFinished of a bridge playback), and a resync
after reconnect overlaps with events already handled.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
from collections import deque
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

Event = dict[str, Any]
Handler = Callable[[Event], Awaitable[None] | None]

CATCH_ALL = "*"
# The key of the event being handled, in its worker's context (and the tasks it starts):
# log lines name the channel they concern (dialer/logs.py).
EVENT_KEY: contextvars.ContextVar[str] = contextvars.ContextVar("ari_event_key", default="")
GLOBAL_KEY = ""  # events that concern no channel/bridge (EndpointStateChange, DeviceStateChanged, ...)


def _obj_id(value: Any) -> str | None:
    if isinstance(value, dict):
        ident = value.get("id")
        if isinstance(ident, str) and ident:
            return ident
    return None


def event_key(event: Event) -> str:
    """The ordering key of an event: ``channel:<id>``, ``bridge:<id>`` or GLOBAL_KEY.

    Playback/recording events carry a ``target_uri`` of the same form
    (``channel:<id>`` / ``bridge:<id>``), so a PlaybackFinished is ordered with
    the events of the channel it played on. Dial events are keyed by the dialed
    ``peer`` (for an originate there is no ``caller``).
    """
    channel_id = _obj_id(event.get("channel"))
    if channel_id:
        return f"channel:{channel_id}"
    for field in ("playback", "recording"):
        obj = event.get(field)
        if isinstance(obj, dict):
            target = obj.get("target_uri")
            if (isinstance(target, str) and target.startswith(("channel:", "bridge:"))
                    and len(target.split(":", 1)[1]) > 0):
                return target
    bridge_id = _obj_id(event.get("bridge"))
    if bridge_id:
        return f"bridge:{bridge_id}"
    peer_id = _obj_id(event.get("peer"))
    if peer_id:
        return f"channel:{peer_id}"
    return GLOBAL_KEY


def parse_event(data: str | bytes) -> Event | None:
    """Parse one websocket message; None (logged) if it is not an ARI event."""
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        log.warning("ARI: skipping non-JSON websocket message (%d chars)", len(data))
        return None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
        log.warning("ARI: skipping websocket message without an event type: %.200r", event)
        return None
    return event


_OBJECTS = ("channel", "bridge", "playback", "peer", "replace_channel")  # each has a string id
_NEEDS = {  # what ARI's event models require, for the events an application reacts to
    "StasisStart": ("channel",), "StasisEnd": ("channel",), "ChannelStateChange": ("channel",),
    "ChannelDestroyed": ("channel",), "ChannelDtmfReceived": ("channel", "digit"),
    "ChannelHangupRequest": ("channel",), "ChannelEnteredBridge": ("channel", "bridge"),
    "ChannelLeftBridge": ("channel", "bridge"), "BridgeDestroyed": ("bridge",),
    "PlaybackStarted": ("playback",), "PlaybackFinished": ("playback",), "Dial": ("peer",),
    "RecordingFinished": ("recording",), "RecordingFailed": ("recording",),
}


def shape_problem(event: Event) -> str | None:
    """Why `event` does not have the shape ARI documents for it (None: it does).

    Only what handlers rely on is checked: the objects' string ids, a channel's name and
    state, `args` a list of strings, `digit` a string, `cause` an integer."""
    for name in _NEEDS.get(event["type"], ()):
        if name not in event:
            return f"no {name}"
    for name in _OBJECTS:
        if name in event:
            obj = event[name]
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"]:
                return f"{name} without a string id"
            if name == "channel":
                for key in ("name", "state"):
                    if not isinstance(obj.get(key), str):
                        return f"channel.{key} is not a string"
                for key in ("caller", "connected", "dialplan"):
                    if key in obj and not isinstance(obj[key], dict):
                        return f"channel.{key} is not an object"
            if name == "playback" and not isinstance(obj.get("target_uri", ""), str):
                return "playback.target_uri is not a string"
    if "recording" in event and not (isinstance(event["recording"], dict)
                                     and isinstance(event["recording"].get("name"), str)
                                     and isinstance(event["recording"].get("target_uri", ""), str)):
        return "recording without a string name"
    if "args" in event and not (isinstance(event["args"], list)
                                and all(isinstance(a, str) for a in event["args"])):
        return "args is not a list of strings"
    if "digit" in event and not isinstance(event["digit"], str):
        return "digit is not a string"
    if "cause" in event and (not isinstance(event["cause"], int)
                             or isinstance(event["cause"], bool)):
        return "cause is not an integer"
    if "soft" in event and not isinstance(event["soft"], bool):
        return "soft is not a boolean"
    return None


class Dispatcher:
    """Handlers by event type plus catch-all, run per ordering key in FIFO order."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._queues: dict[str, deque[Event]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._closed = False
        self.dispatched = 0
        self.handler_errors = 0
        self.malformed = 0
        # Optional: event -> why it is malformed (None: fine); such events are logged and
        # never reach a handler (an application sets `shape_problem`).
        self.check: Callable[[Event], str | None] | None = None

    def on(self, event_type: str, handler: Handler) -> Handler:
        """Register ``handler(event)`` (sync or async) for a type, or ``"*"`` for every event."""
        self._handlers.setdefault(event_type, []).append(handler)
        return handler

    def off(self, event_type: str, handler: Handler) -> None:
        handlers = self._handlers.get(event_type, [])
        if handler in handlers:
            handlers.remove(handler)

    @property
    def active_keys(self) -> int:
        """Keys with a live worker (for tests and health: should fall to 0 when idle)."""
        return len(self._workers)

    def dispatch(self, event: Event) -> None:
        if self._closed:
            return
        self.dispatched += 1
        key = event_key(event)
        queue = self._queues.get(key)
        if queue is not None:  # a worker is running for this key and will reach it
            queue.append(event)
            return
        self._queues[key] = deque((event,))
        self._workers[key] = asyncio.get_running_loop().create_task(
            self._work(key), name=f"ari-events[{key}]")

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        EVENT_KEY.set(key)  # this worker's own context: no reset needed
        try:
            while queue:
                await self._handle(key, queue.popleft())
        finally:
            # No await between the emptiness check and here: dispatch() can not
            # slip an event into a queue that nobody will drain.
            del self._queues[key]
            del self._workers[key]

    async def _handle(self, key: str, event: Event) -> None:
        etype = event["type"]
        problem = self.check(event) if self.check is not None else None
        if problem is not None:
            self.malformed += 1
            log.warning("ARI: skipping a malformed %.40s event (%s): %.300r", etype, problem,
                        event)
            return
        handlers = (*self._handlers.get(etype, ()), *self._handlers.get(CATCH_ALL, ()))
        if not handlers:
            log.debug("ARI: no handler for %s", etype)
        for handler in handlers:
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                self.handler_errors += 1
                log.exception("ARI: handler %s failed on %s for %s", getattr(handler, "__qualname__", handler),
                              etype, key or "global")

    def reopen(self) -> None:
        self._closed = False

    async def close(self, timeout: float = 5.0) -> None:
        """Stop accepting events, let queued ones finish for up to ``timeout`` s, cancel the rest."""
        self._closed = True
        me = asyncio.current_task()
        tasks = [t for t in self._workers.values() if t is not me]  # stop() may be called from a handler
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("ARI: cancelled %d event workers still busy after %.1fs", len(pending), timeout)
            await asyncio.gather(*pending, return_exceptions=True)
