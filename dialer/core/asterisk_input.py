"""What a user-typed value may become in Asterisk: prompts, spoken names and numbers,
caller-ID strings and dial strings. Pure: every value that reaches ARI is built here.

ARI media lists split on commas and know schemes (`sound:`, `recording:`, `characters:`...);
caller-ID strings take quotes and angle brackets; a dial string picks a channel driver and a
trunk. So nothing typed by a user is passed through: prompts are names from a safe alphabet
turned into `sound:<name>` here, names are reduced to what `characters:` can say, and a dial
target is a PJSIP endpoint name or an E.164 number, never a raw dial string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


class UnsafeValue(ValueError):
    """A value refused for Asterisk; `reason` is short and meant for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---- prompts ---------------------------------------------------------------------------
# An Asterisk sound, optionally in one sub-folder ("vm-goodbye", "digits/1"): no scheme,
# no URL, no "..", no comma. Uploaded prompts will be played by id, never by a typed name.
_PROMPT = re.compile(r"[a-z0-9_-]{1,64}(/[a-z0-9_-]{1,64})?")
_LEGACY_SCHEME = "sound:"  # stored values before migration 011, still accepted as input


def prompt_name(value: str) -> str:
    """The prompt name in `value` ("vm-goodbye", or the legacy "sound:vm-goodbye")."""
    name = value[len(_LEGACY_SCHEME):] if value.startswith(_LEGACY_SCHEME) else value
    if not _PROMPT.fullmatch(name):
        raise UnsafeValue("a prompt name like vm-goodbye or digits/1 (lower-case letters, "
                          "digits, - and _; no URL, scheme, comma or ..)")
    return name


def prompt_media(stored: str | None, default: str) -> str:
    """The ARI media URI of a stored prompt name; `default` when there is none, or when
    the stored value is not a safe name (written before the checks, by hand)."""
    try:
        return "sound:" + prompt_name(stored or default)
    except UnsafeValue:
        return "sound:" + prompt_name(default)


# ---- what a user hears of a caller -----------------------------------------------------
SPOKEN_NAME_MAX = 24  # characters spelled (about 0.7 s each): a whisper stays short


def spoken_name(name: str) -> str | None:
    """`name` as `characters:` can spell it, or None if nothing sayable is left: ASCII
    letters and digits (accents dropped: "Zoë" -> "Zoe"), words joined by one space, whole
    words up to SPOKEN_NAME_MAX characters. Commas, colons and the like are gone, so it
    stays one item of a media list."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    spoken = ""
    for word in re.findall(r"[A-Za-z0-9]+", ascii_text):
        longer = f"{spoken} {word}" if spoken else word
        if len(longer) > SPOKEN_NAME_MAX:
            return spoken or word[:SPOKEN_NAME_MAX]
        spoken = longer
    return spoken or None


def caller_digits(number: str) -> str | None:
    """The digits of a number as `digits:` says them, or None if it has none."""
    digits = re.sub(r"[^0-9]", "", number)[:15]
    return digits or None


def announce_media(name: str | None, number: str) -> list[str]:
    """The media items that tell a user who calls: the spelled name when there is one,
    else the number's digits; nothing when neither has anything sayable."""
    spoken = spoken_name(name) if name else None
    if spoken:
        return [f"characters:{spoken}"]
    digits = caller_digits(number)
    return [f"digits:{digits}"] if digits else []


# ---- caller ID -------------------------------------------------------------------------
CALLER_NAME_MAX = 40
_CALLER_NUMBER = re.compile(r"\+?[0-9]{1,15}")


def caller_name(name: str) -> str:
    """A display name that cannot end the quoted part of a caller-ID string: no quotes,
    backslashes, angle brackets or control characters; spaces collapsed."""
    kept = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch
                   for ch in name if ch not in '"\\<>')
    return " ".join(kept.split())[:CALLER_NAME_MAX].strip()


def caller_number(number: str) -> str:
    """An E.164 or digits-only number as is; anything else refused."""
    if not _CALLER_NUMBER.fullmatch(number):
        raise UnsafeValue(f"{number!r} is not an E.164 or digits-only number")
    return number


def caller_id(name: str | None, number: str) -> str:
    """`"name" <number>`, or the number alone when the name has nothing left."""
    shown = caller_name(name) if name else ""
    number = caller_number(number)
    return f'"{shown}" <{number}>' if shown else number


# ---- dial targets ----------------------------------------------------------------------
# A PJSIP endpoint's name as an admin writes it in pjsip.conf: no "/", "@", "&", ",".
_ENDPOINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True)
class Endpoint:
    """A desk phone: a PJSIP endpoint on the PBX."""

    name: str

    @property
    def dial_string(self) -> str:
        return f"PJSIP/{self.name}"


@dataclass(frozen=True)
class PhoneNumber:
    """A number reached like a campaign call: through the trunk, or simulated in
    [dialer-training] under a training plan."""

    e164: str

    def dial_string(self, trunk: str, training: bool) -> str:
        if training:
            return f"Local/{self.e164}@dialer-training"
        return f"PJSIP/{self.e164}@{trunk}"


def parse_endpoint(value: str) -> Endpoint:
    """"agent1" or "PJSIP/agent1"; any other channel driver, a trunk address
    ("PJSIP/x@carrier"), Local/, parallel dial (&) or options are refused."""
    name = value[len("PJSIP/"):] if value.startswith("PJSIP/") else value
    if not _ENDPOINT.fullmatch(name) or name.strip(".") == "" or ".." in name:
        raise UnsafeValue("the name of a PJSIP endpoint on the PBX, like agent1 or PJSIP/agent1 "
                          "(no other channel type, no @trunk, no &, / or ,)")
    return Endpoint(name)


def parse_stored_target(value: str) -> Endpoint | PhoneNumber:
    """A ring target as stored: an E.164 number, else an endpoint (checked again: a value
    stored before these checks existed is refused here rather than dialled)."""
    if _E164.fullmatch(value):
        return PhoneNumber(value)
    return parse_endpoint(value)


def dial_string(target: str, trunk: str, training: bool) -> str:
    """The ARI `endpoint` for a stored ring target; UnsafeValue for anything else."""
    parsed = parse_stored_target(target)
    if isinstance(parsed, PhoneNumber):
        return parsed.dial_string(trunk, training)
    return parsed.dial_string
