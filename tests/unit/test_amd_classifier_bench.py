"""bench/amd_classifier.py's own parts: scikit-learn's boosted trees exported to the dialer's
plain-Python model give the same probabilities; the held-out figures count what they say."""

from __future__ import annotations

import random

import pytest

from bench import amd_classifier as B
from dialer.amd.features import NAMES


def test_exported_trees_give_scikit_learns_probabilities():
    rnd = random.Random(3)
    rows = [tuple(rnd.uniform(0, 10) for _ in NAMES) for _ in range(300)]
    labels = ["human" if r[6] > 5 else "screening" if r[3] > 7 else "machine" for r in rows]
    clf = B.fit(rows, labels)
    model = B.export(clf)
    assert model.classes == ("human", "machine", "screening") and model.features == NAMES
    for want, x in zip(clf.predict_proba(rows[:50]), rows[:50], strict=True):
        assert list(model.probabilities(x).values()) == pytest.approx(list(want), abs=1e-9)


def test_score_counts_each_verdict_against_its_label():
    rows = ([{"label": "human", "verdict": "human", "at": 1.0 + i / 10, "speech_end": 0.5} for i in range(9)]
            + [{"label": "human", "verdict": "machine", "at": 2.0, "speech_end": 0.5},
               {"label": "machine", "verdict": "machine", "at": 3.0, "speech_end": 2.5},
               {"label": "machine", "verdict": "human", "at": 4.0, "speech_end": 3.0},
               {"label": "screening", "verdict": "screening", "at": 5.0, "speech_end": 4.0},
               {"label": "screening", "verdict": "machine", "at": 6.0, "speech_end": 5.0}])
    s = B.score(rows)
    assert s["counts"] == {"human": 10, "machine": 2, "screening": 2}
    assert s["accuracy"] == pytest.approx(11 / 14) and s["person_accuracy"] == pytest.approx(12 / 14)
    assert (s["human_as_machine"], s["machine_as_human"], s["screening"]) == (0.1, 0.5, 0.5)
    assert s["human_after_end_p50"] == pytest.approx(0.9) and s["human_after_end_p95"] == pytest.approx(1.3)
    assert B.meets(s) == {"accuracy": False, "human_as_machine": False, "human_after_end_p95": False,
                          "screening": False}
    assert "accuracy, human_as_machine" in B.table({"x": s})


def test_app_amd_on_the_same_clips_has_no_screening_verdict():
    loud, quiet = bytes([0x80]) * 160, bytes([0xFF]) * 160  # mu-law: near full scale, zero
    hello = {"label": "screening", "speech_end": 0.9, "ulaw": quiet * 25 + loud * 20 + quiet * 150}
    (row,) = B.app_amd_rows([hello])
    assert row["verdict"] == "human" and row["label"] == "screening" and 1.5 < row["at"] < 3


def test_a_delayed_clip_has_silence_in_front_and_its_times_shifted():
    item = {"name": "c0001", "ulaw": b"\x10" * 480, "speech_end": 0.06}
    late = B.delayed(item, 0.5)
    assert late["ulaw"] == B.SILENT * 25 + item["ulaw"]
    assert late["speech_end"] == pytest.approx(0.56) and item["speech_end"] == 0.06


def test_the_bench_streams_looks_to_the_decision_the_dialer_takes():
    """Tuning scores looks offline (`stream`); the dialer classifies frame by frame: the same
    decision, the beep included (a callee waiting silent at the cap is a person, unless a
    beep was heard)."""
    from dialer.amd.classifier import AmdClassifier, ClassifierSettings, Verdict, beep_heard, quiet_after_speech
    from dialer.lab.greetings import ulaw_encode
    from tests.unit.test_amd_classifier import quiet, stump, tone, voice

    model = stump("silence_now", 0.5, "machine", "machine")
    s = ClassifierSettings(cap=3.0, cap_machine=0.4, cap_person_silence=1.5, machine=0.999)
    verdicts = []
    for frames in (voice(0.5) + quiet(3.0), voice(0.5) + tone(0.5, 1000) + quiet(3.0)):
        item = {"ulaw": bytes(ulaw_encode(x) for frame in frames for x in frame)}
        looks = [(at, model.probabilities(x), quiet_after_speech(x), beep_heard(x))
                 for at, x in B.snapshots(item, s)]
        dialer = AmdClassifier(model, s)
        decided = next(d for d in map(dialer.feed, B.frames_of(item, s.cap)) if d is not None)
        assert B.stream(looks, s) == decided
        verdicts.append(decided.verdict)
    assert verdicts == [Verdict.HUMAN, Verdict.MACHINE]
