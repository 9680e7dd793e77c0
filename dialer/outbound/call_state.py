"""The outbound call's state (outbound/machine.py's record: its stage, agent, outcome so far
and current leg on a trunk, outbound/failover.py) and how a call begins: `start` (dialling)
or `adopted` (found talking with its agent after a restart)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ..compliance.consent import NOT_RECORDED, RecordingConsent
from .events import Effect, Originate
from .failover import Leg
from .model import AmdDetector, DialingSettings


class Stage(StrEnum):
    DIALLING = "dialling"
    AMD = "amd"                        # answered, app_amd or the classifier listening
    SCREENING = "screening"            # a call-screening assistant hears who calls and why
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
    detector: AmdDetector | None = None  # who decides now (None: no AMD)
    classifying: bool = False          # the classifier listens (a Classify not yet answered)
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


Step = tuple[CallState, tuple[Effect, ...]]


# ---- starting ------------------------------------------------------------------------------
def start(settings: DialingSettings, attempt_id: int, channel_id: str, now: float, *,
          chosen_by: int | None = None, beep_listener: bool = False,
          consent: RecordingConsent = NOT_RECORDED) -> Step:
    """A call whose attempt is written: dial it. An agent's own call skips AMD (the agent
    hears who answers). `consent`: whether it is recorded once bridged, announced first."""
    amd = settings.amd_enabled and chosen_by is None
    detector = settings.amd_detector if amd else None
    state = CallState(Stage.DIALLING, settings, attempt_id, channel_id, now, now,
                      chosen_by=chosen_by, beep_listener=beep_listener, detector=detector,
                      agent=chosen_by, consent=consent, leg=Leg(channel_id))
    return state, (originate(state),)


def originate(s: CallState) -> Originate:
    """Dial the call's current leg (the first, or the next trunk's after a failover)."""
    waits = s.settings.machine_action == "message" and not s.beep_listener
    # The classifier's call enters Stasis at its answer; the dialplan's AMD() only if it falls back.
    return Originate(skip_amd=s.detector is not AmdDetector.APP_AMD, dialplan_waits_beep=waits,
                     tried=s.leg.tried)


def adopted(settings: DialingSettings, attempt_id: int, channel_id: str, now: float, *,
            agent_id: int, answered_at: dt.datetime | None, recording: str | None,
            trunk: int | None = None) -> CallState:
    """A call found talking with its agent after a restart: it carries on (and frees its
    trunk's channel when it ends)."""
    return CallState(Stage.CONNECTED, settings, attempt_id, channel_id, now, now,
                     agent=agent_id, bridged=True, outcome="human", answered_at=answered_at,
                     recording=recording, talk_since=now, leg=Leg(channel_id, trunk=trunk))
