"""The AMD classifier on a live call (issue 20): the callee's audio from its answer, over
the beep listener's snoop + externalMedia RTP (dialer/beep/shell.py), 20 ms frames into
dialer.amd.classifier until it decides (at its cap at the latest). No decision means no
audio came in time (or ARI refused the snoop): the caller falls back to app_amd.

A machine whose message waits for the beep keeps the same audio: from the frame after the
decision it goes to the beep detector (dialer.beep.detector), with no second snoop to set
up while the beep goes by."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from ..ari import AriClient
from ..beep.detector import BeepDetector, BeepSettings
from ..beep.shell import listen
from .classifier import AmdClassifier, ClassifierSettings, Decision
from .model import BoostedTrees, shipped


@functools.cache
def shipped_model() -> BoostedTrees:
    """The model shipped in the package, read once per process."""
    return shipped()


async def classify_then_beep(ari: AriClient, channel_id: str, app: str,
                             settings: ClassifierSettings,
                             decided: Callable[[Decision], bool],
                             beep: BeepSettings | None = None
                             ) -> tuple[Decision | None, tuple[str, float] | None]:
    """The classifier's decision on the callee's audio (None if no audio could be had),
    told to `decided` at once; if it answers True, the same
    audio goes on into the beep detector: then also how that wait ended ("beep",
    "silence", "timeout": the beep detector's result; None if the audio stopped first)."""
    classifier = AmdClassifier(shipped_model(), settings)
    beep = beep or BeepSettings()
    listening: list[BeepDetector] = []  # the beep detector, once the decision wants it
    decision: list[Decision] = []

    def detect(frame: Sequence[int]) -> object:
        if listening:
            return listening[0].feed(frame)
        found = classifier.feed(frame)
        if found is None:
            return None
        decision.append(found)
        if decided(found):
            listening.append(BeepDetector(beep))
            return None
        return found

    heard = await listen(ari, channel_id, app, detect, settings.cap + beep.max_wait,
                         purpose="AMD classifier")
    beep_result = heard.result if listening and isinstance(heard.result, tuple) else None
    return (decision[0] if decision else None), beep_result
