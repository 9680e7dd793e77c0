"""The AMD classifier's phrase spotting (dialer/amd/words.py, issue 20): the 8 to 16 kHz
doubling, the spotter's first phrase, the pool of decoders, the classifier's rule for words,
and PocketSphinx itself on held-out voices of the project's set."""

from __future__ import annotations

import array
from dataclasses import dataclass

import pytest

from dialer.amd import words
from dialer.amd.classifier import AmdClassifier, ClassifierSettings, Verdict
from dialer.amd.model import shipped
from tests.unit.test_amd_classifier import quiet, voice

PHRASES = words.Phrases({"please leave": "machine", "reason for": "screening"},
                        {"please leave": 1e-12, "reason for": 1e-30}, {"please leave": 0.98, "reason for": 0.93})


def test_upsampling_keeps_each_sample_and_puts_the_mean_between():
    out = array.array("h", words.upsample([0, 100, -50, 7]))
    assert list(out) == [0, 50, 100, 25, -50, -22, 7, 7]


@dataclass
class Segment:
    word: str


class FakeDecoder:
    """What the spotter uses of a PocketSphinx decoder: the phrases "heard" once `after`
    samples (16 kHz) went in."""

    def __init__(self, heard: list[tuple[int, str]]):
        self.heard, self.fed, self.calls = heard, 0, []

    def start_utt(self):
        self.calls.append("start")
        self.fed = 0

    def process_raw(self, pcm: bytes):
        self.calls.append(len(pcm))
        self.fed += len(pcm) // 2

    def seg(self):
        return [Segment(w + " ") for after, w in self.heard if self.fed >= after]

    def end_utt(self):
        self.calls.append("end")

    def set_cmn(self, cmn: str):
        self.calls.append(f"cmn {cmn}")


def test_the_spotter_decodes_100_ms_at_a_time_and_keeps_the_first_known_phrase():
    decoder = FakeDecoder([(3200, "hello"), (4800, "reason for"), (6400, "please leave")])
    spotter = words.PhraseSpotter(decoder, PHRASES)
    said = [spotter.feed([0] * 160) for _ in range(20)]
    assert decoder.calls[:3] == ["start", 3200, 3200]  # 5 frames of 160 samples, doubled, 2 bytes
    assert said[:14] == [None] * 14  # "hello" is no phrase of its
    assert said[14:] == [words.Heard("reason for", "screening", 0.93)] * 6 and spotter.heard == said[-1]
    assert len([c for c in decoder.calls if c == 3200]) == 3  # no decoding once a phrase is heard
    assert spotter.close() is decoder and decoder.calls[-1] == "end"


def test_every_call_starts_from_the_shipped_cepstral_mean_not_the_last_calls():
    decoder = FakeDecoder([])
    phrases = words.Phrases(PHRASES.verdicts, PHRASES.thresholds, PHRASES.confidence, "40,3,-1")
    for _ in range(2):
        words.PhraseSpotter(decoder, phrases).close()
    assert decoder.calls == ["cmn 40,3,-1", "start", "end"] * 2
    assert words.Phrases.shipped().cmn is not None


def test_each_phrase_is_spotted_at_its_own_threshold(tmp_path):
    assert PHRASES.keyphrase_file(tmp_path / "k.txt").read_text() == "please leave /1e-12/\nreason for /1e-30/\n"
    shipped_phrases = words.Phrases.shipped()
    assert set(shipped_phrases.thresholds) == set(shipped_phrases.verdicts)


def test_a_phrase_is_kept_where_it_is_heard_right_most_often_and_never_on_a_person():
    from collections import Counter

    from bench import amd_words

    by_threshold = {  # phrase -> clips heard on, by label
        1e-12: {"please leave": Counter(machine=20), "see if": Counter(screening=2),
                "assistant": Counter(screening=5, human=2)},
        1e-20: {"please leave": Counter(machine=30, screening=2), "see if": Counter(screening=9),
                "assistant": Counter(screening=9, human=9)},
        1e-30: {"please leave": Counter(machine=60, human=1), "see if": Counter(screening=9),
                "assistant": Counter(screening=20, human=60)},
    }
    phrases, counts = amd_words.choose({t: _counts(c) for t, c in by_threshold.items()}, "1,2")
    assert phrases.thresholds == {"please leave": 1e-20, "see if": 1e-20}  # 1e-30 heard a person; a tie: stricter
    assert phrases.verdicts == {"please leave": "machine", "see if": "screening"}  # "assistant": never 90%
    assert phrases.confidence["please leave"] == pytest.approx(30 / 32) and phrases.cmn == "1,2"
    assert counts["see if"] == {"screening": 9}


def _counts(by_phrase):  # as amd_words.counted gives them: an unheard phrase counts nothing
    from collections import Counter, defaultdict
    return defaultdict(Counter, by_phrase)


def test_the_pool_bounds_the_calls_spotted_and_reuses_decoders(monkeypatch):
    loaded = []
    monkeypatch.setattr(words, "new_decoder", lambda phrases: loaded.append(1) or FakeDecoder([]))
    pool = words.SpotterPool(3, PHRASES)
    assert pool.take() is None  # none loaded yet: that call goes without words
    assert pool.load(2) == 2 and pool.idle == 2
    first, second = pool.take(), pool.take()
    assert first is not None and second is not None and pool.take() is None
    assert pool.load(2) == 1 and len(loaded) == 3  # never more than 3 decoders
    pool.give_back(first)
    assert pool.idle == 2 and pool.load(5) == 0


class FakeSpotter:
    """Hears `phrase` from frame `at` on."""

    def __init__(self, at: int, phrase: str):
        self.at, self.frames, self.phrase = at, 0, phrase

    def feed(self, samples):
        self.frames += 1
        return (words.Heard(self.phrase, PHRASES.verdicts[self.phrase], PHRASES.confidence[self.phrase])
                if self.frames >= self.at else None)


def _decide(spotter, frames):
    c = AmdClassifier(shipped(), ClassifierSettings(), spotter)
    return next(d for d in map(c.feed, frames) if d is not None)


def test_a_phrase_heard_before_the_model_is_sure_decides_with_its_training_confidence():
    greeting = voice(3.0) + quiet(6.0)  # long talk: the model is not sure of a person at 1 s
    decision = _decide(FakeSpotter(50, "please leave"), greeting)
    assert (decision.verdict, decision.heard, decision.confidence) == (Verdict.MACHINE, "please leave", 0.98)
    assert decision.at == pytest.approx(1.0) and not decision.capped
    without = _decide(None, greeting)
    assert without.heard is None and without.at > 1.0


def test_the_model_saying_human_at_the_same_look_wins_over_a_phrase():
    hello = voice(0.5) + quiet(8.0)
    person = _decide(None, hello)
    assert person.verdict is Verdict.HUMAN
    frame = round(person.at / 0.02)
    decision = _decide(FakeSpotter(frame, "reason for"), hello)
    assert decision.verdict is Verdict.HUMAN and decision.heard is None


def test_the_candidate_phrases_come_from_the_training_texts_and_the_shipped_ones_are_candidates():
    from bench import amd_corpus, amd_words

    training_texts = " ".join(t for _, train, _ in amd_corpus.TEXTS.values() for t in train).lower()
    for phrase in amd_words.MACHINE + amd_words.SCREENING:  # none from the held-out texts alone
        assert phrase in training_texts or phrase in amd_words.COMMON, phrase
    shipped_phrases = words.Phrases.shipped()
    assert shipped_phrases.verdicts
    for phrase, verdict in shipped_phrases.verdicts.items():
        assert phrase in (amd_words.MACHINE if verdict == "machine" else amd_words.SCREENING)
        assert shipped_phrases.confidence[phrase] >= amd_words.PRECISION


def test_pocketsphinx_hears_a_held_out_voicemail_and_nothing_in_a_held_out_hello(tmp_path):
    """Rendered by the project's recipe (voice, tempo, codec round trip, loss) from the
    held-out split: a flite voicemail saying "please leave a message", a "Hello there."."""
    from bench import amd_corpus
    from bench.amd_classifier import frames_of

    def first(kind: str, engine: str, says: str):
        return next(c for c in amd_corpus.clips() if c.split == "test" and c.kind == kind
                    and c.engine == engine and says in c.text.lower())

    pool = words.SpotterPool(1)
    assert pool.load(1) == 1
    heard = {}
    for clip in (first("vm_long", "flite", "please leave"), first("hello", "flite", "hello")):
        ulaw, _ = amd_corpus.render(clip, tmp_path)
        spotter = pool.take()
        assert spotter is not None
        for frame in frames_of({"ulaw": ulaw}, 8.0):
            spotter.feed(frame)
        heard[clip.kind] = spotter.heard
        pool.give_back(spotter)
    assert heard["hello"] is None
    assert heard["vm_long"] is not None and heard["vm_long"].verdict == "machine", heard
