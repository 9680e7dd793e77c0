"""Voicemail beep detection on the callee's audio (issue 9): leave the message after the
beep, not over the greeting. Pure functions over 8 kHz sample frames; the ARI/RTP side is
dialer.beep.shell.

A frame is *tonal* when one frequency in 300-2500 Hz carries most of its energy: the
frequency comes from a 2nd-order linear prediction (a sine obeys x[n] = 2cos(w)x[n-1] -
x[n-2]), its share of the energy from a Goertzel filter at exactly that frequency. A beep is
a run of tonal frames at one frequency lasting >= `min_tone` (shorter if the run was already
going when listening began: the beep started before we joined); it is over at the first
frame that is not that tone (up to `max_gap` of digital silence inside it is a gap the PBX
filled while the callee's audio was late, not its end). Without a beep: `silence` seconds
of silence after sound (the greeting ended with no beep), `leading_silence` seconds if
nothing was heard at all (the greeting and its beep were over before listening began),
or `max_wait` seconds in all, ends the wait. Silence is under -40 dBFS, or under 8 dB over
the quietest frame yet, up to -32 dBFS, when there is background noise; a frame of digital
silence is a gap in the audio, not the quietest.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

RATE = 8000
FRAME = 160  # 20 ms
# Far under a whole frame at the smallest non-zero G.711 level (-72 dBFS): digital silence, a gap
# the PBX filled (the snoop had no audio for it), not the quietest the line gets.
GAP_DB = -90.0


def _ulaw_decode(u: int) -> int:
    u = ~u & 0xFF
    exp, mant = (u >> 4) & 7, u & 0x0F
    x = (((mant << 3) + 0x84) << exp) - 0x84
    return -x if u & 0x80 else x


ULAW = tuple(_ulaw_decode(u) for u in range(256))  # G.711 mu-law byte -> 16-bit sample


def ulaw_to_samples(payload: bytes) -> list[int]:
    return [ULAW[b] for b in payload]


@dataclass(frozen=True)
class Tone:
    freq: float | None   # Hz, None when the frame is silent or not predictable
    share: float         # of the frame's energy at `freq` (0..1)
    rms: float           # frame RMS (16-bit units)


def analyse(samples: Sequence[float], rate: int = RATE) -> Tone:
    """The frame's dominant frequency and the share of its energy there."""
    n = len(samples)
    if n < 8:
        return Tone(None, 0.0, 0.0)
    # Sums over map (exact for integer samples): x[n-1]^2 and x[n-1](x[n] + x[n-2]), n >= 2.
    middle = samples[1:n - 1]
    energy = float(sum(map(operator.mul, samples, samples)))
    r0 = float(sum(map(operator.mul, middle, middle)))
    r1 = float(sum(map(operator.mul, middle, map(operator.add, samples[2:], samples[:n - 2]))))
    rms = math.sqrt(energy / n)
    if r0 <= 0.0 or rms < 1.0:
        return Tone(None, 0.0, rms)
    c = max(-1.0, min(1.0, r1 / r0 / 2))  # cos(w)
    w = math.acos(c)
    # Goertzel at w (a non-integer bin is fine): the tone's power.
    coeff = 2 * c
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2  # |X(w)|^2
    share = min(1.0, 2 * power / (n * energy))
    return Tone(w * rate / (2 * math.pi), share, rms)


@dataclass(frozen=True)
class BeepSettings:
    low_hz: float = 300.0
    high_hz: float = 2500.0
    min_share: float = 0.8       # of a frame's energy at its one frequency
    min_level_db: float = -45.0  # dBFS RMS: quieter is not a beep
    same_hz: float = 40.0        # frames of one beep stay within this of the run's first
    min_tone: float = 0.12       # s of tone that make a beep
    min_tone_joined: float = 0.04  # s, when the tone was already on as listening began
    silence_db: float = -40.0    # dBFS RMS under which a frame is silence, and under
    over_floor_db: float = 8.0   # this over the quietest frame yet (background noise),
    max_silence_db: float = -32.0  # up to this
    silence: float = 2.0         # s of silence after sound: the greeting ended, no beep
    # s of silence from the start with no sound at all: the greeting and its beep were over
    # before listening began (a late verdict); longer than `silence`, as app_amd's "initial
    # silence" machines may begin their greeting after a few seconds
    leading_silence: float = 5.0
    max_wait: float = 20.0       # s: give up waiting
    max_gap: float = 0.06        # s of digital silence (audio late to the PBX) inside a beep


def _db(rms: float) -> float:
    return 20 * math.log10(max(rms, 1e-9) / 32768)


class BeepDetector:
    """Feed 8 kHz frames in order; `feed` returns None until the wait is over, then
    ("beep", t) with t the beep's end, ("silence", t) or ("timeout", t), t in seconds since
    the first frame (where the frame that decided ends)."""

    def __init__(self, settings: BeepSettings | None = None, rate: int = RATE,
                 quiet_after_sound: float | None = None):
        """`quiet_after_sound`: s of silence after the greeting before listening began (the
        classifier heard it end): the silence wait then counts from there, not from the
        first frame as a wait with no sound yet."""
        self.s, self.rate = settings or BeepSettings(), rate
        self.t = 0.0            # s of audio fed
        self.run_hz: float | None = None
        self.run_start = 0.0
        self.run_len = 0.0
        self.gap = 0.0          # s of digital silence since the run's last tonal frame
        self.quiet = quiet_after_sound or 0.0  # s of silence so far (since the last sound)
        self.heard = quiet_after_sound is not None  # any sound yet
        self.floor_db = 0.0     # the quietest frame yet (dBFS)
        self.result: tuple[str, float] | None = None
        self.beeps = 0

    def tonal(self, tone: Tone) -> bool:
        s = self.s
        return (tone.freq is not None and s.low_hz <= tone.freq <= s.high_hz
                and tone.share >= s.min_share and _db(tone.rms) >= s.min_level_db)

    def feed(self, samples: Sequence[float]) -> tuple[str, float] | None:
        if self.result is not None:
            return self.result
        dur = len(samples) / self.rate
        start, self.t = self.t, self.t + dur
        tone = analyse(samples, self.rate)
        s = self.s
        if self.tonal(tone) and tone.freq is not None and (
                self.run_hz is None or abs(tone.freq - self.run_hz) <= s.same_hz):
            if self.run_hz is None:
                self.run_hz, self.run_start, self.run_len = tone.freq, start, 0.0
            self.run_len += dur
            self.gap = 0.0
        elif self.run_hz is not None and _db(tone.rms) <= GAP_DB and self.gap + dur <= s.max_gap + 1e-9:
            self.gap += dur  # a few frames the PBX filled: the beep may go on after them
        else:
            if self.run_hz is not None:
                need = s.min_tone_joined if self.run_start == 0.0 else s.min_tone
                if self.run_len >= need - 1e-9:
                    self.beeps += 1
                    self.result = ("beep", self.t)  # the frame that showed the end
                    return self.result
                self.run_hz, self.gap = None, 0.0
                if self.tonal(tone):  # another frequency begins a run of its own
                    self.run_hz, self.run_start, self.run_len = tone.freq, start, dur
        level = _db(tone.rms)
        if level > GAP_DB:  # a gap in the audio says nothing of the line's noise
            self.floor_db = min(self.floor_db, level)
        if level < max(s.silence_db, min(self.floor_db + s.over_floor_db, s.max_silence_db)):
            self.quiet += dur
        else:
            self.quiet, self.heard = 0.0, True
        if self.quiet >= (s.silence if self.heard else s.leading_silence) - 1e-9:
            self.result = ("silence", self.t)
        elif self.t >= s.max_wait - 1e-9:
            self.result = ("timeout", self.t)
        return self.result


def detect(samples: Sequence[float], settings: BeepSettings | None = None, rate: int = RATE,
           frame: int = FRAME) -> tuple[str, float] | None:
    """Run a detector over a whole recording (tests, the offline bench)."""
    d = BeepDetector(settings, rate)
    for i in range(0, len(samples) - frame + 1, frame):
        out = d.feed(samples[i:i + frame])
        if out is not None:
            return out
    return None
