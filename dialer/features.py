"""What a feature registers with the server (dialer/server.py), which only
assembles them: the Stasis arguments it answers, the channels in its hands, what it does
when one of them is destroyed, whether a hang-up missed while the dialer was not
listening is replayed to it on a resync, its own resync step, and how its call takes an
agent's request to end it (the call's machine hangs the customer up).

A resync (every ARI (re)connect) runs the features' clean-ups, replays missed hang-ups,
then each feature's `ResyncStep` in the order of its `ResyncPhase`; each step reads the
PBX as it was found (`PbxSnapshot`) and hands what the later steps need on in a
`ResyncHandover` (the agents' legs taken back, the calls in their bridges, the channels
hung up)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Collection, Mapping

if TYPE_CHECKING:
    from .ari import AriClient

# (StasisStart event, all the Stasis() arguments)
StasisHandler = Callable[[dict, list[str]], Awaitable[None]]
# A handler of one ARI event type (event dict).
EventHandler = Callable[[dict], Awaitable[None]]
# First step of a resync: (ARI, channels, bridges) -> how many stale things it removed.
CleanUp = Callable[["AriClient", list[dict], list[dict]], Awaitable[int]]


class ResyncPhase(enum.IntEnum):
    """The order of the resync steps: each phase may rely on what the earlier ones did."""

    AGENTS = 1     # desk-phone legs taken back (or rung again); stale ones hung up
    CALLS = 2      # calls found in agents' bridges carry on; the other open ones are closed
    LEFTOVERS = 3  # what no feature tracks: left talking, rung through again, hung up


@dataclass(frozen=True)
class PbxSnapshot:
    """What Asterisk held when the resync began (after the features' clean-ups)."""

    channels: list[dict]
    bridges: list[dict]
    first_connect: bool  # the process's first connection (claims from before may go back)

    @property
    def live(self) -> set[str]:
        return {c["id"] for c in self.channels}


@dataclass(frozen=True)
class ResyncHandover:
    """What a resync step hands the later ones."""

    # Agent -> the other channels in its bridge, for each agent whose leg was taken back.
    taken_back: Mapping[int, list[str]] = field(default_factory=dict)
    agent_legs: tuple[str, ...] = ()  # the legs of the agents logged in now
    hung_up: frozenset[str] = frozenset()  # channels hung up: nobody handles them


ResyncRun = Callable[["AriClient", PbxSnapshot, ResyncHandover], Awaitable[ResyncHandover]]


@dataclass(frozen=True)
class ResyncStep:
    phase: ResyncPhase
    run: ResyncRun


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


async def _not_my_call(agent_id: int, customer: str) -> bool:
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
    # Handlers of other ARI event types (type -> handler), e.g. "PlaybackFinished".
    events: Mapping[str, EventHandler] = field(default_factory=dict)
    # Removes what it left behind, before anything else looks at the PBX on a resync.
    clean_up: CleanUp | None = None
    # Takes stock of the PBX after the missed hang-ups are replayed.
    resync: ResyncStep | None = None
    # The agent asks to end its call with this customer: True when the call is the
    # feature's and its machine is hanging the customer up.
    ends_agent_call: Callable[[int, str], Awaitable[bool]] = _not_my_call


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

    async def resync(self, ari: "AriClient", pbx: PbxSnapshot) -> ResyncHandover:
        """Every feature's resync step, phase by phase, each handed what the earlier did."""
        handover = ResyncHandover()
        steps = sorted((f.resync for f in self.all if f.resync), key=lambda s: s.phase)
        for step in steps:
            handover = await step.run(ari, pbx, handover)
        return handover

    def event_handlers(self) -> list[tuple[str, EventHandler]]:
        """(ARI event type, handler) of every feature, in registration order."""
        return [(etype, handler) for f in self.all for etype, handler in f.events.items()]

    def awaits_own_stasis(self, channel_id: str) -> bool:
        return any(f.awaits_own_stasis(channel_id) for f in self.all)

    def tracked(self, *, replaying: bool = False) -> set[str]:
        """The channels some feature tracks (`replaying`: only those whose missed
        hang-ups are replayed)."""
        return {channel_id for f in self.all if f.replays_missed_hangups or not replaying
                for channel_id in f.channels()}

    async def end_agent_call(self, agent_id: int, customer: str) -> bool:
        """The feature whose call it is hangs the customer up (False: no feature would)."""
        for feature in self.all:
            if await feature.ends_agent_call(agent_id, customer):
                return True
        return False

    async def on_channel_destroyed(self, event: dict) -> bool:
        for feature in self.all:
            if await feature.on_channel_destroyed(event):
                return True
        return False
