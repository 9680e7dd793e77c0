"""Answering-machine detection settings: app_amd's nine parameters, the dialer's tuned
defaults (measured by `python -m bench.amd_lab`), and the AMD() argument string a campaign
passes to the shipped [dialer-amd] context in DIALER_AMD.

An empty DIALER_AMD makes the dialplan use SHIPPED (written out in
asterisk-conf/extensions_dialer.conf; a unit test keeps the two equal), so a campaign
without overrides follows the PBX's file.
"""

from __future__ import annotations

from typing import Any

# AMD()'s positional arguments, in order (all in ms, but the word count and the threshold).
PARAMS = ("initial_silence", "greeting", "after_greeting_silence", "total_analysis_time",
          "min_word_length", "between_words_silence", "maximum_number_of_words",
          "silence_threshold", "maximum_word_length")

# app_amd's own defaults (amd.conf as Debian ships it).
ASTERISK_DEFAULTS = {
    "initial_silence": 2500, "greeting": 1500, "after_greeting_silence": 800,
    "total_analysis_time": 5000, "min_word_length": 100, "between_words_silence": 50,
    "maximum_number_of_words": 2, "silence_threshold": 256, "maximum_word_length": 5000}

# The dialer's defaults, chosen with bench.amd_lab on generated greeting sets (seeds 9 and
# 10, checked on 11) and measured on the lab (README, "Answering machines").
SHIPPED = {
    "initial_silence": 5000, "greeting": 1600, "after_greeting_silence": 1200,
    "total_analysis_time": 8000, "min_word_length": 80, "between_words_silence": 50,
    "maximum_number_of_words": 5, "silence_threshold": 256, "maximum_word_length": 5000}

# Accepted range of each (inclusive).
RANGES = {
    "initial_silence": (500, 10000), "greeting": (500, 10000),
    "after_greeting_silence": (200, 5000), "total_analysis_time": (1000, 30000),
    "min_word_length": (20, 1000), "between_words_silence": (20, 1000),
    "maximum_number_of_words": (1, 50), "silence_threshold": (16, 8000),
    "maximum_word_length": (500, 30000)}


def settings(overrides: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """`base` (SHIPPED) with the non-null `overrides` applied."""
    out = dict(base or SHIPPED)
    for name, value in (overrides or {}).items():
        if name not in RANGES:
            raise KeyError(name)
        if value is not None:
            out[name] = int(value)
    return out


def amd_arguments(overrides: dict[str, Any] | None = None) -> str:
    """DIALER_AMD for a campaign: "" when it overrides nothing (the dialplan's defaults),
    else all nine arguments, SHIPPED filling the ones it leaves unset."""
    if not any(v is not None for v in (overrides or {}).values()):
        return ""
    merged = settings(overrides)
    return ",".join(str(merged[name]) for name in PARAMS)


def parse_arguments(text: str) -> dict[str, Any]:
    """The inverse of amd_arguments for a full argument string."""
    values = [int(v) for v in text.split(",")]
    if len(values) != len(PARAMS):
        raise ValueError(f"AMD() takes {len(PARAMS)} arguments, got {len(values)}")
    return dict(zip(PARAMS, values, strict=True))


def check(name: str, value: Any) -> int | None:
    """A campaign's override: None (use the default) or an int within RANGES[name]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number or null")
    lo, hi = RANGES[name]
    if not lo <= value <= hi:
        raise ValueError(f"must be between {lo} and {hi}")
    return value
