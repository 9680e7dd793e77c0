"""What goes into the outbound call's machine (outbound/machine.py) and what comes out:
domain events the shell makes of ARI events, timers and refusals, and the effects it
carries out in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Union

from ..amd.classifier import ClassifierSettings, Verdict
from .model import AmdDetector


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OriginateRefused:
    pass


@dataclass(frozen=True)
class Answered:
    at: dt.datetime


@dataclass(frozen=True)
class AmdVerdict:
    status: str                        # HUMAN, MACHINE, NOTSURE, HANGUP, SKIPPED
    cause: str | None
    at: dt.datetime


@dataclass(frozen=True)
class ClassifierVerdict:
    """The classifier's decision over the callee's audio (dialer/amd)."""
    verdict: Verdict
    confidence: float                  # its probability of the verdict
    at: dt.datetime                    # decided_at
    heard: str | None = None           # the phrase that decided it (dialer/amd/words.py)


@dataclass(frozen=True)
class ClassifierNoAudio:
    """No audio of the callee reached the classifier in time (or ARI refused the snoop)."""


@dataclass(frozen=True)
class AgentReserved:
    agent_id: int


@dataclass(frozen=True)
class NoAgent:
    pass


@dataclass(frozen=True)
class Bridged:
    pass


@dataclass(frozen=True)
class BridgeRefused:
    pass


@dataclass(frozen=True)
class RecordingStarted:
    pass


@dataclass(frozen=True)
class RecordingRefused:
    pass


@dataclass(frozen=True)
class BeepHeard:
    pass


@dataclass(frozen=True)
class BeepTimeout:
    pass


@dataclass(frozen=True)
class PlaybackFinished:
    pass


@dataclass(frozen=True)
class PlaybackRefused:
    pass


@dataclass(frozen=True)
class HungUp:
    cause: int | None


@dataclass(frozen=True)
class EndedByAgent:
    """The agent asked to end the call (the agent page, the API)."""
    agent_id: int


@dataclass(frozen=True)
class Moved:
    """The customer moved on from the call's agent (dialer/transfers): to `agent`, or to
    an external number (None). The agent who let it go was freed by the transfer."""
    agent: int | None


@dataclass(frozen=True)
class TrunkChosen:
    """The routing choice (dialer/trunks) put this leg on a trunk, about to originate."""
    trunk_id: int


@dataclass(frozen=True)
class NoTrunk:
    """No trunk may carry the call (none left, none for the destination, all out)."""
    reason: str


@dataclass(frozen=True)
class Ringing:
    """The trunk answered the INVITE: the callee's phone rings."""


@dataclass(frozen=True)
class TrunkSilent:
    """The leg on `channel_id` neither rang nor was answered in the trunk's time."""
    channel_id: str


Event = Union[OriginateRefused, Answered, AmdVerdict, ClassifierVerdict, ClassifierNoAudio,
              AgentReserved, NoAgent, Bridged, BridgeRefused, RecordingStarted,
              RecordingRefused, BeepHeard, BeepTimeout,
              PlaybackFinished, PlaybackRefused, HungUp, EndedByAgent, Moved, TrunkChosen,
              NoTrunk, Ringing, TrunkSilent]
EVENTS: tuple[type, ...] = Event.__args__  # type: ignore[attr-defined]


# ---- effects --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Originate:
    """Dial the call's current leg (`CallState.channel_id`) through a trunk not `tried`."""
    skip_amd: bool
    dialplan_waits_beep: bool
    tried: frozenset[int] = frozenset()


@dataclass(frozen=True)
class WatchTrunk:
    """Feed TrunkSilent(channel_id) if the leg has neither rung nor been answered by then."""
    channel_id: str
    seconds: float


@dataclass(frozen=True)
class WriteLeg:
    """The attempt's channel is now this leg's (failed over: same attempt, next trunk)."""
    channel_id: str


@dataclass(frozen=True)
class ReleaseTrunk:
    """The leg on the trunk ended: its channel no longer counts; `healthy` feeds the
    trunk's circuit breaker (False: the trunk failed the call)."""
    trunk_id: int
    channel_id: str
    healthy: bool


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Play:
    media: str
    kind: str                          # "machine" or "safe-harbour": the playback id's end


@dataclass(frozen=True)
class Announce:
    """The recording consent notice, played on the agent's bridge: both parties hear it."""
    media: str
    agent_id: int                      # whose bridge


@dataclass(frozen=True)
class StopAnnouncement:
    pass


@dataclass(frozen=True)
class ListenForBeep:
    pass


@dataclass(frozen=True)
class StopBeepListener:
    pass


@dataclass(frozen=True)
class Classify:
    """Feed the callee's audio to the classifier from now (the call is in Stasis), listening
    for words too if `words` (and a phrase spotter is free)."""
    settings: ClassifierSettings
    words: bool = True


@dataclass(frozen=True)
class StopClassifier:
    pass


@dataclass(frozen=True)
class FallBackToAppAmd:
    """Send the call through the dialplan's AMD(): it comes back with app_amd's verdict."""


@dataclass(frozen=True)
class TakeAgent:
    group_id: int | None
    promised: bool                     # a progressive call: an agent is owed to it
    deadline: float


@dataclass(frozen=True)
class ConnectAgent:
    agent_id: int


@dataclass(frozen=True)
class StartRecording:
    """Record the customer's channel, wherever they go (outbound/recorder.py)."""
    name: str


@dataclass(frozen=True)
class StopRecording:
    name: str


@dataclass(frozen=True)
class WriteAnswered:
    at: dt.datetime


@dataclass(frozen=True)
class WriteVerdict:
    status: str                        # app_amd's AMDSTATUS, or the classifier's verdict
    cause: str | None
    answered_at: dt.datetime
    detector: AmdDetector | None = AmdDetector.APP_AMD  # who decided (None: no AMD ran)
    confidence: float | None = None    # the classifier's
    seconds: float | None = None       # from the answer to the verdict (None: not measured)


@dataclass(frozen=True)
class WriteBridged:
    agent_id: int


@dataclass(frozen=True)
class WriteRecording:
    name: str


@dataclass(frozen=True)
class WriteConsent:
    """The call is recorded from now: with the consent announcement heard to its end, or
    without one (the callee's region needs none)."""
    announced: bool


@dataclass(frozen=True)
class MarkAgentLeg:
    """What a restart needs if the call ends while the dialer is down: the call leaves its
    end on the agent's leg."""
    agent_id: int


@dataclass(frozen=True)
class ReleaseAgent:
    agent_id: int
    chosen: bool                       # the agent who dialled it (preview done), else reserved


@dataclass(frozen=True)
class EndAgentCall:
    agent_id: int
    wrap_seconds: int


@dataclass(frozen=True)
class WakeAgents:
    """An agent counted against this call is free for others."""


@dataclass(frozen=True)
class Learn:
    outcome: str
    answer_delay: float | None
    amd_seconds: float | None
    talk_seconds: float | None


@dataclass(frozen=True)
class CloseAttempt:
    outcome: str
    hangup_cause: int | None
    reason: str | None = None  # why it ended undialled (no trunk serves the destination)


Effect = Union[Originate, Hangup, Play, Announce, StopAnnouncement, ListenForBeep,
               StopBeepListener, Classify, StopClassifier, FallBackToAppAmd, TakeAgent,
               ConnectAgent, StartRecording, StopRecording,
               WriteAnswered, WriteVerdict, WriteBridged, WriteRecording, WriteConsent,
               MarkAgentLeg, ReleaseAgent, EndAgentCall, WakeAgents, Learn, CloseAttempt,
               WatchTrunk, WriteLeg, ReleaseTrunk]
