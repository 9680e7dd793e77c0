"""People hung up on as machines, estimated, and counted as abandoned calls (issue 20).

Ofcom counts a call on which a live person is hung up on (or played a recorded message) as
an abandoned call, whatever the reason: an answering-machine detector's false positives are
abandoned calls that no attempt records as one, since the dialer believed them machines.
They are estimated, per detector, as

    calls the detector decided were not a person (the attempts it hung up on or left a
    message on: outcome "machine")
    x its measured false-positive share (of the calls it called machines or call-screening
      assistants in its evaluation on held-out voices, the share that were people)

and added to both the abandoned calls and the humans answered (each was a person who
answered). The shares are measured by `bench/amd_classifier.py` and shipped in
`evaluation.json` beside the model: the classifier's per machine threshold (the largest
evaluated threshold at or below the campaign's, the more cautious side), app_amd's for its
shipped settings (a campaign's own AMD() settings are not evaluated).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from .classifier import ClassifierSettings

EVALUATION = "evaluation.json"
APP_AMD, CLASSIFIER = "app_amd", "classifier"  # Attempt.amd_detector's values


@dataclass(frozen=True)
class FalsePositives:
    """In a detector's evaluation: calls it said were not a person, and people among them."""
    called_machine: int
    humans: int

    @property
    def share(self) -> float:
        return self.humans / self.called_machine if self.called_machine else 0.0


@dataclass(frozen=True)
class DetectorEvaluation:
    app_amd: FalsePositives                                      # shipped AMD() settings
    classifier: tuple[tuple[float, FalsePositives], ...]         # by machine threshold, ascending

    def share(self, detector: str, machine_threshold: float | None = None) -> float:
        """The detector's false-positive share (`machine_threshold` None: the shipped one)."""
        if detector == APP_AMD:
            return self.app_amd.share
        if detector != CLASSIFIER:
            raise ValueError(f"no evaluation of the detector {detector!r}")
        threshold = ClassifierSettings().machine if machine_threshold is None else machine_threshold
        below = [fp for t, fp in self.classifier if t <= threshold + 1e-9]
        return (below[-1] if below else self.classifier[0][1]).share

    @classmethod
    def from_json(cls, text: str) -> DetectorEvaluation:
        data = json.loads(text)
        return cls(FalsePositives(**data["app_amd"]),
                   tuple(sorted((float(t), FalsePositives(**fp))
                                for t, fp in data["classifier"].items())))


def shipped_evaluation() -> DetectorEvaluation:
    return DetectorEvaluation.from_json(
        resources.files(__package__).joinpath(EVALUATION).read_text())


@dataclass(frozen=True)
class AbandonmentWithAmd:
    """Abandonment over a window: measured, and with the detector's estimated false positives."""
    abandoned: int              # measured: people no agent took in time
    humans: int                 # measured: people who answered (bridged or abandoned)
    amd_false_positives: float  # estimated: people hung up on as machines

    @property
    def total_abandoned(self) -> float:
        return self.abandoned + self.amd_false_positives

    @property
    def total_humans(self) -> float:
        return self.humans + self.amd_false_positives

    @property
    def percent(self) -> float | None:
        """Abandoned of people answered, the estimate included (None: nobody answered)."""
        return None if self.total_humans <= 0 else 100 * self.total_abandoned / self.total_humans


def with_amd_estimate(abandoned: int, humans: int, hung_up_as_machine: Mapping[str, int],
                      shares: Mapping[str, float]) -> AbandonmentWithAmd:
    """The measured abandonment plus, per detector, the calls it hung up on as not a person
    times its false-positive share (`shares`, by detector)."""
    estimate = sum(n * shares.get(detector, 0.0) for detector, n in hung_up_as_machine.items())
    return AbandonmentWithAmd(abandoned, humans, estimate)
