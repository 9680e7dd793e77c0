"""Words in the callee's greeting (issue 20): "leave a message", "after the tone", "say your
name and the reason for your call". The classifier's features hear how a greeting sounds, not
what it says; a voicemail without a beep and a call-screening assistant differ mainly in their
words, and a voicemail that pauses like a person says "please leave". PocketSphinx's keyword
spotting (its bundled US English model; no other offline recogniser installs from PyPI with a
model) listens for the phrases in `phrases.json`: chosen by `bench/amd_words.py` from a
candidate list, each at its own spotting threshold, kept only if on the training split's voices
it was heard at least 3 times, at least 90% of the time on its verdict's clips (machine or
screening) and never on a person's.

The model wants 16 kHz: the 8 kHz frames are doubled (linear interpolation; the band above
4 kHz stays empty, as on any telephone call). Acoustic scores are taken every other frame
(`ds=2`: half the CPU, the same phrases heard on the bench). Every call starts from the same
cepstral mean (PocketSphinx adapts it as it listens): the mean of training clips, shipped with
the phrases, so a call is never heard through the previous call's channel. A decoder costs
~27 MB and ~0.5 s to load, so `SpotterPool` keeps loaded ones for reuse and bounds how many
calls are spotted at once; a call that finds none idle is classified without words.
"""

from __future__ import annotations

import array
import json
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

PHRASES = "phrases.json"  # in this package
CHUNK = 5  # 20 ms frames per decoding step: 100 ms, the classifier's look


@dataclass(frozen=True)
class Phrases:
    """The phrases heard and the verdict each stands for ("machine" or "screening"), each
    phrase's spotting threshold (PocketSphinx's detection probability: a phrase the recogniser
    hears poorly on synthetic voices gets a looser one), each phrase's confidence (the share
    of the training clips it was heard on that had its verdict) and the cepstral mean every
    call starts from (comma-separated; None: the model's)."""
    verdicts: dict[str, str]
    thresholds: dict[str, float]
    confidence: dict[str, float]
    cmn: str | None = None

    @classmethod
    def shipped(cls) -> Phrases:
        data = json.loads(resources.files(__package__).joinpath(PHRASES).read_text())
        return cls({p["phrase"]: p["verdict"] for p in data["phrases"]},
                   {p["phrase"]: p["threshold"] for p in data["phrases"]},
                   {p["phrase"]: p["training_clips"].get(p["verdict"], 0) / sum(p["training_clips"].values())
                    for p in data["phrases"]}, data.get("cmn"))

    def keyphrase_file(self, path: Path) -> Path:
        path.write_text("".join(f"{p} /{self.thresholds[p]:.0e}/\n" for p in self.verdicts))
        return path


@dataclass(frozen=True)
class Heard:
    """A phrase heard: the verdict it stands for and its confidence (Phrases')."""
    phrase: str
    verdict: str
    confidence: float


def upsample(samples: Sequence[int]) -> bytes:
    """8 kHz samples as 16 kHz 16-bit PCM in the machine's byte order, as PocketSphinx reads it
    (each sample, then the mean with the next)."""
    out = array.array("h", bytes(4 * len(samples)))
    out[0::2] = array.array("h", samples)
    nxt = list(samples[1:]) + list(samples[-1:])
    out[1::2] = array.array("h", [(a + b) >> 1 for a, b in zip(samples, nxt, strict=True)])
    return out.tobytes()


class PhraseSpotter:
    """One call's keyword spotting: feed 20 ms frames, read the verdict of the first phrase heard."""

    def __init__(self, decoder: Any, phrases: Phrases):
        self._decoder, self.phrases = decoder, phrases
        self._pending: list[int] = []
        self._frames = 0
        self.heard: Heard | None = None  # the first phrase heard
        if phrases.cmn:
            decoder.set_cmn(phrases.cmn)
        decoder.start_utt()

    def feed(self, samples: Sequence[int]) -> Heard | None:
        """One frame; every CHUNK frames the audio is decoded. The first phrase heard so far
        (None before one)."""
        self._pending.extend(samples)
        self._frames += 1
        if self._frames % CHUNK == 0 and self.heard is None:
            self._decoder.process_raw(upsample(self._pending))
            self._pending.clear()
            for segment in self._decoder.seg() or ():
                phrase = segment.word.strip()
                if phrase in self.phrases.verdicts:
                    self.heard = Heard(phrase, self.phrases.verdicts[phrase], self.phrases.confidence[phrase])
                    break
        return self.heard

    def close(self) -> Any:
        """Ends the utterance; the decoder back, for another call."""
        self._decoder.end_utt()
        return self._decoder


class SpotterPool:
    """Loaded decoders for reuse, at most `size` calls spotted at once. `take` never waits:
    a decoder is loaded (in the caller's thread) by `load`, which the dialer runs off its loop."""

    def __init__(self, size: int, phrases: Phrases | None = None):
        self.size, self.phrases = size, phrases or Phrases.shipped()
        self._idle: list[Any] = []
        self._loaded = 0
        self._lock = threading.Lock()

    def load(self, count: int) -> int:
        """Loads decoders until `count` are idle (or `size` exist); how many were loaded."""
        loaded = 0
        while True:
            with self._lock:
                if len(self._idle) >= count or self._loaded >= self.size:
                    return loaded
                self._loaded += 1
            try:
                decoder = new_decoder(self.phrases)
            except Exception:
                with self._lock:
                    self._loaded -= 1
                raise
            with self._lock:
                self._idle.append(decoder)
            loaded += 1

    def take(self) -> PhraseSpotter | None:
        with self._lock:
            decoder = self._idle.pop() if self._idle else None
        return PhraseSpotter(decoder, self.phrases) if decoder is not None else None

    def give_back(self, spotter: PhraseSpotter) -> None:
        decoder = spotter.close()
        with self._lock:
            self._idle.append(decoder)

    @property
    def idle(self) -> int:
        return len(self._idle)


def new_decoder(phrases: Phrases) -> Any:
    # imported here: only a process that spots words pays for the import
    from pocketsphinx import Config, Decoder  # type: ignore[import-untyped]
    with tempfile.TemporaryDirectory() as folder:
        keyphrases = phrases.keyphrase_file(Path(folder) / "keyphrases.txt")
        return Decoder(Config(kws=str(keyphrases), lm=None, ds=2, logfn="/dev/null"))
