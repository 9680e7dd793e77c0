"""The labelled answer set for the AMD classifier (issue 20): humans, machines and call-screening
assistants, spoken by three engines, through the telephone network's troubles.

Like dialer/lab/greetings.py (the espeak-ng set app_amd was tuned on), but:
- three verdicts: human (short "Hello?", "Yes?", introductions, business greetings, a long
  pause, a second "hello?" when nobody answers), machine (short and long voicemail greetings,
  with and without a beep, carrier announcements) and screening (Google / Apple / Samsung-style
  call-screening assistants asking for a name and a reason);
- three engines, each voice in one split only: espeak-ng, flite and festival (apt-get install
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox);
  `TEST_VOICES` (a whole engine, flite, and held-out voices of the others) never train, and
  the texts' names, companies and phrasings are split too;
- the channel: tempo and pitch shifts, levels, band edges, background noise, a codec round
  trip (G.711 A-law, GSM 06.10, AMR-NB 4.75-12.2 kbit/s, all by sox), packet loss in bursts
  (lost 20 ms frames are digital silence, as the snoop delivers them) and jitter (frames
  swapped), then G.711 mu-law: what the dialer's RTP socket receives.

Deterministic from the seed; cached under ~/.cache/dialer-amd/<recipe>-<seed>/ (one mu-law
file per clip and manifest.json). `python -m bench.amd_corpus` builds it.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from dialer.lab import greetings
from dialer.lab.greetings import FRAME, RATE, _noise, _read, speech_bounds, ulaw_decode, ulaw_encode

RECIPE = "amd-corpus-v2"
SEED = 20

# (split) -> words the texts are made of: a test text never trained.
NAMES = {"train": ["Sam", "Maria", "John", "Peter", "Anna", "Kim", "Tom", "Laura"],
         "test": ["Alex", "Sarah", "David", "Emma", "Michael", "Nina", "Robert", "Julia"]}
COMPANIES = {"train": ["Acme Insurance", "Northwind", "Blue Harbor Dental", "City Motors"],
             "test": ["Greenfield Law", "Summit Realty", "Apex Plumbing", "Riverside Clinic"]}
# kind -> (label, templates for train, templates for test)
TEXTS: dict[str, tuple[str, list[str], list[str]]] = {
    "hello": ("human", ["Hello?", "Hi.", "Yes?", "Hello, yes?", "Yeah?", "Speaking."],
              ["Hello.", "Hey.", "Yep?", "Hello there.", "Uh huh?", "Hi, who is this?"]),
    "intro": ("human", ["Hi, this is {name}.", "Hello, {name} speaking.", "{name} here."],
              ["Hello, this is {name}.", "Hi, {name} speaking.", "Yes, {name} here, hello?"]),
    "business": ("human", ["Good afternoon, {company}, {name} speaking.",
                           "{company}, this is {name}, how can I help you?",
                           "Good morning, {company}."],
                 ["Good morning, {company}, {name} speaking.",
                  "Thank you for calling {company}, this is {name}.",
                  "{company}, {name} speaking, how may I help?"]),
    "vm_short": ("machine", ["You've reached {name}. Leave a message.", "{name}. Please leave a message.",
                             "Hi, it's {name}, you know what to do."],
                 ["Hi, this is {name}. Leave me a message.", "This is {name}, leave a message after the tone.",
                  "{name} here, please leave a message."]),
    "vm_long": ("machine", [
        "Hi, you've reached {name}. I can't come to the phone right now. Please leave your name "
        "and number after the tone and I'll call you back.",
        "Hello, you have reached {name} at {company}. I am either on the other line or away from "
        "my desk. Please leave a detailed message and I will return your call.",
        "Thank you for calling {company}. Our office is closed. Please leave a message and we "
        "will get back to you on the next business day."], [
        "Hello, this is {name}. Sorry I missed your call. Leave a message with your number and "
        "I will get back to you as soon as I can.",
        "You have reached the voice mailbox of {name} at {company}. I am out of the office "
        "today. Please leave a message after the beep.",
        "Hi, {name} and family here. We are not home right now, so please leave a message and we "
        "will call you back."]),
    "carrier": ("machine", [
        "The person you are calling is not available. Please try again later.",
        "The number you have dialed is not in service. Please check the number and dial again."], [
        "The wireless customer you are calling is not available. Please try your call again later.",
        "The subscriber you have dialed cannot be reached at the moment. Please try again later."]),
    "screening": ("screening", [
        "Hi, if you record your name and reason for calling, I'll see if this person is available.",
        "Hello, the person you're calling is using a screening service and will get a copy of "
        "this conversation. Go ahead and say your name and why you're calling.",
        "Hi, this is an assistant answering for {name}. Please say your name and the reason for "
        "your call."], [
        "Hi, the person you are calling is using a call screening service. Please state your "
        "name and the reason for your call.",
        "Hello, if you say your name and why you're calling, I'll see if {name} is available.",
        "Hi, before I connect you, please tell me your name and what this call is about."]),
}
# kind -> clips per split (train, test): humans ~45%, machines ~40%, screening ~15%
COUNTS = {"hello": (140, 70), "intro": (90, 45), "business": (90, 45), "vm_short": (110, 55),
          "vm_long": (110, 55), "carrier": (50, 25), "screening": (110, 55)}
VOICES = {  # (engine, voice) per split; flite never trains
    "train": [("espeak-ng", "en-us"), ("espeak-ng", "en-gb"), ("espeak-ng", "en-gb-scotland"),
              ("espeak-ng", "en-029"), ("festival", "ked_diphone")],
    "test": [("flite", "kal16"), ("flite", "awb"), ("flite", "rms"), ("flite", "slt"),
             ("festival", "kal_diphone"), ("festival", "cmu_us_slt_arctic_hts"),
             ("espeak-ng", "en-gb-x-rp"), ("espeak-ng", "en-gb-x-gbclan")],
}
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m7", "f1", "f2", "f3", "f4", "f5"]
CODECS = ["ulaw", "alaw", "gsm", "amr-nb"]  # the round trip before the trunk's mu-law
BEEP_HZ = [440, 600, 850, 1000, 1400, 1700, 2000]
TOOLS = ["espeak-ng", "flite", "text2wave", "sox"]


@dataclass(frozen=True)
class Clip:
    id: int
    split: str          # train | test
    label: str          # human | machine | screening
    kind: str
    text: str
    engine: str
    voice: str          # espeak-ng: with its +variant
    tempo: float        # sox tempo factor
    pitch_cents: int
    level_db: float     # speech peak, dBFS
    band: tuple[int, int]
    lead: float         # s before the speech
    again_after: float | None  # a human who says it again after this many s of silence
    noise_db: float | None
    codec: str
    loss: float         # share of 20 ms frames lost (in bursts)
    jitter: float       # share of frames swapped with the next
    beep_hz: int | None
    beep_gap: float
    beep_len: float

    @property
    def name(self) -> str:
        return f"c{self.id:04d}"


def _fill(template: str, split: str, rnd: random.Random) -> str:
    return template.format(name=rnd.choice(NAMES[split]), company=rnd.choice(COMPANIES[split]))


def _clip(rnd: random.Random, ident: int, split: str, kind: str) -> Clip:
    label, train_texts, test_texts = TEXTS[kind]
    engine, voice = rnd.choice(VOICES[split])
    if engine == "espeak-ng":
        voice = f"{voice}+{rnd.choice(ESPEAK_VARIANTS)}"
    human = label == "human"
    beep = kind in ("vm_short", "vm_long") and rnd.random() < 0.8
    return Clip(
        id=ident, split=split, label=label, kind=kind,
        text=_fill(rnd.choice(train_texts if split == "train" else test_texts), split, rnd),
        engine=engine, voice=voice, tempo=round(rnd.uniform(0.85, 1.25), 2),
        pitch_cents=rnd.choice([0, 0, rnd.randint(-300, 300)]), level_db=round(rnd.uniform(-24, -4), 1),
        band=(rnd.choice([200, 300, 350]), rnd.choice([3000, 3400, 3600])),
        lead=round(rnd.uniform(2.0, 4.0) if human and rnd.random() < 0.12
                   else rnd.uniform(0.1, 1.0 if human else 1.5), 2),
        again_after=round(rnd.uniform(1.5, 3.0), 2) if kind == "hello" and rnd.random() < 0.3 else None,
        noise_db=round(rnd.uniform(-60, -35), 1) if rnd.random() < 0.35 else None,
        codec=rnd.choice(CODECS), loss=rnd.choice([0.0, 0.0, round(rnd.uniform(0.005, 0.05), 3)]),
        jitter=rnd.choice([0.0, round(rnd.uniform(0.0, 0.03), 3)]),
        beep_hz=rnd.choice(BEEP_HZ) if beep else None,
        beep_gap=round(rnd.uniform(0.2, 1.0), 2), beep_len=round(rnd.uniform(0.25, 1.0), 2))


def clips(seed: int = SEED, scale: float = 1.0) -> list[Clip]:
    """The whole set, a pure function of the seed (`scale` shrinks every kind's count)."""
    rnd = random.Random(seed)
    out: list[Clip] = []
    for split, column in (("train", 0), ("test", 1)):
        for kind, counts in COUNTS.items():
            for _ in range(max(2, round(counts[column] * scale))):
                out.append(_clip(rnd, len(out), split, kind))
    return out


# ---- rendering -----------------------------------------------------------------------------
def _synthesise(clip: Clip, text: str, raw: Path) -> None:
    if clip.engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", clip.voice, "-w", str(raw), text]
    elif clip.engine == "flite":
        cmd = ["flite", "-voice", clip.voice, "-t", text, "-o", str(raw)]
    else:
        cmd = ["text2wave", "-eval", f"(voice_{clip.voice})", "-o", str(raw)]
    subprocess.run(cmd, input=text.encode() if clip.engine == "festival" else None,
                   check=True, capture_output=True)


def _speech(clip: Clip, text: str, work: Path) -> array.array:
    """The text spoken, in the telephone band at 8 kHz, trimmed to its speech."""
    raw, band = work / "raw.wav", work / "band.wav"
    _synthesise(clip, text, raw)
    effects = ["tempo", "-s", str(clip.tempo)]
    if clip.pitch_cents:
        effects += ["pitch", str(clip.pitch_cents)]
    effects += ["highpass", str(clip.band[0]), "lowpass", str(clip.band[1]), "norm", str(clip.level_db)]
    subprocess.run(["sox", "-R", str(raw), "-D", "-r", str(RATE), "-c", "1", "-b", "16", str(band), *effects],
                   check=True, capture_output=True)
    samples = _read(band)
    start, end = speech_bounds(samples)
    return samples[start:end]


def _beep(clip: Clip) -> list[float]:
    assert clip.beep_hz is not None
    n, amp, ramp = int(clip.beep_len * RATE), 32768 * 10 ** (-8 / 20), int(0.005 * RATE)
    return [amp * min(1.0, i / ramp, (n - i) / ramp) * math.sin(2 * math.pi * clip.beep_hz * i / RATE)
            for i in range(n)]


def _codec_round_trip(samples: array.array, codec: str, work: Path) -> array.array:
    if codec == "ulaw":
        return samples
    src, coded, back = work / "pre.raw", work / f"coded.{codec}", work / "back.raw"
    src.write_bytes(samples.tobytes())
    raw_in = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
    fmt = {"alaw": ["-t", "al"], "gsm": ["-t", "gsm"], "amr-nb": ["-t", "amr-nb", "-C", "7"]}[codec]
    for cmd in ([*raw_in, str(src), *fmt, str(coded)], [*fmt[:2], str(coded), *raw_in, str(back)]):
        subprocess.run(["sox", "-D", "-R", *cmd], check=True, capture_output=True)  # no dither: repeatable
    out = array.array("h", back.read_bytes())
    return (out + array.array("h", bytes(2 * max(0, len(samples) - len(out)))))[:len(samples)]


def _network(frames: list[bytes], clip: Clip, rnd: random.Random) -> list[bytes]:
    """Bursty loss (a two-state chain: 1-4 frames per burst) and jitter (adjacent frames swapped:
    the dialer plays them in arrival order)."""
    out, lost_run = [], 0
    silent = bytes([0xFF]) * FRAME  # mu-law zero
    for frame in frames:
        if lost_run == 0 and rnd.random() < clip.loss / 2.5:
            lost_run = rnd.randint(1, 4)
        out.append(silent if lost_run else frame)
        lost_run = max(0, lost_run - 1)
    for i in range(len(out) - 1):
        if rnd.random() < clip.jitter:
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def render(clip: Clip, work: Path) -> tuple[bytes, dict]:
    """The clip as mu-law bytes at 8 kHz, and its times (s from answer)."""
    rnd = random.Random(f"{SEED}-{clip.id}")
    speech = [float(s) for s in _speech(clip, clip.text, work)]
    signal = [0.0] * int(clip.lead * RATE) + speech
    info: dict = {"speech_start": clip.lead, "speech_end": round(len(signal) / RATE, 3),
                  "beep_start": None, "beep_end": None}
    if clip.again_after is not None:  # nobody answered: "hello?" again
        signal += [0.0] * int(clip.again_after * RATE) + speech
    if clip.beep_hz is not None:
        signal += [0.0] * int(clip.beep_gap * RATE)
        info["beep_start"] = round(len(signal) / RATE, 3)
        signal += _beep(clip)
        info["beep_end"] = round(len(signal) / RATE, 3)
    signal += [0.0] * int(3.0 * RATE)  # then silence: waiting, or recording
    signal += [0.0] * (-len(signal) % FRAME)
    if clip.noise_db is not None:
        noise = _noise(rnd, len(signal), clip.noise_db)
        signal = [a + b for a, b in zip(signal, noise, strict=True)]
    pcm = array.array("h", (max(-32768, min(32767, int(round(v)))) for v in signal))
    coded = _codec_round_trip(pcm, clip.codec, work)
    ulaw = bytes(ulaw_encode(s) for s in coded)
    frames = _network([ulaw[i:i + FRAME] for i in range(0, len(ulaw), FRAME)], clip, rnd)
    return b"".join(frames), info


def frame_levels(ulaw: bytes) -> list[int]:
    """Mean |sample| of each 20 ms frame: what app_amd's silence detector sees."""
    return greetings.frame_levels([ulaw_decode(b) for b in ulaw])


def corpus_dir(seed: int = SEED, scale: float = 1.0) -> Path:
    base = Path(os.environ.get("DIALER_AMD_CACHE", Path.home() / ".cache" / "dialer-amd"))
    return base / (f"{RECIPE}-{seed}" + ("" if scale == 1.0 else f"-x{scale}"))


def missing_tools() -> list[str]:
    return [t for t in TOOLS if not shutil.which(t)]


def ensure_corpus(seed: int = SEED, scale: float = 1.0, say=print) -> Path:
    """The set rendered into its cache folder, unless it is there already."""
    folder = corpus_dir(seed, scale)
    if (folder / "manifest.json").exists():
        return folder
    if missing_tools():
        raise RuntimeError(f"missing {missing_tools()}: apt-get install -y espeak-ng flite festival "
                           "festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts sox")
    all_clips = clips(seed, scale)
    say(f"amd corpus: rendering {len(all_clips)} clips into {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, clip in enumerate(all_clips):
            ulaw, info = render(clip, Path(tmp))
            (folder / f"{clip.name}.ul").write_bytes(ulaw)
            items.append(asdict(clip) | info | {"name": clip.name, "duration": len(ulaw) / RATE})
            if n % 100 == 99:
                say(f"  {n + 1} / {len(all_clips)}")
    (folder / "manifest.json").write_text(json.dumps({"recipe": RECIPE, "seed": seed, "items": items}))
    return folder


def load(folder: Path) -> list[dict]:
    """The manifest's items, each with its mu-law audio under "ulaw"."""
    items = json.loads((folder / "manifest.json").read_text())["items"]
    return [item | {"ulaw": (folder / f"{item['name']}.ul").read_bytes()} for item in items]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--scale", type=float, default=1.0, help="fewer clips of every kind")
    args = ap.parse_args()
    print(ensure_corpus(args.seed, args.scale))


if __name__ == "__main__":
    main()
