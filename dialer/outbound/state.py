"""The outbound call's state (outbound/machine.py moves it): its stage, its agent, its
outcome so far, and its current leg on a trunk (outbound/failover.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ..compliance.consent import NOT_RECORDED, RecordingConsent
from .failover import Leg
from .model import DialingSettings


class Stage(StrEnum):
    DIALLING = "dialling"
    AMD = "amd"                        # answered, the dialplan's AMD listening
    WAITING_AGENT = "waiting_agent"    # a human: an agent is being found (2 s at most)
    CONNECTING = "connecting"          # an agent holds for it, the bridge request is out
    ANNOUNCING = "announcing"          # bridged, hearing the consent notice; not recorded yet
    CONNECTED = "connected"            # talking with the agent
    LISTENING = "listening"            # for the voicemail beep, before the machine message
    PLAYING = "playing"                # the machine or safe-harbour message
    HANGING_UP = "hanging_up"          # the dialer hung up, waiting for the channel's end
    CLOSED = "closed"


IN_FLIGHT = frozenset({Stage.DIALLING, Stage.AMD, Stage.WAITING_AGENT})


@dataclass(frozen=True)
class CallState:
    stage: Stage
    settings: DialingSettings
    attempt_id: int
    channel_id: str
    dialled_at: float
    stage_since: float
    chosen_by: int | None = None       # the agent who dialled it (preview, followup, manual)
    beep_listener: bool = False        # the dialer, not the dialplan, waits for the beep
    agent: int | None = None           # the agent it holds (reserved or bridged)
    connecting: bool = False           # a bridge request for `agent` is out
    bridged: bool = False
    outcome: str | None = None
    answered_at: dt.datetime | None = None
    answered_after: float | None = None  # seconds from dial to answer
    amd_seconds: float | None = None     # from answer to the AMD verdict
    recording: str | None = None
    consent: RecordingConsent = NOT_RECORDED  # whether to record, and announce first
    talk_since: float | None = None    # bridged with its agent
    leg: Leg = Leg("")                 # its channel's trunk; `start` names the first channel

    @property
    def paced(self) -> bool:
        """A campaign call the runner paced (no agent chose it)."""
        return self.chosen_by is None

    @property
    def in_flight(self) -> bool:
        """A paced call that will want an agent and has none yet."""
        return self.paced and self.agent is None and self.stage in IN_FLIGHT
