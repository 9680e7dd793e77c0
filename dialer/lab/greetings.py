"""A labelled set of callee greetings for measuring answering-machine detection (issue 9).

Humans ("Hello?", "Hi, this is Sam", "Yeah?", a long pause then "hello", background noise)
and machines (short and long voicemail greetings ending in a beep at various frequencies,
carrier "not available" announcements), spoken by espeak-ng, band-passed to the telephone
band (300-3400 Hz) and resampled to 8 kHz by sox, with seeded variation of voice, speed,
pitch, level, lead silence, noise and beep. Same seed, same files.

The files go to <lab root>/lab/greetings/ (the simulator plays `/lab/greetings/gNNN` for
the number ...9NNN) with `manifest.json`: per file its label, kind, text and the times, in
seconds from answer, of the speech's start and end and of the beep; and `levels`, the mean
absolute sample of each 20 ms frame after a G.711 mu-law round trip (what app_amd sees).
"""

from __future__ import annotations

import array
import json
import math
import random
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from .root import LabError, default_root

VERSION = "greetings-v2"
SEED = 9
RATE = 8000
FRAME = 160  # 20 ms at 8 kHz: one RTP frame

HELLO = ["Hello?", "Hello.", "Hi.", "Hello, yes?", "Hey.", "Hello there.", "Good morning."]
INTRO = ["Hi, this is Sam.", "Hello, John speaking.", "Hello, this is Maria.",
         "Good afternoon, Peter speaking.", "Hi, Sam here.", "Hello, Smith residence.",
         "Hello, this is doctor Lee.", "Yes, hello, who is this?", "Hello, Anna speaking."]
YEAH = ["Yeah?", "Yes?", "Speaking.", "Uh huh?", "Yep?", "What?", "Yello?"]
VOICEMAIL_SHORT = [
    "You've reached Sam. Leave a message.", "Hi, it's Maria. Leave a message.",
    "This is John. Please leave a message.", "Sorry I missed you. Leave a message after the tone.",
    "Hey, it's Alex, you know what to do.", "Hi, this is Kim. Leave me a message.",
    "Peter Jones. Please leave a message."]
VOICEMAIL_LONG = [
    "Hi, you've reached the Smith residence. We can't come to the phone right now. Please "
    "leave your name and number after the tone and we'll call you back.",
    "Hello, you have reached Peter Jones at Acme Insurance. I am either on the other line or "
    "away from my desk. Please leave a detailed message and I will return your call.",
    "Thank you for calling. The mailbox of four one five, five five five, zero one four two is "
    "not available. At the tone, please record your message.",
    "Hi, this is Sam. I can't take your call right now, so leave a message and I'll get back "
    "to you as soon as I can.",
    "Hello. The person you have called is not available. Please leave a message after the beep.",
    "Hello, you've reached Maria and Tom. We're out at the moment, please leave a message.",
]
CARRIER = [
    "The person you are calling is not available. Please try again later.",
    "The wireless customer you are calling is not available. Please try your call again later.",
    "We're sorry, the number you have dialed is not in service. Please check the number and "
    "dial again.",
    "The subscriber you have dialed cannot be reached at the moment. Please try again later.",
    "Your call cannot be completed as dialed. Please check the number and try again.",
]
VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-gb-x-gbclan"]
VARIANTS = ["m1", "m2", "m3", "m4", "m7", "f1", "f2", "f3", "f4", "f5"]
BEEP_HZ = [440, 600, 850, 1000, 1400, 1700, 2000]

# kind: (label, how many, texts)
KINDS = {
    "hello": ("human", 40, HELLO),
    "intro": ("human", 40, INTRO),
    "yeah": ("human", 25, YEAH),
    "pause": ("human", 25, HELLO + YEAH),     # a long pause, then the greeting
    "noise": ("human", 30, HELLO + INTRO + YEAH),  # background noise throughout
    "vm_short": ("machine", 50, VOICEMAIL_SHORT),
    "vm_long": ("machine", 50, VOICEMAIL_LONG),
    "carrier": ("machine", 30, CARRIER),
}


@dataclass(frozen=True)
class Spec:
    id: int
    label: str          # human | machine
    kind: str
    text: str
    voice: str
    speed: int          # words per minute
    pitch: int
    level_db: float     # speech peak, dBFS
    lead: float         # silence (or noise) before the speech, s
    noise_db: float | None  # background noise RMS, dBFS
    beep_hz: int | None
    beep_gap: float     # from the speech's end to the beep, s
    beep_len: float

    @property
    def name(self) -> str:
        return f"g{self.id:03d}"


def specs(seed: int = SEED) -> list[Spec]:
    """The whole set, a pure function of the seed."""
    rnd = random.Random(seed)
    out: list[Spec] = []
    for kind, (label, count, texts) in KINDS.items():
        for _ in range(count):
            machine = label == "machine"
            lead = (rnd.uniform(2.0, 4.5) if kind == "pause"
                    else rnd.uniform(0.1, 1.5) if machine else rnd.uniform(0.1, 1.0))
            noisy = kind == "noise" or (machine and rnd.random() < 0.15)
            beep = kind in ("vm_short", "vm_long") and rnd.random() < 0.9
            out.append(Spec(
                id=len(out), label=label, kind=kind, text=rnd.choice(texts),
                voice=f"{rnd.choice(VOICES)}+{rnd.choice(VARIANTS)}",
                speed=rnd.randint(130, 210), pitch=rnd.randint(30, 70),
                level_db=round(rnd.uniform(-20, -4), 1), lead=round(lead, 2),
                noise_db=round(rnd.uniform(-60, -40), 1) if noisy else None,
                beep_hz=rnd.choice(BEEP_HZ) if beep else None,
                beep_gap=round(rnd.uniform(0.2, 1.0), 2), beep_len=round(rnd.uniform(0.25, 1.0), 2)))
    return out


# ---- G.711 mu-law (what the trunk carries) ------------------------------------------------
def ulaw_encode(x: int) -> int:
    sign = 0x80 if x < 0 else 0
    x = min(abs(x), 32635) + 0x84
    exp = max(0, x.bit_length() - 8)
    exp = min(exp, 7)
    mant = (x >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def ulaw_decode(u: int) -> int:
    u = ~u & 0xFF
    exp, mant = (u >> 4) & 7, u & 0x0F
    x = (((mant << 3) + 0x84) << exp) - 0x84
    return -x if u & 0x80 else x


_ROUND_TRIP = None


def frame_levels(samples) -> list[int]:
    """Mean |sample| of each 20 ms frame after a mu-law round trip (Asterisk's silence
    detector works on exactly this: ast_dsp_silence averages |s| over the frame)."""
    global _ROUND_TRIP
    if _ROUND_TRIP is None:
        _ROUND_TRIP = [abs(ulaw_decode(ulaw_encode(x))) for x in range(-32768, 32768)]
    table = _ROUND_TRIP
    out = []
    for i in range(0, len(samples) - FRAME + 1, FRAME):
        out.append(sum(table[s + 32768] for s in samples[i:i + FRAME]) // FRAME)
    return out


# ---- rendering -----------------------------------------------------------------------------
def _read(path: Path) -> array.array:
    with wave.open(str(path)) as w:
        data = array.array("h", w.readframes(w.getnframes()))
    return data


def _write(path: Path, samples: array.array) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def speech_bounds(samples, rel: float = 0.03) -> tuple[int, int]:
    """First and last sample of the frames louder than `rel` of the loudest frame."""
    levels = [sum(abs(s) for s in samples[i:i + FRAME]) / FRAME
              for i in range(0, len(samples) - FRAME + 1, FRAME)]
    top = max(levels, default=0)
    loud = [i for i, v in enumerate(levels) if v > rel * top and v > 20]
    if not loud:
        raise LabError("no speech in a rendered greeting")
    return loud[0] * FRAME, (loud[-1] + 1) * FRAME


def _noise(rnd: random.Random, n: int, rms_db: float) -> list[float]:
    """Pink-ish noise (white through a one-pole low-pass) at `rms_db` dBFS RMS."""
    out, y = [], 0.0
    for _ in range(n):
        y = 0.85 * y + 0.15 * rnd.gauss(0, 1)
        out.append(y)
    rms = math.sqrt(sum(v * v for v in out) / max(1, n)) or 1.0
    scale = 32768 * 10 ** (rms_db / 20) / rms
    return [v * scale for v in out]


def render(spec: Spec, work: Path) -> tuple[array.array, dict]:
    raw, band = work / "raw.wav", work / "band.wav"
    subprocess.run(["espeak-ng", "-v", spec.voice, "-s", str(spec.speed), "-p", str(spec.pitch),
                    "-w", str(raw), spec.text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-D", "-r", str(RATE), "-c", "1", "-b", "16", str(band),
                    "highpass", "300", "lowpass", "3400", "norm", str(spec.level_db)],
                   check=True, capture_output=True)
    speech = _read(band)
    start, end = speech_bounds(speech)
    speech = speech[start:end]
    lead = int(spec.lead * RATE)
    signal = [0.0] * lead + [float(s) for s in speech]
    info = {"speech_start": spec.lead, "speech_end": round(len(signal) / RATE, 3),
            "beep_start": None, "beep_end": None}
    if spec.beep_hz:
        signal += [0.0] * int(spec.beep_gap * RATE)
        info["beep_start"] = round(len(signal) / RATE, 3)
        n, amp, ramp = int(spec.beep_len * RATE), 32768 * 10 ** (-8 / 20), int(0.005 * RATE)
        for i in range(n):
            env = min(1.0, i / ramp, (n - i) / ramp)
            signal.append(amp * env * math.sin(2 * math.pi * spec.beep_hz * i / RATE))
        info["beep_end"] = round(len(signal) / RATE, 3)
    if spec.noise_db is not None:  # noise under everything, and 4 s after
        signal += [0.0] * 4 * RATE
        noise = _noise(random.Random(SEED * 1000 + spec.id), len(signal), spec.noise_db)
        signal = [a + b for a, b in zip(signal, noise, strict=True)]
    else:
        signal += [0.0] * int(0.2 * RATE)
    out = array.array("h", (max(-32768, min(32767, int(round(v)))) for v in signal))
    return out, info


def greetings_dir(root: Path | None = None) -> Path:
    return Path(root or default_root()) / "lab" / "greetings"


def load_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _item(spec: Spec, samples, info: dict) -> dict:
    return asdict(spec) | info | {"name": spec.name, "duration": round(len(samples) / RATE, 3),
                                  "levels": frame_levels(samples)}


def ensure_items(ids: list[int], root: Path | None = None) -> list[dict]:
    """A few greetings of the default set (a short lab test), rendered if missing: the
    same files the whole set has."""
    folder = greetings_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    by_id = {s.id: s for s in specs()}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in ids:
            spec = by_id[i]
            samples, info = render(spec, Path(tmp))
            path = folder / f"{spec.name}.wav"
            if not path.exists() or _read(path) != samples:
                _write(path, samples)
            out.append(_item(spec, samples, info))
    return out


def ensure_greetings(root: Path | None = None, seed: int = SEED, say=print) -> Path:
    """The set in <root>/lab/greetings, generated only when missing or of another recipe."""
    folder = greetings_dir(root)
    try:
        manifest = load_manifest(folder)
        if manifest["version"] == VERSION and manifest["seed"] == seed:
            return folder
    except (OSError, ValueError, KeyError):
        pass
    for tool in ("espeak-ng", "sox"):
        if not shutil.which(tool):
            raise LabError(f"{tool} is missing: apt-get install -y espeak-ng sox")
    all_specs = specs(seed)
    say(f"lab: generating {len(all_specs)} greetings in {folder} (about a minute)")
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in all_specs:
            samples, info = render(spec, Path(tmp))
            _write(folder / f"{spec.name}.wav", samples)
            items.append(_item(spec, samples, info))
    (folder / "manifest.json").write_text(json.dumps(
        {"version": VERSION, "seed": seed, "rate": RATE, "frame_ms": 20, "items": items}))
    return folder
