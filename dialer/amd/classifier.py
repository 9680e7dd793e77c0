"""The AMD classifier's decision (issue 20): human, machine or call-screening assistant, from
the callee's audio, as soon as the model is sure enough, and a verdict at the cap in any case.

Feed 20 ms frames from the answer. Every `every` frames the model (dialer.amd.model) reads
the features so far (dialer.amd.features); a verdict whose probability reaches its threshold
is the decision, but human only once the callee has been silent `human_silence` s after
speaking (a person says "hello?" and waits; a machine's greeting pauses between sentences
and goes on), and at a lower probability `human_late` once silent `human_late_silence` s
(the model grows sure of a person only slowly after a long introduction or a business
greeting: waiting for it kept people waiting over a second, and some were called machines).
At `cap` seconds the most probable verdict is taken, but machine or screening only if
together more probable than `cap_machine` (a callee the dialer cannot place is connected,
as app_amd's NOTSURE is). Raising the machine threshold loses fewer humans and passes more
machines: it is the campaign's choice; so is `cap_person_silence`, which at the cap calls a
person whoever has been silent that long after speaking with no beep heard (a person waiting
for the caller; a machine without a beep is passed as one: bench/README.md).

With a phrase spotter (dialer.amd.words), a phrase heard before the model is sure decides its
verdict ("please leave" a machine, "record your name" a screening assistant) unless the model
says human at the same look; on the held-out set words called no person a machine (one a
screening assistant: hung up on under the default screening action; bench/README.md).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from .features import FRAME_S, NAMES, AnswerFeatures
from .model import BoostedTrees
from .words import PhraseSpotter


class Verdict(enum.Enum):
    HUMAN = "human"
    MACHINE = "machine"
    SCREENING = "screening"


@dataclass(frozen=True)
class ClassifierSettings:
    # Defaults: tuned out of fold on the training voices (bench/amd_classifier.py --train
    # --later-starts: human 0.6, machine 0.98, screening 0.7), then set by hand: human 0.4 as
    # before, machine 0.95 (at 0.98 carrier announcements waited for the cap), screening 0.9
    # (at 0.7, 8.1% of held-out people were called screening, and hung up on by default).
    human: float = 0.4       # probability that decides, per verdict (human: after human_silence)
    machine: float = 0.95
    screening: float = 0.9
    cap: float = 8.0         # s from the answer: decide now (app_amd's shipped analysis time)
    cap_machine: float = 0.4  # at the cap: machine or screening if at least this probable together
    human_silence: float = 0.6  # s of silence after speech before a human verdict
    human_late: float | None = 0.25  # a human at this probability once silent human_late_silence s
    human_late_silence: float = 0.7
    cap_person_silence: float | None = None  # at the cap: a person if this silent, no beep (None: off)
    every: int = 5           # frames between two looks (100 ms)
    min_time: float = 0.3    # s: no decision before


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    confidence: float   # the model's probability of the verdict
    at: float           # s of audio from the answer when decided
    capped: bool        # taken at the cap, not because the model was sure
    heard: str | None = None  # the phrase that decided it, if words did


class AmdClassifier:
    def __init__(self, model: BoostedTrees, settings: ClassifierSettings | None = None,
                 spotter: PhraseSpotter | None = None):
        if model.features != NAMES:
            raise ValueError(f"the model reads {model.features}, the features are {NAMES}")
        self.model, self.s, self.spotter = model, settings or ClassifierSettings(), spotter
        self.features = AnswerFeatures()
        self.decision: Decision | None = None

    def feed(self, samples: Sequence[int]) -> Decision | None:
        """One 20 ms frame (8 kHz samples); the decision once there is one."""
        if self.decision is not None:
            return self.decision
        self.features.feed(samples)
        heard = self.spotter.feed(samples) if self.spotter is not None else None
        frames = self.features.frames
        at = frames * FRAME_S
        capped = at >= self.s.cap - 1e-9
        if not capped and (frames % self.s.every or at < self.s.min_time - 1e-9):
            return None
        x = self.features.snapshot()
        decision = decide(self.model.probabilities(x), s=self.s, at=at, capped=capped,
                          quiet=quiet_after_speech(x), beep=beep_heard(x))
        if heard is not None and (decision is None or decision.verdict is not Verdict.HUMAN):
            decision = Decision(Verdict(heard.verdict), heard.confidence, at, False, heard.phrase)
        self.decision = decision
        return decision


_HEARD, _SILENCE_NOW, _BEEP = NAMES.index("heard"), NAMES.index("silence_now"), NAMES.index("beep")


def quiet_after_speech(x: Sequence[float]) -> float:
    """Seconds of silence since the callee last spoke (0 before any speech)."""
    return x[_SILENCE_NOW] if x[_HEARD] else 0.0


def beep_heard(x: Sequence[float]) -> bool:
    return x[_BEEP] > 0


def decide(probabilities: dict[str, float], s: ClassifierSettings, at: float,
           capped: bool, quiet: float, beep: bool = False) -> Decision | None:
    """The decision the model's probabilities make at `at` s, `quiet` s after the callee's
    last speech (`beep`: one was heard); None if not sure yet."""
    human = probabilities.get(Verdict.HUMAN.value, 0.0)
    machine = probabilities.get(Verdict.MACHINE.value, 0.0)
    screening = probabilities.get(Verdict.SCREENING.value, 0.0)
    if human >= s.human and quiet >= s.human_silence - 1e-9:
        return Decision(Verdict.HUMAN, human, at, False)
    if machine >= s.machine:
        return Decision(Verdict.MACHINE, machine, at, False)
    if screening >= s.screening:
        return Decision(Verdict.SCREENING, screening, at, False)
    if not capped:
        late = s.human_late is not None and human >= s.human_late and quiet >= s.human_late_silence - 1e-9
        return Decision(Verdict.HUMAN, human, at, False) if late else None
    waiting = s.cap_person_silence is not None and quiet >= s.cap_person_silence - 1e-9 and not beep
    if machine + screening >= s.cap_machine and not waiting:  # not a person, whichever of the two
        return Decision(*((Verdict.MACHINE, machine) if machine >= screening
                          else (Verdict.SCREENING, screening)), at=at, capped=True)
    return Decision(Verdict.HUMAN, human, at, True)
