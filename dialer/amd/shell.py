"""The AMD classifier on a live call (issue 20): the callee's audio from its answer, over
the beep listener's snoop + externalMedia RTP (dialer/beep/shell.py), 20 ms frames into
dialer.amd.classifier until it decides (at its cap at the latest). No decision means no
audio came in time (or ARI refused the snoop): the caller falls back to app_amd.

A machine whose message waits for the beep keeps the same audio: from the frame after the
decision it goes to the beep detector (dialer.beep.detector), with no second snoop to set
up while the beep goes by.

While it listens, a phrase spotter (dialer.amd.words) from the process's pool listens for words
too, if one is idle; decoders load in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence

from ..ari import AriClient
from ..beep.detector import BeepDetector, BeepSettings
from ..beep.shell import listen
from .classifier import AmdClassifier, ClassifierSettings, Decision
from .model import BoostedTrees, shipped
from .words import PhraseSpotter, SpotterPool

log = logging.getLogger("dialer.amd")
SPARE_SPOTTERS = 2  # loaded ahead of the calls that will want them
_spotters: SpotterPool | None = None
_loading: set[asyncio.Future] = set()


@functools.cache
def shipped_model() -> BoostedTrees:
    """The model shipped in the package, read once per process."""
    return shipped()


def use_words(calls: int) -> None:
    """At most `calls` calls spotted for words at once (dialer/server.py; 0: never). A pool
    of that size already loaded is kept (a dialer started again in the same process)."""
    global _spotters
    if not calls:
        _spotters = None
    elif _spotters is None or _spotters.size != calls:
        _spotters = SpotterPool(calls)


def spotter_pool() -> SpotterPool | None:
    return _spotters


def load_spotters(count: int = SPARE_SPOTTERS) -> None:
    """Loads decoders in a worker thread until `count` are idle, unless enough are or loading."""
    pool = _spotters
    _loading.difference_update([t for t in _loading if t.get_loop().is_closed()])  # never ends
    if pool is None or _loading or pool.idle >= count:
        return
    task = asyncio.ensure_future(asyncio.to_thread(pool.load, count))
    _loading.add(task)
    task.add_done_callback(_loaded)


async def loading_done() -> None:
    """Waits for the decoders being loaded (a dialer stopping: its loop may close next)."""
    loop = asyncio.get_running_loop()
    await asyncio.gather(*(t for t in _loading if t.get_loop() is loop), return_exceptions=True)


def _loaded(task: asyncio.Future) -> None:
    _loading.discard(task)
    if task.cancelled():
        return
    if task.exception() is not None:  # words off, sound still decides
        log.warning("AMD phrase spotting unavailable: %s", task.exception())
        use_words(0)
    elif task.result():
        log.info("AMD phrase spotting: %d decoders loaded", task.result())


def take_spotter() -> PhraseSpotter | None:
    spotter = _spotters.take() if _spotters is not None else None
    load_spotters()
    return spotter


def give_back(spotter: PhraseSpotter | None) -> None:
    if spotter is not None and _spotters is not None:
        _spotters.give_back(spotter)


async def classify_then_beep(ari: AriClient, channel_id: str, app: str,
                             settings: ClassifierSettings,
                             decided: Callable[[Decision], bool],
                             beep: BeepSettings | None = None, *, words: bool = True
                             ) -> tuple[Decision | None, tuple[str, float] | None]:
    """The classifier's decision on the callee's audio (None if no audio could be had),
    told to `decided` at once; if it answers True, the same
    audio goes on into the beep detector: then also how that wait ended ("beep",
    "silence", "timeout": the beep detector's result; ("beep", 0.0) at once if the beep went
    by before the verdict, nothing heard since; None if the audio stopped first).
    With `words`, a phrase spotter listens too if one is idle."""
    spotter = take_spotter() if words else None
    classifier = AmdClassifier(shipped_model(), settings, spotter)
    spotting = [spotter]  # until the classifier decides: then the spotter is free for another call
    beep = beep or BeepSettings()
    listening: list[BeepDetector] = []  # the beep detector, once the decision wants it
    decision: list[Decision] = []

    def detect(frame: Sequence[int]) -> object:
        if listening:
            return listening[0].feed(frame)
        found = classifier.feed(frame)
        if found is None:
            return None
        give_back(spotting.pop() if spotting else None)
        decision.append(found)
        if not decided(found):
            return found
        callee = classifier.features
        if callee.beep_was_last():  # the beep went by before the verdict: the message now
            return ("beep", 0.0)
        # the beep detector goes on from the silence the classifier heard
        listening.append(BeepDetector(beep, quiet_after_sound=callee.quiet_after_speech()))
        return None

    try:
        heard = await listen(ari, channel_id, app, detect, settings.cap + beep.max_wait,
                             purpose="AMD classifier")
    finally:
        give_back(spotting.pop() if spotting else None)
    beep_result = heard.result if isinstance(heard.result, tuple) else None
    return (decision[0] if decision else None), beep_result
