"""Audio in lab tests: a stored recording's samples, Goertzel's power of one frequency."""

from __future__ import annotations

import array
import io
import math
import wave
from collections.abc import Sequence


async def stored_audio(client, name: str) -> tuple[array.array, int]:
    """The mono 16-bit samples of an Asterisk stored recording, and its rate."""
    resp = await client.open_stored_recording(name)
    try:
        data = await resp.read()
    finally:
        resp.release()
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return array.array("h", w.readframes(w.getnframes())), w.getframerate()


def tone_power(samples: Sequence[int], hz: float, rate: int = 8000) -> float:
    """Goertzel: the power of one frequency, relative to the signal's (0..1)."""
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    energy = sum(x * x for x in samples) or 1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (energy * len(samples) / 2)
