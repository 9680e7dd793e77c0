"""A prompt recorded from a desk phone: the dialer rings the phone, Asterisk beeps and
records (until #, 5 s of silence or MAX_SECONDS), the recording becomes the prompt's files.

`begin(prompt_id, phone, channel_id)` rings; `transition(state, event)` is total: "-" is an
explicit "ignored".

state      event               next state (effects)
RINGING    Answered            RECORDING (Record)
RINGING    PhoneGone           DONE (Failed)
RINGING    RecordingEnded ok   -
RINGING    Stored              -
RECORDING  Answered            -
RECORDING  RecordingEnded ok   STORING (HangUp, Store)
RECORDING  RecordingEnded bad  DONE (HangUp, Failed)
RECORDING  PhoneGone           - (Asterisk ends the recording: RecordingEnded follows)
STORING    Stored              DONE
STORING    anything else       -
DONE       anything            -

Every way into DONE says how the prompt ended exactly once: `Failed`, or the shell's
`Store` (which marks it ready, or failed if the audio is unusable), then `Stored`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from .model import MAX_SECONDS

SILENCE_SECONDS = 5  # a pause this long ends the recording


class State(enum.Enum):
    RINGING = "ringing"
    RECORDING = "recording"
    STORING = "storing"
    DONE = "done"


@dataclass(frozen=True)
class Recording:
    prompt_id: int
    channel_id: str
    state: State = State.RINGING

    @property
    def name(self) -> str:
        """The recording's name on the PBX (what it stores, by prompt id)."""
        return f"prompt-{self.prompt_id}-{self.channel_id}"


# ---- events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    pass


@dataclass(frozen=True)
class RecordingEnded:
    ok: bool  # RecordingFinished (True) or RecordingFailed


@dataclass(frozen=True)
class PhoneGone:
    pass  # the phone never answered, hung up, or the originate was refused


@dataclass(frozen=True)
class Stored:
    pass


Event = Answered | RecordingEnded | PhoneGone | Stored


# ---- effects --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ring:
    phone: str
    channel_id: str


@dataclass(frozen=True)
class Record:
    channel_id: str
    name: str
    max_seconds: int = MAX_SECONDS
    silence_seconds: int = SILENCE_SECONDS


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class Store:
    name: str  # the PBX's stored recording: fetched, converted, then deleted there


@dataclass(frozen=True)
class Failed:
    pass


Effect = Ring | Record | HangUp | Store | Failed
Result = tuple[Recording, tuple[Effect, ...]]


def begin(prompt_id: int, phone: str, channel_id: str) -> Result:
    rec = Recording(prompt_id, channel_id)
    return rec, (Ring(phone, channel_id),)


def transition(rec: Recording, event: Event) -> Result:
    def to(state: State, *effects: Effect) -> Result:
        return replace(rec, state=state), effects
    if rec.state is State.RINGING:
        if isinstance(event, Answered):
            return to(State.RECORDING, Record(rec.channel_id, rec.name))
        if isinstance(event, PhoneGone):
            return to(State.DONE, Failed())
    elif rec.state is State.RECORDING and isinstance(event, RecordingEnded):
        if event.ok:
            return to(State.STORING, HangUp(rec.channel_id), Store(rec.name))
        return to(State.DONE, HangUp(rec.channel_id), Failed())
    elif rec.state is State.STORING and isinstance(event, Stored):
        return to(State.DONE)
    return rec, ()
