"""Tones in recorded audio (lab tests): Goertzel's power of one frequency."""

from __future__ import annotations

import math
from collections.abc import Sequence


def tone_power(samples: Sequence[int], hz: float, rate: int = 8000) -> float:
    """Goertzel: the power of one frequency, relative to the signal's (0..1)."""
    coeff = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    energy = sum(x * x for x in samples) or 1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (energy * len(samples) / 2)
