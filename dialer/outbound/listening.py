"""An outbound call's listeners on the callee's audio, and app_amd as the classifier's
fallback: each ends in the outbound machine's event (outbound/shell.py feeds it)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from ..amd import shell as amd_classifier
from ..amd.classifier import ClassifierSettings
from ..ari import AriClient, AriError
from ..beep import shell as beep
from . import events as ev
from .call import Call

log = logging.getLogger("dialer.outbound")


async def beep_ended(ari: AriClient, call: Call) -> ev.Event:
    """The machine message once the beep has ended (at once if no audio can be had)."""
    how, waited = await beep.wait_for_beep(ari, call.channel_id, ari.app)
    log.info("attempt %s: %s after %.2f s listening; leaving the message",
             call.state.attempt_id, how, waited)
    return ev.BeepHeard() if how == "beep" else ev.BeepTimeout()


async def classified(ari: AriClient, call: Call, settings: ClassifierSettings,
                     now: Callable[[], dt.datetime]) -> ev.Event:
    """The classifier's verdict on the callee's audio, or that none came."""
    decision = await amd_classifier.classify(ari, call.channel_id, ari.app, settings)
    if decision is None:
        return ev.ClassifierNoAudio()
    log.info("attempt %s: classifier says %s (%.2f) %.2f s after the answer%s", call.state.attempt_id,
             decision.verdict.value, decision.confidence, decision.at,
             " (at its cap)" if decision.capped else "")
    return ev.ClassifierVerdict(decision.verdict, decision.confidence, now())


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
