"""The action-plan call's shell against a race the lab cannot stage on demand: the contact
answers and hangs up while its originate is still in flight (before ContactDialled)."""

from __future__ import annotations

from typing import Any

from dialer.actions import machine as m
from dialer.actions import store as actions_db
from dialer.actions.shell import ActionCalls
from dialer.floor.hub import Hub
from dialer.inbound import legs
from dialer.inbound.ringing import ActionPlan
from tests.unit.test_inbound_machine import NOW, plan


class Store:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def run(self, fn, *args, **kwargs):
        self.calls.append((fn.__name__, args))
        return 42 if fn is actions_db.start_action_attempt else None


class Ari:
    """Every originate succeeds; the contact's answers and hangs up before it returns."""

    def __init__(self) -> None:
        self.shell: ActionCalls | None = None
        self.hung_up: list[str] = []

    async def originate(self, endpoint: str, *, channel_id: str, app_args: str, **_: Any) -> None:
        if app_args.startswith("actioncontact,") and self.shell is not None:
            key = app_args.split(",", 1)[1]
            await self.shell.feed(key, m.ContactAnswered(channel_id))
            await self.shell.feed(key, legs.LegGone(channel_id, 16))

    async def hangup(self, channel_id: str) -> None:
        self.hung_up.append(channel_id)

    async def play(self, *args: Any) -> None: ...
    async def create_bridge(self, *args: Any, **kwargs: Any) -> None: ...
    async def add_to_bridge(self, *args: Any) -> None: ...
    async def destroy_bridge(self, *args: Any) -> None: ...


class Agents:
    sessions: dict = {}
    floor = Hub()


async def test_an_attempt_confirmed_after_the_call_closed_is_closed_once():
    ari, store = Ari(), Store()
    shell = ActionCalls(ari, store, Agents(), app="dialer", trunk="pbx", node="n",
                        now=lambda: NOW)
    ari.shell = shell
    call = m.ActionCall(ActionPlan(5, plan()))
    shell.calls[call.key] = call
    await shell.feed(call.key, m.Started("n1"))
    first = shell.calls[call.key].ring.legs[0].id
    await shell.feed(call.key, legs.LegAnswered(first))
    await shell.feed(call.key, legs.Digit(first, "1"))

    done = [(name, args) for name, args in store.calls
            if name in ("finish_action_call", "close_attempt")]
    assert done == [("finish_action_call", (5, "completed", None, "human", NOW, 16)),
                    ("close_attempt", (42, "human", NOW, 16))]
    assert call.key not in shell.calls  # forgotten once the dial's answer is in
    assert Agents.floor.calls == {}  # and off the wallboards
