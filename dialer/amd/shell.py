"""The AMD classifier on a live call (issue 20): the callee's audio from its answer, over
the beep listener's snoop + externalMedia RTP (dialer/beep/shell.py), 20 ms frames into
dialer.amd.classifier until it decides (at its cap at the latest). No decision means no
audio came in time (or ARI refused the snoop): the caller falls back to app_amd."""

from __future__ import annotations

import functools

from ..ari import AriClient
from ..beep.shell import listen
from .classifier import AmdClassifier, ClassifierSettings, Decision
from .model import BoostedTrees, shipped


@functools.cache
def shipped_model() -> BoostedTrees:
    """The model shipped in the package, read once per process."""
    return shipped()


async def classify(ari: AriClient, channel_id: str, app: str,
                   settings: ClassifierSettings) -> Decision | None:
    """The classifier's decision on the callee's audio; None if no audio could be had."""
    classifier = AmdClassifier(shipped_model(), settings)
    heard = await listen(ari, channel_id, app, classifier.feed, settings.cap,
                         purpose="AMD classifier")
    return heard.result
