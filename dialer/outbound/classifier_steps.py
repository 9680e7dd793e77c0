"""The outbound machine's steps while the classifier (dialer/amd) listens instead of app_amd
(outbound/machine.py registers them; its verdict is the machine's `_classified`)."""

from __future__ import annotations

import dataclasses

from ..amd.classifier import ClassifierSettings
from .call_state import CallState, Stage, Step
from .events import AmdVerdict, ClassifierNoAudio, Classify, FallBackToAppAmd, WriteAnswered
from .model import AmdDetector


def classify(s: CallState, ev: AmdVerdict, now: float) -> Step:
    """The classifier's call is in Stasis, answered: the classifier listens from now."""
    threshold = s.settings.amd_machine_threshold
    settings = dataclasses.replace(
        ClassifierSettings() if threshold is None else ClassifierSettings(machine=threshold),
        cap_person_silence=s.settings.amd_person_after_silence)
    if s.answered_at is not None:
        return dataclasses.replace(s, classifying=True), (Classify(settings, s.settings.amd_words),)
    return (dataclasses.replace(s, stage=Stage.AMD, stage_since=now, answered_at=ev.at,
                                answered_after=now - s.dialled_at, classifying=True),
            (WriteAnswered(ev.at), Classify(settings, s.settings.amd_words)))


def no_audio(s: CallState, ev: ClassifierNoAudio, now: float) -> Step:
    if not s.classifying:
        return s, ()
    return (dataclasses.replace(s, detector=AmdDetector.APP_AMD, classifying=False),
            (FallBackToAppAmd(),))
