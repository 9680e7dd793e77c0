"""What a prompt is and how a stored reference becomes what Asterisk plays. Pure.

A field that plays a message (a campaign's safe-harbour, machine and consent messages, the
ring group's status and whisper prompts) holds a reference: `prompt:<id>`, one of the
account's prompts, or the name of a shipped Asterisk sound from `BUILT_IN_SOUNDS`. Nothing
a user types becomes a path or a media URI: an uploaded prompt's file is named by its id
(`<directory>/<account id>/prompt-<id>.wav`), a built-in sound's name comes from the list.
Values stored before migration 028 (any safe sound name) still play; new ones are checked.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from ..core.asterisk_input import prompt_media

# Shipped Asterisk sounds (asterisk-core-sounds-en) a message may name.
BUILT_IN_SOUNDS: tuple[str, ...] = (
    "auth-thankyou", "beep", "conf-now-recording", "goodbye", "hello-world",
    "one-moment-please", "pls-hold-while-try", "queue-thankyou", "silence/1", "tt-allbusy",
    "tt-weasels", "vm-goodbye", "vm-nobodyavail", "vm-sorry",
)
MAX_SECONDS = 300            # a longer prompt is refused (5 minutes)
MAX_BYTES = 20 * 1024 * 1024  # an upload over this is refused before it is decoded
MAX_NAME = 100
MAX_SPEECH = 2000            # characters of text to speech
SAMPLE_RATE = 8000           # what Asterisk plays for telephone audio: 8 kHz mono 16-bit
SPEECH_VOICES: tuple[str, ...] = ("en-us", "en", "en-gb-x-rp", "fr", "de", "es", "it", "nl",
                                  "pt", "pl")

_REFERENCE = re.compile(r"prompt:([1-9][0-9]{0,17})")


class Source(enum.Enum):
    UPLOAD = "upload"
    RECORDING = "recording"  # from a desk phone
    SPEECH = "speech"        # text to speech


class Status(enum.Enum):
    READY = "ready"
    RECORDING = "recording"  # the desk phone rings or records
    FAILED = "failed"        # the recording never came


# A desk-phone recording rings 30 s at most (shell.py), records MAX_SECONDS at most, then is
# stored: a prompt still `recording` after this was left by a dialer that stopped meanwhile.
RECORDING_LIFETIME = dt.timedelta(seconds=60 + MAX_SECONDS + 60)


def status_of(stored: Status, created_at: dt.datetime, now: dt.datetime) -> Status:
    """A prompt's status as shown: a recording past RECORDING_LIFETIME has failed."""
    if stored is Status.RECORDING and now - created_at > RECORDING_LIFETIME:
        return Status.FAILED
    return stored


@dataclass(frozen=True)
class Uploaded:
    prompt_id: int


@dataclass(frozen=True)
class BuiltIn:
    name: str


Reference = Uploaded | BuiltIn


class BadReference(ValueError):
    """A reference refused; `reason` is meant for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(value: str) -> Reference:
    """A new value for a message field: `prompt:<id>`, or a built-in sound's name (the
    legacy "sound:" prefix is dropped)."""
    match = _REFERENCE.fullmatch(value)
    if match:
        return Uploaded(int(match.group(1)))
    name = value.removeprefix("sound:")
    if name in BUILT_IN_SOUNDS:
        return BuiltIn(name)
    raise BadReference("one of the account's prompts (prompt:<id>) or a shipped sound: "
                       + ", ".join(BUILT_IN_SOUNDS))


def uploaded_id(value: str | None) -> int | None:
    """The prompt id a stored value names, if it names one."""
    match = _REFERENCE.fullmatch(value or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class PromptFiles:
    """Where the prompts are: `directory` as the dialer writes it, `pbx_directory` the
    same folder as the PBX reads it (a shared mount or an rsync target)."""
    directory: str
    pbx_directory: str

    def stem(self, account_id: int, prompt_id: int, *, pbx: bool) -> str:
        """The file without its extension (Asterisk picks the format)."""
        root = self.pbx_directory if pbx else self.directory
        return f"{root.rstrip('/')}/{account_id}/prompt-{prompt_id}"


def media(value: str | None, default: str, *, account_id: int, files: PromptFiles) -> str:
    """The ARI media URI of a stored value; `default` (a built-in name) when there is none
    or it is not a reference (a hand edit). An uploaded prompt plays from the PBX's copy
    of the account's folder, by id: another account's id never names a file there."""
    prompt_id = uploaded_id(value)
    if prompt_id is not None:
        return "sound:" + files.stem(account_id, prompt_id, pbx=True)
    return prompt_media(value, default)


@dataclass(frozen=True)
class Prompt:
    id: int
    account_id: int
    name: str
    source: Source
    status: Status
    duration_seconds: float | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "account_id": self.account_id, "name": self.name,
                "source": self.source.value, "status": self.status.value,
                "duration_seconds": self.duration_seconds, "reference": f"prompt:{self.id}"}


# ---- what an upload is -----------------------------------------------------------------------
_MAGIC: tuple[tuple[bytes, str], ...] = (  # (first bytes, sox type)
    (b"RIFF", "wav"), (b"ID3", "mp3"), (b"OggS", "ogg"), (b"fLaC", "flac"), (b"FORM", "aiff"),
    (b".snd", "au"),
)


def audio_type(head: bytes) -> str | None:
    """The container of an upload from its first bytes (None: not audio sox reads):
    WAV, MP3 (with or without an ID3 tag), OGG, FLAC, AIFF, AU."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # an MPEG frame sync
        return "mp3"
    return None


def usage_message(uses: list[str]) -> str:
    return "in use by " + "; ".join(uses) + ": choose another message there first"
