"""An in-process publish/subscribe hub for the floor: the agent sessions and the call
shells publish a small typed record (events.py) on each state change; each subscriber (an
open wallboard) gets only what its scope admits. Nothing here reads the database.

The hub keeps the last record of each live call and monitoring (a new wallboard's
snapshot), and which calls are held: dialer/transfers tells only that a call is on music
(held, or waiting for a transfer's target), and a talking call's record that comes meanwhile
(the call moved to another agent or number) is shown held until it is taken off.

A subscriber that falls behind (its queue full) is not blocked on: its queue is dropped
and it is told to start again from a snapshot (`Resync`)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from .events import (AgentChanged, AgentHidden, CallChanged, Ended, FloorEvent,
                     MonitorChanged, Resync, Scope)

QUEUE_SIZE = 512  # events a slow subscriber may lag behind before it must resync


class Subscription:
    def __init__(self, hub: Hub, scope: Scope, size: int):
        self.hub, self.scope = hub, scope
        self.queue: asyncio.Queue[FloorEvent] = asyncio.Queue(size)
        self.hidden: set[int] = set()  # agents told hidden: told once, not each change

    def offer(self, event: FloorEvent) -> None:
        seen = self.scope.admit(event)
        if isinstance(seen, AgentHidden):
            if seen.agent_id in self.hidden:
                return
            self.hidden.add(seen.agent_id)
        elif isinstance(seen, AgentChanged):
            self.hidden.discard(seen.agent_id)
        if seen is not None:
            self.put(seen)

    def put(self, event: FloorEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(Ended() if isinstance(event, Ended) else Resync())

    async def next(self, timeout: float | None = None) -> FloorEvent | None:
        """The next event, or None after `timeout` seconds without one."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def queued(self) -> list[FloorEvent]:
        """The events already waiting, taken off the queue."""
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def close(self) -> None:
        self.hub.subscribers.discard(self)


class Hub:
    def __init__(self, queue_size: int = QUEUE_SIZE):
        self.queue_size = queue_size
        self.subscribers: set[Subscription] = set()
        self.calls: dict[str, CallChanged] = {}         # live calls, by key
        self.monitors: dict[int, MonitorChanged] = {}   # live monitorings, by agent
        self.held: set[str] = set()                      # live calls on music

    def publish(self, event: FloorEvent | None) -> None:
        """Never blocks: called from the shells between their awaits (None: nothing
        changed)."""
        if isinstance(event, CallChanged) and event.stage == "talking" and \
                event.channel_id in self.held:
            event = replace(event, stage="held")
        if event is None or not self._remember(event):
            return
        for subscription in list(self.subscribers):
            subscription.offer(event)

    def _remember(self, event: FloorEvent) -> bool:
        """Keep the live calls and monitorings; False if a monitoring did not change."""
        match event:
            case CallChanged(channel_id=key, stage="closed"):
                self.calls.pop(key, None)
                self.held.discard(key)
            case CallChanged(channel_id=key):
                self.calls[key] = event
            case MonitorChanged(agent_id=agent_id):
                if self.monitors.get(agent_id) == event:
                    return False
                if event.state == "closed":
                    self.monitors.pop(agent_id, None)
                else:
                    self.monitors[agent_id] = event
        return True

    def hold(self, channel_id: str, held: bool) -> None:
        """The call on `channel_id` was put on music, or taken off (only a live talking
        call is held): shown held, then talking again."""
        call = self.calls.get(channel_id)
        if call is None or call.stage not in ("talking", "held"):
            return
        (self.held.add if held else self.held.discard)(channel_id)
        if call.stage != ("held" if held else "talking"):
            self.publish(replace(call, stage="talking"))  # held: shown so while on music

    def live(self) -> list[FloorEvent]:
        """The live calls and monitorings (a snapshot's, before its scope)."""
        return [*self.calls.values(), *self.monitors.values()]

    def end_all(self) -> None:
        """End every subscriber's stream (the server stops)."""
        for subscription in list(self.subscribers):
            subscription.put(Ended())

    def subscribe(self, scope: Scope) -> Subscription:
        subscription = Subscription(self, scope, self.queue_size)
        self.subscribers.add(subscription)
        return subscription

