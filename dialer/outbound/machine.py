"""The outbound call's state machine: one pure `transition(state, event, now)` that turns a
domain event into the call's next state and the effects the shell (outbound/shell.py)
carries out in order. `now` is monotonic seconds (the event loop's clock); wall-clock times
arrive inside the events that carry them. A paced campaign call, a preview call, a
followup's call and a manual dial are the same machine; only `start`'s data differ. The
attempt row is written before `start` (its id is the machine's); `CloseAttempt` is its one
closing write.

Transition table (stage, event -> next stage: effects; `*`: every other stage). Every other (stage, event) pair is
explicitly ignored: the state is unchanged and there is no effect (a duplicate or late
event). "close" is: stop the beep listener / the consent announcement / the recording if
any, free the agent (end its call if bridged, release it if reserved, else wake the agents
for others), ReleaseTrunk(healthy) of the leg's trunk, learn (paced calls),
CloseAttempt(outcome). "fail over" (outbound/failover.py, trunk_steps.py: same attempt,
next trunk, one channel at a time) is: ReleaseTrunk(unhealthy), Originate(the next leg, the
trunks tried left out).

Recording consent (compliance/consent.py, decided per callee at `start`): a call to be
recorded with an announcement is ANNOUNCING once bridged: the prompt plays on the agent's
bridge (both hear it) and the recording starts only on its PlaybackFinished. A hang-up
meanwhile closes the call as human, never recorded; a refused playback leaves the call
unrecorded. "record" below is WriteConsent(announced), StartRecording. The recording is
of the customer's channel (outbound/recorder.py), not of the agent's bridge: one file
holds the whole call however the customer is held or moved (`Moved`), to its end.

    DIALLING       TrunkChosen        -> DIALLING        WriteLeg (a failover's leg), WatchTrunk
    DIALLING       Ringing            -> DIALLING        (the trunk works: TrunkSilent is moot)
    DIALLING       TrunkSilent        -> DIALLING        Hangup (this leg never rang: the trunk
                                                         failed it)
    DIALLING       OriginateRefused   -> DIALLING        on a trunk: fail over
                                      -> CLOSED          close(failed) (not routed: training)
    DIALLING       NoTrunk            -> CLOSED          close(as the last trunk failed it:
                                                         congestion, failed...; else failed)
    DIALLING       Answered           -> AMD             WriteAnswered
    DIALLING       AmdVerdict         -> as from AMD (answered with the verdict)
    DIALLING       HungUp             -> DIALLING        the trunk failed it (a carrier's cause,
                                                         or silent): fail over
                                      -> CLOSED          close(busy/no_answer/... by cause)
    AMD            AmdVerdict SKIPPED -> AMD             (WriteAnswered), Classify (the
                   (the classifier's call, in Stasis at its answer)  classifier listens)
    AMD            ClassifierNoAudio  -> AMD             FallBackToAppAmd (the dialplan's AMD()
                                                         sends its AmdVerdict; app_amd decides)
    AMD            ClassifierVerdict  -> as AmdVerdict's HUMAN or MACHINE, with its confidence;
                   screening:         -> SCREENING       WriteVerdict, Play(screening) (announce)
                                      -> HANGING_UP      WriteVerdict, Hangup (hang-up; outcome
                                                         machine)
    AMD            AmdVerdict         -> HANGING_UP      WriteVerdict, Hangup (hang-up, machine)
                                      -> LISTENING       WriteVerdict, ListenForBeep (message)
                                      -> PLAYING         WriteVerdict, Play (message, no listener)
                                      -> WAITING_AGENT   WriteVerdict, TakeAgent (paced call)
                                      -> CONNECTING      WriteVerdict, ConnectAgent (agent's call)
    AMD            HungUp             -> CLOSED          close(hangup_during_amd), StopClassifier
                                                         (if it listens)
    (a Classify is answered once: an AmdVerdict while it listens, a late or unasked
    classifier's verdict are ignored)
    SCREENING      PlaybackFinished   -> as AMD's HUMAN: the person the assistant fetches
    SCREENING      PlaybackRefused    -> as AMD's HUMAN
    SCREENING      HungUp             -> CLOSED          close(machine): no person came
    WAITING_AGENT  AgentReserved      -> CONNECTING      ConnectAgent
    WAITING_AGENT  NoAgent            -> PLAYING         Play(safe harbour); outcome abandoned
    WAITING_AGENT  HungUp             -> CLOSED          close(abandoned)
    CONNECTING     Bridged            -> ANNOUNCING      WriteBridged, MarkAgentLeg, Announce
                                      -> CONNECTED       WriteBridged, MarkAgentLeg, record?
    CONNECTING     BridgeRefused      -> PLAYING         ReleaseAgent, Play(safe harbour)
    CONNECTING     HungUp             -> CLOSED          close(abandoned); the agent waits for
                                                         the bridge's answer
    ANNOUNCING     PlaybackFinished   -> CONNECTED       record (announced)
    ANNOUNCING     PlaybackRefused    -> CONNECTED       (not recorded)
    ANNOUNCING     HungUp             -> CLOSED          close(human): StopAnnouncement,
                                                         EndAgentCall
    ANNOUNCING     EndedByAgent       -> HANGING_UP      StopAnnouncement, Hangup (its agent)
    CONNECTED      RecordingStarted   -> CONNECTED       WriteRecording
    CONNECTED      HungUp             -> CLOSED          close(human): EndAgentCall
    CONNECTED      EndedByAgent       -> HANGING_UP      Hangup (its agent; another's: none)
    ANNOUNCING     Moved              -> ANNOUNCING      (as CONNECTED)
    CONNECTED      Moved              -> CONNECTED       its agent: who holds the customer
                                                         now (a transfer's target; None: an
                                                         external number); held on music,
                                                         it stays the agent's call
    LISTENING      BeepHeard          -> PLAYING         Play(machine message)
    LISTENING      BeepTimeout        -> PLAYING         Play(machine message)
    LISTENING      HungUp             -> CLOSED          close(machine): StopBeepListener
    PLAYING        PlaybackFinished   -> HANGING_UP      Hangup
    PLAYING        PlaybackRefused    -> HANGING_UP      Hangup
    PLAYING        HungUp             -> CLOSED          close(its outcome)
    HANGING_UP     HungUp             -> CLOSED          close(its outcome; human after the
                                                         agent ended it: EndAgentCall)
    *              AgentReserved      -> (unchanged)     ReleaseAgent (too late, or unasked)
    CLOSED         Bridged            -> CLOSED          EndAgentCall (hung up while bridging)
    CLOSED         BridgeRefused      -> CLOSED          ReleaseAgent (hung up while bridging)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from ..compliance.consent import DEFAULT_PROMPT
from .decisions import SAFE_HARBOUR_SECONDS, on_amd_verdict, outcome_for_unanswered
from .events import (
    AgentReserved, AmdVerdict, Announce, Answered, BeepHeard, BeepTimeout, Bridged,
    BridgeRefused, ClassifierNoAudio, ClassifierVerdict, CloseAttempt, ConnectAgent,
    Effect, EndAgentCall, EndedByAgent, Event, Hangup, HungUp, Learn,
    ListenForBeep, MarkAgentLeg, Moved, NoAgent, NoTrunk, OriginateRefused, Play,
    PlaybackFinished, PlaybackRefused, RecordingStarted, ReleaseAgent, ReleaseTrunk, Ringing,
    StartRecording, StopAnnouncement, StopBeepListener, StopClassifier, StopRecording,
    TakeAgent, TrunkChosen, TrunkSilent, WakeAgents, WriteAnswered, WriteBridged,
    WriteConsent, WriteRecording, WriteVerdict)
from ..amd.classifier import Verdict
from .call_state import IN_FLIGHT, CallState, Stage, Step, adopted, start
from .model import AmdDetector, CampaignSettings, ScreeningAction
from .late_events import late_bridge, late_reserved
from .classifier_steps import classify, no_audio
from .trunk_steps import fail_over, ringing, trunk_chosen, trunk_silent

__all__ = ["IN_FLIGHT", "CallState", "Stage", "Step", "adopted", "start", "transition",
           "HANDLED", "MACHINE_MESSAGE", "SAFE_HARBOUR_MESSAGE"]

MACHINE_MESSAGE = "vm-goodbye"        # prompts played when the campaign names none
SAFE_HARBOUR_MESSAGE = "tt-allbusy"


# ---- transitions ------------------------------------------------------------------------------
def transition(state: CallState, event: Event, now: float) -> Step:
    handler = _HANDLERS.get((state.stage, type(event)))
    if handler is None:
        return state, ()  # a duplicate or late event: ignored
    return handler(state, event, now)


def _to(state: CallState, stage: Stage, now: float, **changes: object) -> CallState:
    return dataclasses.replace(state, stage=stage, stage_since=now, **changes)  # type: ignore[arg-type]


def _answered(s: CallState, ev: Answered, now: float) -> Step:
    return (_to(s, Stage.AMD, now, answered_at=ev.at, answered_after=now - s.dialled_at),
            (WriteAnswered(ev.at),))


def _verdict(s: CallState, ev: AmdVerdict, now: float) -> Step:
    if s.classifying:  # the classifier decides (a second StasisStart)
        return s, ()
    if s.detector is AmdDetector.CLASSIFIER and ev.status == "SKIPPED":
        return classify(s, ev, now)
    if s.answered_at is None:  # the verdict came first (no AMD: straight to Stasis)
        s = dataclasses.replace(s, answered_at=ev.at, answered_after=now - s.dialled_at)
    else:
        s = dataclasses.replace(s, amd_seconds=now - s.stage_since)
    assert s.answered_at is not None
    status = ev.status or "NOTSURE"
    return _act(s, status, WriteVerdict(status, ev.cause, s.answered_at, s.detector,
                                        seconds=s.amd_seconds), now)


def _classified(s: CallState, ev: ClassifierVerdict, now: float) -> Step:
    if not s.classifying:
        return s, ()
    s = dataclasses.replace(s, amd_seconds=now - s.stage_since, classifying=False)
    assert s.answered_at is not None
    cause = f'heard "{ev.heard}"' if ev.heard else None  # else the model's sound alone
    write = WriteVerdict(ev.verdict.name, cause, s.answered_at, s.detector, ev.confidence,
                         s.amd_seconds)
    if ev.verdict is not Verdict.SCREENING:
        return _act(s, ev.verdict.name, write, now)
    media = s.settings.screening_message
    if s.settings.screening_action is ScreeningAction.ANNOUNCE and media:
        return _to(s, Stage.SCREENING, now, outcome="machine"), (write, Play(media, "screening"))
    return _to(s, Stage.HANGING_UP, now, outcome="machine"), (write, Hangup())


def _screened(s: CallState, ev: Event, now: float) -> Step:
    """The assistant heard who calls and why: what follows is the person's (or its
    refusal, which the agent hears)."""
    return _to_agent(dataclasses.replace(s, outcome=None), now)


def _act(s: CallState, status: str, write: WriteVerdict, now: float) -> Step:
    """What a verdict (HUMAN, MACHINE, NOTSURE, HANGUP, SKIPPED) does with the call."""
    settings = s.settings
    decision = on_amd_verdict(status, amd_enabled=settings.amd_enabled and s.paced,
                              machine_action=settings.machine_action)
    if decision.action == "hangup":
        return _to(s, Stage.HANGING_UP, now, outcome=decision.outcome), (write, Hangup())
    if decision.action == "message":
        if s.beep_listener:
            return (_to(s, Stage.LISTENING, now, outcome=decision.outcome),
                    (write, ListenForBeep()))
        return (_to(s, Stage.PLAYING, now, outcome=decision.outcome),
                (write, _machine_message(s)))
    return _to_agent(s, now, write)


def _to_agent(s: CallState, now: float, *effects: Effect) -> Step:
    """A person: to the agent who dialled it, or to one found within the safe harbour."""
    if s.agent is not None:  # the agent who dialled it
        return _to(s, Stage.CONNECTING, now, connecting=True), (*effects, ConnectAgent(s.agent))
    # a predictive call promises no agent: it may find none (then the safe-harbour message)
    settings = s.settings
    promised = not (isinstance(settings, CampaignSettings) and settings.mode == "predictive")
    return (_to(s, Stage.WAITING_AGENT, now),
            (*effects, TakeAgent(settings.agent_group_id, promised, now + SAFE_HARBOUR_SECONDS)))


def _machine_message(s: CallState) -> Play:
    return Play(_media(s.settings.machine_message, MACHINE_MESSAGE), "machine")


def _media(resolved: str | None, default: str) -> str:
    """The settings hold media the store resolved (dialer.prompts.model.media)."""
    return resolved or "sound:" + default


def _safe_harbour(s: CallState, now: float, *effects: Effect) -> Step:
    media = _media(s.settings.safe_harbour_message, SAFE_HARBOUR_MESSAGE)
    return (_to(s, Stage.PLAYING, now, outcome="abandoned"),
            (*effects, Play(media, "safe-harbour")))


def _reserved(s: CallState, ev: AgentReserved, now: float) -> Step:
    return (_to(s, Stage.CONNECTING, now, agent=ev.agent_id, connecting=True),
            (ConnectAgent(ev.agent_id),))


def _no_agent(s: CallState, ev: NoAgent, now: float) -> Step:
    return _safe_harbour(s, now)


def _bridged(s: CallState, ev: Bridged, now: float) -> Step:
    agent = s.agent
    assert agent is not None
    s = dataclasses.replace(s, connecting=False, bridged=True, outcome="human", talk_since=now)
    written = (WriteBridged(agent), MarkAgentLeg(agent))
    if s.consent.announce:
        media = _media(s.settings.consent_prompt, DEFAULT_PROMPT)
        return _to(s, Stage.ANNOUNCING, now), (*written, Announce(media, agent))
    return _to(s, Stage.CONNECTED, now), (*written, *_record(s, announced=False))


def _record(s: CallState, *, announced: bool) -> tuple[Effect, ...]:
    if not s.consent.record:
        return ()
    return WriteConsent(announced), StartRecording(_recording_name(s))


def _recording_name(s: CallState) -> str:
    # The channel id makes the name unique even if attempt ids restart (a new DB).
    return f"attempt-{s.attempt_id}-{s.channel_id}"


def _announced(s: CallState, ev: PlaybackFinished, now: float) -> Step:
    return _to(s, Stage.CONNECTED, now), _record(s, announced=True)


def _announcement_refused(s: CallState, ev: PlaybackRefused, now: float) -> Step:
    return _to(s, Stage.CONNECTED, now), ()  # no notice given: no recording


def _moved(s: CallState, ev: Moved, now: float) -> Step:
    return dataclasses.replace(s, agent=ev.agent, bridged=ev.agent is not None), ()


def _bridge_refused(s: CallState, ev: BridgeRefused, now: float) -> Step:
    assert s.agent is not None
    release = ReleaseAgent(s.agent, chosen=not s.paced)
    return _safe_harbour(dataclasses.replace(s, agent=None, connecting=False), now, release)


def _recording(s: CallState, ev: RecordingStarted, now: float) -> Step:
    name = _recording_name(s)
    return dataclasses.replace(s, recording=name), (WriteRecording(name),)


def _play_machine(s: CallState, ev: Event, now: float) -> Step:
    return _to(s, Stage.PLAYING, now), (_machine_message(s),)


def _hang_up(s: CallState, ev: Event, now: float) -> Step:
    return _to(s, Stage.HANGING_UP, now), (Hangup(),)


def _ended_by_agent(s: CallState, ev: EndedByAgent, now: float) -> Step:
    """Only the agent talking with the customer ends the call; it stays theirs (bridged,
    outcome human) until the customer's channel is gone, then closes as a hang-up does."""
    if ev.agent_id != s.agent:
        return s, ()
    stop = (StopAnnouncement(),) if s.stage is Stage.ANNOUNCING else ()
    return _to(s, Stage.HANGING_UP, now), (*stop, Hangup())


def _no_trunk(s: CallState, ev: NoTrunk, now: float) -> Step:
    return _close(s, s.leg.failed_as or "failed", s.leg.failed_cause, now, ev.reason)


def _refused(s: CallState, ev: OriginateRefused, now: float) -> Step:
    if s.leg.trunk is not None:
        return fail_over(s, "failed", None)
    return _close(s, "failed", None, now)


def _hung_up(s: CallState, ev: HungUp, now: float) -> Step:
    outcome = s.outcome
    if s.stage is Stage.DIALLING and s.leg.trunk_failed(ev.cause):
        unanswered = "no_answer" if s.leg.silent else outcome_for_unanswered(
            ev.cause, rang_full_timeout=False)
        return fail_over(s, unanswered, ev.cause)
    if outcome is None:
        if s.stage is Stage.DIALLING:
            timeout = max(15, s.settings.ring_timeout_seconds)
            outcome = outcome_for_unanswered(
                ev.cause, rang_full_timeout=now - s.dialled_at >= timeout - 1)
        elif s.stage is Stage.AMD:
            outcome = "hangup_during_amd"
        else:
            outcome = "abandoned"  # hung up while an agent was being found
    return _close(s, outcome, ev.cause, now)


def _close(s: CallState, outcome: str, cause: int | None, now: float,
           reason: str | None = None) -> Step:
    effects: list[Effect] = []
    if s.stage is Stage.LISTENING:
        effects.append(StopBeepListener())
    if s.classifying:
        effects.append(StopClassifier())
    if s.stage is Stage.ANNOUNCING:
        effects.append(StopAnnouncement())
    if s.recording:
        effects.append(StopRecording(s.recording))
    if s.leg.trunk is not None:
        effects.append(ReleaseTrunk(s.leg.trunk, s.channel_id, healthy=True))
    agent = s.agent
    if agent is not None and s.bridged:
        effects.append(EndAgentCall(agent, s.settings.bcw_seconds))
        agent = None
    elif agent is not None and not s.connecting:
        effects.append(ReleaseAgent(agent, chosen=not s.paced))
        agent = None
    elif agent is None and s.paced:
        effects.append(WakeAgents())
    if s.paced:  # bridged: talking (or its agent ended it)
        talk = now - s.talk_since if s.bridged and s.talk_since is not None else None
        effects.append(Learn(outcome, s.answered_after, s.amd_seconds, talk))
    effects.append(CloseAttempt(outcome, cause, reason))
    # A bridge request still out keeps its agent here until its answer (late events).
    return (_to(s, Stage.CLOSED, now, outcome=outcome, agent=agent, classifying=False),
            tuple(effects))


# Each handler takes the one event type it is registered for.
Handler = Callable[[CallState, Any, float], Step]
_HANDLERS: dict[tuple[Stage, type], Handler] = {
    (Stage.DIALLING, OriginateRefused): _refused,
    (Stage.DIALLING, Answered): _answered,
    (Stage.DIALLING, AmdVerdict): _verdict,
    (Stage.DIALLING, HungUp): _hung_up,
    (Stage.DIALLING, TrunkChosen): trunk_chosen,
    (Stage.DIALLING, Ringing): ringing,
    (Stage.DIALLING, TrunkSilent): trunk_silent,
    (Stage.DIALLING, NoTrunk): _no_trunk,
    (Stage.AMD, AmdVerdict): _verdict,
    (Stage.AMD, HungUp): _hung_up,
    (Stage.AMD, ClassifierVerdict): _classified,
    (Stage.AMD, ClassifierNoAudio): no_audio,
    (Stage.SCREENING, PlaybackFinished): _screened,
    (Stage.SCREENING, PlaybackRefused): _screened,
    (Stage.SCREENING, HungUp): _hung_up,
    (Stage.WAITING_AGENT, AgentReserved): _reserved,
    (Stage.WAITING_AGENT, NoAgent): _no_agent,
    (Stage.WAITING_AGENT, HungUp): _hung_up,
    (Stage.CONNECTING, Bridged): _bridged,
    (Stage.CONNECTING, BridgeRefused): _bridge_refused,
    (Stage.CONNECTING, HungUp): _hung_up,
    (Stage.ANNOUNCING, PlaybackFinished): _announced,
    (Stage.ANNOUNCING, PlaybackRefused): _announcement_refused,
    (Stage.ANNOUNCING, HungUp): _hung_up,
    (Stage.ANNOUNCING, EndedByAgent): _ended_by_agent,
    (Stage.ANNOUNCING, Moved): _moved,
    (Stage.CONNECTED, Moved): _moved,
    (Stage.CONNECTED, RecordingStarted): _recording,
    (Stage.CONNECTED, HungUp): _hung_up,
    (Stage.CONNECTED, EndedByAgent): _ended_by_agent,
    (Stage.LISTENING, BeepHeard): _play_machine,
    (Stage.LISTENING, BeepTimeout): _play_machine,
    (Stage.LISTENING, HungUp): _hung_up,
    (Stage.PLAYING, PlaybackFinished): _hang_up,
    (Stage.PLAYING, PlaybackRefused): _hang_up,
    (Stage.PLAYING, HungUp): _hung_up,
    (Stage.HANGING_UP, HungUp): _hung_up,
    (Stage.CLOSED, Bridged): late_bridge,
    (Stage.CLOSED, BridgeRefused): late_bridge,
}
_HANDLERS.update({(stage, AgentReserved): late_reserved for stage in Stage
                  if stage is not Stage.WAITING_AGENT})
HANDLED = frozenset(_HANDLERS)
