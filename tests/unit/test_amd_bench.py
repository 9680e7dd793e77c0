"""The AMD measurement's pure parts: the greeting set's recipe, mu-law, app_amd's rule on
frame levels (bench.amd_model) and the scoring (bench.amd_score)."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from bench.amd_model import decide
from bench.amd_score import beep_score, by_kind, meets_goal, percentile, score, table
from dialer.outbound import amd
from dialer.lab import greetings

LOUD, QUIET = 2000, 10


def frames(*parts: tuple[int, float]) -> list[int]:
    """(level, seconds) runs -> 20 ms frame levels."""
    return [level for level, seconds in parts for _ in range(round(seconds / 0.02))]


def test_set_is_seeded_labelled_and_varied():
    a, b = greetings.specs(), greetings.specs()
    assert a == b and a != greetings.specs(seed=10)
    labels = Counter(s.label for s in a)
    assert labels["human"] >= 100 and labels["machine"] >= 100 and len(a) < 1000
    assert {s.kind for s in a} == set(greetings.KINDS)
    assert len({s.voice for s in a}) > 20 and len({s.beep_hz for s in a if s.beep_hz}) >= 5
    assert all(s.lead >= 2.0 for s in a if s.kind == "pause")
    assert all(s.noise_db is not None for s in a if s.kind == "noise")


def test_mulaw_round_trip_is_close():
    for x in (0, 1, -1, 100, -100, 1000, 8000, -8000, 32767, -32768):
        y = greetings.ulaw_decode(greetings.ulaw_encode(x))
        assert abs(y - x) <= max(8, abs(x) // 16)


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                    reason="needs espeak-ng and sox (apt-get install espeak-ng sox)")
def test_rendering_is_reproducible(tmp_path):
    spec = next(s for s in greetings.specs() if s.beep_hz)
    one, info = greetings.render(spec, tmp_path)
    two, _ = greetings.render(spec, tmp_path)
    assert one == two
    assert 0 < info["speech_start"] < info["speech_end"] < info["beep_start"] < info["beep_end"]
    assert abs(len(one) / greetings.RATE - info["beep_end"] - 0.2) < 0.01


def test_model_follows_app_amd_rules():
    p = dict(amd.ASTERISK_DEFAULTS)
    hello = frames((QUIET, 0.5), (LOUD, 0.4), (QUIET, 3))
    status, cause, ms = decide(hello, p)
    assert status == "HUMAN" and cause.startswith("HUMAN") and ms == 500 + 400 + 800
    assert decide(frames((QUIET, 4)), p)[0:2] == ("MACHINE", "INITIALSILENCE-2500-2500")
    long_talk = frames((QUIET, 0.2), *[(LOUD, 0.5), (QUIET, 0.04)] * 8)
    p_words = p | {"maximum_number_of_words": 99}
    assert decide(long_talk, p_words)[1].startswith("LONGGREETING")
    three_words = frames((QUIET, 0.2), *[(LOUD, 0.3), (QUIET, 0.2)] * 3, (QUIET, 2))
    assert decide(three_words, p)[1] == "MAXWORDS-3-2"  # Asterisk 22: more than the maximum
    assert decide(three_words, p | {"maximum_number_of_words": 3})[0] == "HUMAN"
    assert decide(frames((QUIET, 0.2), (LOUD, 9)), p)[1].startswith("LONGGREETING")
    assert decide(hello, p, lead_ms=400)[2] == ms + 400


def row(label, status, decided=1.0, speech_end=0.5, kind="k"):
    return {"label": label, "status": status, "decided": decided, "speech_end": speech_end,
            "kind": kind}


def test_score_counts_notsure_as_human_and_times_humans_from_greeting_end():
    rows = [row("human", "HUMAN", 1.5), row("human", "NOTSURE", 2.5),
            row("human", "MACHINE"), row("machine", "MACHINE", 3.0),
            row("machine", "HUMAN")]
    s = score(rows)
    assert s["accuracy"] == 3 / 5
    assert s["false_machine"] == 1 / 3 and s["false_human"] == 1 / 2
    assert s["human_after_end_p50"] == 1.0 and s["human_after_end_p95"] == 2.0
    assert not meets_goal(s)
    good = score([row("human", "HUMAN", 1.5)] * 50 + [row("machine", "MACHINE")] * 50)
    assert meets_goal(good)
    assert "| met |" in table({"good": good}) and "| missed |" in table({"bad": s})
    assert by_kind(rows) == {"k": (3, 5)}


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(list(range(1, 101)), 95) == 95


def test_beep_score():
    rows = [{"message": 5.5, "beep_end": 5.0}, {"message": 4.0, "beep_end": 5.0},
            {"message": 7.0, "beep_end": 5.0}, {"message": None, "beep_end": 5.0}]
    b = beep_score(rows)
    assert (b["started"], b["before_beep_end"], b["late"]) == (3, 1, 1)
    assert b["within"] == 1 / 4
