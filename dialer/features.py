"""What a feature registers with the server (dialer/server.py), which only
assembles them: the Stasis arguments it answers, the channels in its hands, what it does
when one of them is destroyed, and whether a hang-up missed while the dialer was not
listening is replayed to it on a resync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Collection, Mapping

if TYPE_CHECKING:
    from .ari import AriClient

# (StasisStart event, all the Stasis() arguments)
StasisHandler = Callable[[dict, list[str]], Awaitable[None]]
# First step of a resync: (ARI, channels, bridges) -> how many stale things it removed.
CleanUp = Callable[["AriClient", list[dict], list[dict]], Awaitable[int]]


@dataclass(frozen=True)
class StasisRoute:
    """A handler for channels entering Stasis with `args[0]` = the route's name."""

    handler: StasisHandler
    accepts: Callable[[list[str]], bool] = lambda args: len(args) > 1  # all the arguments


def _nothing() -> Collection[str]:
    return ()


def _no_one(channel_id: str) -> bool:
    return False


async def _not_mine(event: dict) -> bool:
    return False


@dataclass(frozen=True)
class Feature:
    name: str
    stasis: Mapping[str, StasisRoute] = field(default_factory=dict)
    # The Asterisk channels the feature tracks now.
    channels: Callable[[], Collection[str]] = _nothing
    # Channels whose StasisStart the feature's own code waits for (the server ignores it).
    awaits_own_stasis: Callable[[str], bool] = _no_one
    # ChannelDestroyed: True when the channel was the feature's (the next one is not asked).
    on_channel_destroyed: Callable[[dict], Awaitable[bool]] = _not_mine
    # On a resync, a tracked channel Asterisk no longer holds gets its ChannelDestroyed
    # replayed (False: the feature's own resync step deals with its lost channels).
    replays_missed_hangups: bool = True
    # Removes what it left behind, before anything else looks at the PBX on a resync.
    clean_up: CleanUp | None = None


class Features:
    """The registered features, asked in registration order."""

    def __init__(self, features: list[Feature]):
        self.all = list(features)
        self.routes: dict[str, StasisRoute] = {}
        for feature in self.all:
            for name, route in feature.stasis.items():
                if name in self.routes:
                    raise ValueError(f"Stasis route {name!r} registered twice")
                self.routes[name] = route

    def route(self, args: list[str]) -> StasisRoute | None:
        """The route for a channel entering Stasis with these arguments, if any."""
        route = self.routes.get(args[0]) if args else None
        return route if route is not None and route.accepts(args) else None

    async def clean_up(self, ari: "AriClient", channels: list[dict], bridges: list[dict]) -> int:
        """Every feature's clean-up step; how many stale things they removed."""
        return sum([await f.clean_up(ari, channels, bridges) for f in self.all if f.clean_up])

    def awaits_own_stasis(self, channel_id: str) -> bool:
        return any(f.awaits_own_stasis(channel_id) for f in self.all)

    def tracked(self, *, replaying: bool = False) -> set[str]:
        """The channels some feature tracks (`replaying`: only those whose missed
        hang-ups are replayed)."""
        return {channel_id for f in self.all if f.replays_missed_hangups or not replaying
                for channel_id in f.channels()}

    async def on_channel_destroyed(self, event: dict) -> bool:
        for feature in self.all:
            if await feature.on_channel_destroyed(event):
                return True
        return False
