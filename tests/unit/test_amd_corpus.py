"""The AMD classifier's labelled set (bench/amd_corpus.py): seeded, three verdicts, every voice
and text in one split only, the channel's troubles applied; rendering is reproducible."""

from __future__ import annotations

import random
from dataclasses import replace
from collections import Counter

from bench import amd_corpus as C
from dialer.amd.features import FRAME


def test_the_set_is_seeded_and_holds_three_verdicts_over_three_engines():
    a = C.clips()
    assert a == C.clips() and a != C.clips(seed=C.SEED + 1)
    assert 800 <= len(a) <= 2000
    for split in ("train", "test"):
        labels = Counter(c.label for c in a if c.split == split)
        assert set(labels) == {"human", "machine", "screening"} and labels["screening"] >= 50
    assert {c.engine for c in a} == {"espeak-ng", "flite", "festival"}
    assert {c.codec for c in a} == set(C.CODECS)
    assert sum(c.loss > 0 for c in a) > 100 and sum(c.jitter > 0 for c in a) > 100
    assert sum(c.noise_db is not None for c in a) > 200 and sum(c.beep_hz is not None for c in a) > 100
    assert all(c.beep_hz is None for c in a if c.kind not in ("vm_short", "vm_long"))


def test_voices_and_texts_of_the_test_split_never_train():
    a = C.clips()
    voices = {s: {(c.engine, c.voice.split("+")[0]) for c in a if c.split == s} for s in ("train", "test")}
    assert voices["train"] and voices["test"] and not voices["train"] & voices["test"]
    assert not {e for e, _ in voices["train"]} & {"flite"}  # a whole engine held out
    texts = {s: {c.text for c in a if c.split == s} for s in ("train", "test")}
    assert not texts["train"] & texts["test"]
    assert not any(n in t for n in C.NAMES["train"] for t in texts["test"])


def test_lost_frames_are_silence_and_jitter_swaps_neighbours():
    frames = [bytes([i]) * FRAME for i in range(200)]
    clip = C.clips()[0]
    lossy = C._network(frames, replace(clip, loss=0.2, jitter=0.0), random.Random(1))
    lost = [f for f in lossy if f == bytes([0xFF]) * FRAME]
    assert 20 <= len(lost) <= 80 and len(lossy) == 200
    kept = [f for f in lossy if f[0] != 0xFF]
    assert kept == sorted(kept)
    swapped = C._network(frames, replace(clip, loss=0.0, jitter=0.1), random.Random(1))
    assert sorted(swapped) == frames and swapped != frames


def test_rendering_is_reproducible_for_every_engine_and_codec(tmp_path):
    picked = {}
    for c in C.clips():
        picked.setdefault(c.engine, c)
        picked.setdefault(c.codec, c)
    for clip in picked.values():
        one, info = C.render(clip, tmp_path)
        two, _ = C.render(clip, tmp_path)
        assert one == two and len(one) % FRAME == 0
        assert 0 < info["speech_start"] < info["speech_end"] <= len(one) / 8000 - 3.0
        levels = C.frame_levels(one)
        speech = levels[int(info["speech_start"] / 0.02) + 2:int(info["speech_end"] / 0.02) - 2]
        assert max(speech) > 100
        if clip.noise_db is None:
            assert max(levels[-50:]) < 60  # silence after (lost frames, codec noise at most)
