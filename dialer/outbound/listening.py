"""An outbound call's listeners on the callee's audio, and app_amd as the classifier's
fallback: each ends in the outbound machine's events (`carry_out` starts and stops them
for outbound/shell.py, which feeds their events to the machine)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from ..amd import shell as amd_classifier
from ..amd.classifier import ClassifierSettings, Decision, Verdict
from ..ari import AriClient, AriError
from ..beep import shell as beep
from . import events as ev
from .call import Call

log = logging.getLogger("dialer.outbound")


async def beep_ended(ari: AriClient, call: Call) -> AsyncGenerator[ev.Event, None]:
    """The machine message once the beep has ended (at once if no audio can be had)."""
    how, waited = await beep.wait_for_beep(ari, call.channel_id, ari.app)
    log.info("attempt %s: %s after %.2f s listening; leaving the message",
             call.state.attempt_id, how, waited)
    yield ev.BeepHeard() if how == "beep" else ev.BeepTimeout()


async def classified(ari: AriClient, call: Call, settings: ClassifierSettings, words: bool,
                     now: Callable[[], dt.datetime]) -> AsyncGenerator[ev.Event, None]:
    """The classifier's verdict on the callee's audio, or that none came. A machine whose
    message waits for the beep: the same audio then goes on to the beep detector, whose
    end follows the verdict (the machine, listening by then, takes it)."""
    decisions: list[Decision] = []  # written as the classifier decides, before it returns
    told = asyncio.Event()
    wants_beep = call.state.beep_listener and call.state.settings.machine_action == "message"

    def decided(decision: Decision) -> bool:
        log.info("attempt %s: classifier says %s (%.2f) %.2f s after the answer%s%s",
                 call.state.attempt_id, decision.verdict.value, decision.confidence,
                 decision.at, " (at its cap)" if decision.capped else "",
                 f', heard "{decision.heard}"' if decision.heard else "")
        decisions.append(decision)
        told.set()
        return wants_beep and decision.verdict is Verdict.MACHINE

    listening = asyncio.ensure_future(amd_classifier.classify_then_beep(
        ari, call.channel_id, ari.app, settings, decided, words=words))
    verdict = asyncio.ensure_future(told.wait())
    try:
        await asyncio.wait({verdict, listening}, return_when=asyncio.FIRST_COMPLETED)
        if not decisions:
            yield ev.ClassifierNoAudio()
            return
        yield ev.ClassifierVerdict(decisions[0].verdict, decisions[0].confidence, now(),
                                   decisions[0].heard)
        _, beep_end = await listening
        if beep_end is not None:  # the machine message waits for the beep
            log.info("attempt %s: %s %.2f s after the verdict; leaving the message",
                     call.state.attempt_id, beep_end[0], beep_end[1])
            if beep_end[0] == "beep":
                await asyncio.sleep(beep.AFTER_BEEP)
            yield ev.BeepHeard() if beep_end[0] == "beep" else ev.BeepTimeout()
        elif wants_beep and decisions[0].verdict is Verdict.MACHINE:
            # the audio stopped before the beep detector ended: the message now, as
            # beep_ended leaves it when no audio can be had
            log.warning("attempt %s: the audio stopped while listening for the beep; leaving "
                        "the message", call.state.attempt_id)
            yield ev.BeepTimeout()
    finally:
        verdict.cancel()
        listening.cancel()  # it removes its snoop and media channels


async def fall_back_to_app_amd(ari: AriClient, call: Call,
                               now: Callable[[], dt.datetime]) -> list[ev.Event]:
    """Through the dialplan's AMD(): the call comes back into Stasis with its verdict (or,
    refused, is taken as app_amd's NOTSURE: a person)."""
    try:
        await ari.set_variable(call.channel_id, "DIALER_SKIP_AMD", "0")
        await ari.continue_in_dialplan(call.channel_id, "dialer-amd", "s", 1)
    except AriError as exc:
        log.warning("attempt %s: no fallback to app_amd (%s)", call.state.attempt_id, exc)
        return [ev.AmdVerdict("NOTSURE", "no audio for the classifier", now())]
    return []


Feed = Callable[[ev.Event], Awaitable[None]]


async def carry_out(ari: AriClient, call: Call, effect: ev.Effect,
                    spawn: Callable[[Awaitable[None]], asyncio.Task], feed: Feed,
                    now: Callable[[], dt.datetime]) -> list[ev.Event]:
    """The machine's effects on the listeners: started, stopped, or app_amd."""
    match effect:
        case ev.ListenForBeep() if call.listener is None or call.listener.done():
            call.listener = spawn(_listen(beep_ended(ari, call), feed))
        case ev.ListenForBeep():
            pass  # the classifier's listener goes on to the beep
        case ev.Classify(settings, words):
            call.listener = spawn(_listen(classified(ari, call, settings, words, now), feed))
        case ev.StopBeepListener() | ev.StopClassifier():
            if call.listener is not None and call.listener is not asyncio.current_task():
                call.listener.cancel()  # it removes its snoop and media channels
        case ev.FallBackToAppAmd():
            return await fall_back_to_app_amd(ari, call, now)
    return []


async def _listen(events: AsyncGenerator[ev.Event, None], feed: Feed) -> None:
    # closed however it ends: a listener cancelled while its event is fed stops listening
    async with contextlib.aclosing(events) as each:
        async for event in each:
            await feed(event)
