"""The outbound call's machine (dialer/outbound/machine.py): its documented table, a few
paths written out, and random orders of events (duplicates, late answers, hang-ups at every
stage, ARI refusals, trunks failing and failover) over two calls sharing agents."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from dialer.compliance.consent import NOT_RECORDED, US_FEDERAL, RULES, RecordingConsent
from dialer.outbound import events as ev, machine
from dialer.outbound.eligibility import CampaignRules, PlanRules
from dialer.outbound.machine import Stage, start, transition
from dialer.amd.classifier import ClassifierSettings, Verdict
from dialer.outbound.model import AmdDetector, CampaignSettings, ScreeningAction

AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


# What compliance/consent.py decides for a recording campaign's callee.
WITHOUT_NOTICE = RecordingConsent(True, False, "US-NY", US_FEDERAL)
ANNOUNCED = RecordingConsent(True, True, "US-CA", RULES["US-CA"])
CONSENTS = (NOT_RECORDED, WITHOUT_NOTICE, ANNOUNCED)


def _settings(mode: str = "progressive", amd: bool = True, action: str = "hangup",
              record: bool = False, detector: AmdDetector = AmdDetector.APP_AMD,
              screening: ScreeningAction = ScreeningAction.HANGUP,
              threshold: float | None = None, words: bool = True,
              person_after: float | None = None) -> CampaignSettings:
    return CampaignSettings(
        id=5, name="c", account_id=1, agent_group_id=3, bcw_seconds=4, record=record,
        amd_enabled=amd, machine_action=action, machine_message=None,
        safe_harbour_message=None, ring_timeout_seconds=30, max_attempts=3, caller_ids=(),
        rules=(), plan=PlanRules(), mode=mode, status="running",
        schedule=CampaignRules(home_region="US"), amd_detector=detector,
        amd_machine_threshold=threshold, amd_words=words, amd_person_after_silence=person_after,
        screening_action=screening,
        screening_message="sound:prompts/1/7")


def _classifying(**kwargs):
    """A classifier campaign's call, answered and in Stasis: the classifier listens."""
    state, effects = start(_settings(detector=AmdDetector.CLASSIFIER, **kwargs), 1, "c", 0.0,
                           beep_listener=True)
    assert effects == (ev.Originate(skip_amd=True, dialplan_waits_beep=False),)
    return _run(state, ev.Answered(AT), ev.AmdVerdict("SKIPPED", None, AT), now=1.0)


def _run(state, *events, now=10.0):
    out = []
    for event in events:
        state, effects = transition(state, event, now)
        out += effects
    return state, out


# ---- the documented table is the code's ----------------------------------------------------
def test_the_docstring_table_names_exactly_the_handled_pairs():
    documented = set()
    for stage, event in re.findall(r"^    ([A-Z_]+|\*)\s+([A-Za-z]+)\s+->", machine.__doc__,
                                   re.MULTILINE):
        stages = [s for s in Stage if s is not Stage.WAITING_AGENT] if stage == "*" \
            else [Stage[stage]]
        documented |= {(s, getattr(ev, event)) for s in stages}
    assert documented == set(machine.HANDLED)


def test_every_pair_has_an_answer():
    state, _ = start(_settings(), 1, "c", 0.0)
    samples = [ev.OriginateRefused(), ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT),
               ev.AgentReserved(1), ev.NoAgent(), ev.Bridged(), ev.BridgeRefused(),
               ev.RecordingStarted(), ev.RecordingRefused(), ev.BeepHeard(), ev.BeepTimeout(),
               ev.PlaybackFinished(), ev.PlaybackRefused(), ev.HungUp(16), ev.EndedByAgent(1),
               ev.Moved(2), ev.ClassifierVerdict(Verdict.SCREENING, 0.97, AT),
               ev.ClassifierNoAudio(), ev.TrunkChosen(1), ev.NoTrunk("none"), ev.Ringing(),
               ev.TrunkSilent("c")]
    assert {type(e) for e in samples} == set(ev.EVENTS)
    for stage in Stage:
        for event in samples:
            s = dataclasses.replace(state, stage=stage, agent=1,
                                    connecting=stage is Stage.CONNECTING)
            new, effects = transition(s, event, 1.0)
            assert new.stage in Stage and isinstance(effects, tuple)


# ---- paths written out -----------------------------------------------------------------------
def test_a_human_reaches_an_agent_then_hangs_up():
    state, effects = start(_settings(record=True), 9, "c9", 0.0, consent=WITHOUT_NOTICE)
    assert effects == (ev.Originate(skip_amd=False, dialplan_waits_beep=False),)
    state, out = _run(state, ev.TrunkChosen(1), ev.Ringing(), ev.TrunkSilent("c9"),
                      ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT))
    assert out[0] == ev.WatchTrunk("c9", 8.0) and ev.Hangup() not in out  # it rang
    assert state.stage is Stage.WAITING_AGENT and state.in_flight
    assert out[-1] == ev.TakeAgent(3, promised=True, deadline=12.0)
    state, out = _run(state, ev.AgentReserved(7), ev.Bridged())
    assert state.stage is Stage.CONNECTED and not state.in_flight
    assert out == [ev.ConnectAgent(7), ev.WriteBridged(7), ev.MarkAgentLeg(7),
                   ev.WriteConsent(announced=False), ev.StartRecording("attempt-9-c9")]
    state, out = _run(state, ev.RecordingStarted(), ev.HungUp(16), ev.HungUp(16))
    assert state.stage is Stage.CLOSED
    assert out[1:4] == [ev.StopRecording("attempt-9-c9"), ev.ReleaseTrunk(1, "c9", True),
                        ev.EndAgentCall(7, 4)]
    assert out[-1] == ev.CloseAttempt("human", 16)


# ---- failover: same attempt, next trunk, one channel at a time -----------------------------
def test_a_503_a_refusal_and_a_silent_trunk_move_the_call_to_the_next_trunk():
    state, _ = start(_settings(), 9, "c9", 0.0)
    state, out = _run(state, ev.TrunkChosen(1), ev.HungUp(34))  # SIP 503
    assert out[1:] == [ev.ReleaseTrunk(1, "c9", False),
                       ev.Originate(False, False, tried=frozenset({1}))]
    assert state.stage is Stage.DIALLING and state.channel_id == "c9-1"
    state, out = _run(state, ev.TrunkChosen(2), ev.OriginateRefused())
    assert out == [ev.WriteLeg("c9-1"), ev.WatchTrunk("c9-1", 8.0),
                   ev.ReleaseTrunk(2, "c9-1", False),
                   ev.Originate(False, False, tried=frozenset({1, 2}))]
    state, out = _run(state, ev.TrunkChosen(3), ev.TrunkSilent("c9-1"), ev.TrunkSilent("c9-2"))
    assert out == [ev.WriteLeg("c9-2"), ev.WatchTrunk("c9-2", 8.0), ev.Hangup()]  # not c9-1's
    state, out = _run(state, ev.HungUp(16))  # the dialer's hang-up of the silent leg
    assert out[0] == ev.ReleaseTrunk(3, "c9-2", False) and state.channel_id == "c9-3"
    state, out = _run(state, ev.NoTrunk("no trunk left"))
    assert state.stage is Stage.CLOSED and state.attempt_id == 9
    assert out[-1] == ev.CloseAttempt("no_answer", 16, "no trunk left")  # as the last left it
    assert not any(isinstance(e, ev.ReleaseTrunk) for e in out)  # released as it failed


def test_with_one_trunk_a_503_ends_the_attempt_as_before():
    state, _ = start(_settings(), 9, "c9", 0.0)
    state, out = _run(state, ev.TrunkChosen(0), ev.HungUp(34), ev.NoTrunk("none left"))
    assert state.stage is Stage.CLOSED and out[-1] == ev.CloseAttempt("congestion", 34, "none left")
    assert not any(isinstance(e, ev.WriteLeg) for e in out)  # no leg was dialled after


def test_busy_no_answer_and_a_person_do_not_fail_over():
    state, _ = start(_settings(), 9, "c9", 0.0)
    state, _ = _run(state, ev.TrunkChosen(1), ev.Ringing())
    for cause, outcome, at in ((17, "busy", 5.0), (16, "no_answer", 29.5), (19, "no_answer", 29.5)):
        closed, out = _run(state, ev.HungUp(cause), now=at)
        assert closed.stage is Stage.CLOSED and out[-1] == ev.CloseAttempt(outcome, cause)
        assert ev.ReleaseTrunk(1, "c9", True) in out
    answered, _ = _run(state, ev.Answered(AT))
    closed, out = _run(answered, ev.HungUp(34))  # hung up after the answer: the callee's
    assert closed.stage is Stage.CLOSED and ev.ReleaseTrunk(1, "c9", True) in out


def test_no_trunk_for_the_destination_fails_the_call():
    state, _ = start(_settings(), 9, "c9", 0.0)
    state, out = _run(state, ev.NoTrunk("no trunk serves this destination"))
    assert state.stage is Stage.CLOSED
    assert out[-1] == ev.CloseAttempt("failed", None, "no trunk serves this destination")


def test_a_recorded_call_moved_to_another_agent_keeps_its_one_recording():
    """The recording is of the customer's channel: a transfer (Moved) neither stops nor
    starts one; the call's end stops it and ends the call of the agent holding it then."""
    state, _ = start(_settings(record=True), 9, "c9", 0.0, consent=WITHOUT_NOTICE)
    state, _ = _run(state, ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT),
                    ev.AgentReserved(7), ev.Bridged(), ev.RecordingStarted())
    state, out = _run(state, ev.Moved(8), ev.Moved(None), ev.Moved(8))
    assert out == [] and state.recording == "attempt-9-c9" and state.agent == 8
    state, out = _run(state, ev.HungUp(16))
    assert out[:2] == [ev.StopRecording("attempt-9-c9"), ev.EndAgentCall(8, 4)]


def _bridged(consent: RecordingConsent):
    state, _ = start(_settings(record=True), 9, "c9", 0.0, consent=consent)
    return _run(state, ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT), ev.AgentReserved(7),
                ev.Bridged())


def test_the_recording_starts_when_the_consent_announcement_has_played():
    state, out = _bridged(ANNOUNCED)
    assert state.stage is Stage.ANNOUNCING and state.bridged
    assert out[-3:] == [ev.WriteBridged(7), ev.MarkAgentLeg(7),
                        ev.Announce("sound:conf-now-recording", 7)]
    assert not any(isinstance(e, ev.StartRecording) for e in out)
    state, out = _run(state, ev.RecordingStarted(), ev.PlaybackFinished())
    assert state.stage is Stage.CONNECTED and state.recording is None  # not started before
    assert out == [ev.WriteConsent(announced=True), ev.StartRecording("attempt-9-c9")]
    state, out = _run(state, ev.PlaybackFinished(), ev.RecordingStarted())
    assert out == [ev.WriteRecording("attempt-9-c9")]


def test_the_campaigns_own_consent_prompt_is_played_by_name():
    settings = dataclasses.replace(_settings(record=True), consent_prompt="sound:custom/recorded")
    state, _ = start(settings, 9, "c9", 0.0, consent=ANNOUNCED)
    _, out = _run(state, ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT),
                  ev.AgentReserved(7), ev.Bridged())
    assert out[-1] == ev.Announce("sound:custom/recorded", 7)


def test_a_hang_up_during_the_announcement_closes_the_call_unrecorded():
    state, _ = _bridged(ANNOUNCED)
    state, out = _run(state, ev.HungUp(16), ev.PlaybackFinished(), now=14.0)
    assert state.stage is Stage.CLOSED
    assert out == [ev.StopAnnouncement(), ev.EndAgentCall(7, 4),
                   ev.Learn("human", 10.0, 0.0, 4.0), ev.CloseAttempt("human", 16)]


def test_a_refused_announcement_leaves_the_call_unrecorded():
    state, _ = _bridged(ANNOUNCED)
    state, out = _run(state, ev.PlaybackRefused(), ev.PlaybackFinished())
    assert state.stage is Stage.CONNECTED and out == []


def test_a_call_not_to_be_recorded_is_connected_at_once():
    state, out = _bridged(NOT_RECORDED)
    assert state.stage is Stage.CONNECTED
    assert out[-2:] == [ev.WriteBridged(7), ev.MarkAgentLeg(7)]


def test_no_agent_in_time_plays_the_safe_harbour_message_then_hangs_up():
    state, _ = start(_settings(), 1, "c", 0.0)
    state, out = _run(state, ev.Answered(AT), ev.AmdVerdict("NOTSURE", None, AT),
                      ev.NoAgent(), ev.PlaybackFinished())
    assert out[-2:] == [ev.Play("sound:tt-allbusy", "safe-harbour"), ev.Hangup()]
    state, out = _run(state, ev.HungUp(16), ev.AgentReserved(2))
    assert out[-2:] == [ev.CloseAttempt("abandoned", 16), ev.ReleaseAgent(2, chosen=False)]


def test_a_machine_waits_for_the_beep_and_hears_the_message():
    state, _ = start(_settings(action="message"), 1, "c", 0.0, beep_listener=True)
    state, out = _run(state, ev.Answered(AT), ev.AmdVerdict("MACHINE", "LONGGREETING", AT))
    assert state.stage is Stage.LISTENING and out[-1] == ev.ListenForBeep()
    state, out = _run(state, ev.BeepHeard(), ev.PlaybackRefused(), ev.HungUp(16))
    assert ev.Play("sound:vm-goodbye", "machine") in out and ev.Hangup() in out
    assert out[-1] == ev.CloseAttempt("machine", 16)


def test_the_classifier_listens_from_the_answer_and_its_human_reaches_an_agent():
    state, out = _classifying(threshold=0.8)
    assert state.stage is Stage.AMD and state.classifying
    assert out == [ev.WriteAnswered(AT), ev.Classify(ClassifierSettings(machine=0.8), words=True)]
    assert _classifying(words=False)[1][-1] == ev.Classify(ClassifierSettings(), words=False)
    assert _classifying(person_after=4.0)[1][-1] == ev.Classify(ClassifierSettings(cap_person_silence=4.0),
                                                                words=True)
    assert _run(state, ev.AmdVerdict("SKIPPED", None, AT)) == (state, [])  # no second listener
    state, out = _run(state, ev.ClassifierVerdict(Verdict.HUMAN, 0.71, AT), now=2.5)
    assert state.stage is Stage.WAITING_AGENT and state.amd_seconds == 1.5
    assert out == [ev.WriteVerdict("HUMAN", None, AT, AmdDetector.CLASSIFIER, 0.71, 1.5),
                   ev.TakeAgent(3, promised=True, deadline=4.5)]
    state, out = _run(state, ev.ClassifierVerdict(Verdict.MACHINE, 0.99, AT))
    assert out == []  # one verdict


def test_the_classifiers_machine_gets_the_beep_logic_of_app_amds():
    state, _ = _classifying(action="message")
    state, out = _run(state, ev.ClassifierVerdict(Verdict.MACHINE, 0.93, AT))
    assert state.stage is Stage.LISTENING and out[-1] == ev.ListenForBeep()
    assert out[0] == ev.WriteVerdict("MACHINE", None, AT, AmdDetector.CLASSIFIER, 0.93, 9.0)


def test_a_verdict_the_classifiers_words_decided_names_the_phrase_as_its_cause():
    state, _ = _classifying()
    state, out = _run(state, ev.ClassifierVerdict(Verdict.MACHINE, 0.97, AT, heard="please leave"))
    assert out[0] == ev.WriteVerdict("MACHINE", 'heard "please leave"', AT, AmdDetector.CLASSIFIER,
                                     0.97, 9.0)


def test_a_screening_assistant_hears_the_prompt_then_the_call_is_a_persons():
    state, _ = _classifying(screening=ScreeningAction.ANNOUNCE)
    state, out = _run(state, ev.ClassifierVerdict(Verdict.SCREENING, 0.96, AT))
    assert state.stage is Stage.SCREENING and not state.in_flight
    assert out == [ev.WriteVerdict("SCREENING", None, AT, AmdDetector.CLASSIFIER, 0.96, 9.0),
                   ev.Play("sound:prompts/1/7", "screening")]
    state, out = _run(state, ev.PlaybackFinished(), now=20.0)
    assert state.stage is Stage.WAITING_AGENT and state.outcome is None
    assert out == [ev.TakeAgent(3, promised=True, deadline=22.0)]
    hung_up, _ = _classifying(screening=ScreeningAction.ANNOUNCE)
    hung_up, out = _run(hung_up, ev.ClassifierVerdict(Verdict.SCREENING, 0.96, AT),
                        ev.HungUp(16))
    assert out[-1] == ev.CloseAttempt("machine", 16)  # no person came


def test_a_screening_assistant_is_hung_up_on_if_the_campaign_says_so():
    state, _ = _classifying()
    state, out = _run(state, ev.ClassifierVerdict(Verdict.SCREENING, 0.96, AT), ev.HungUp(16))
    assert out[1] == ev.Hangup() and out[-1] == ev.CloseAttempt("machine", 16)


def test_no_audio_falls_back_to_app_amd_whose_verdict_decides():
    state, _ = _classifying()
    state, out = _run(state, ev.ClassifierNoAudio())
    assert out == [ev.FallBackToAppAmd()] and not state.classifying
    assert _run(state, ev.ClassifierVerdict(Verdict.HUMAN, 0.9, AT)) == (state, [])  # late
    state, out = _run(state, ev.AmdVerdict("MACHINE", "LONGGREETING", AT))
    assert out == [ev.WriteVerdict("MACHINE", "LONGGREETING", AT, AmdDetector.APP_AMD, seconds=9.0),
                   ev.Hangup()]


def test_a_hang_up_while_the_classifier_listens_stops_it():
    state, _ = _classifying()
    state, out = _run(state, ev.HungUp(16))
    assert out[0] == ev.StopClassifier() and out[-1] == ev.CloseAttempt("hangup_during_amd", 16)


def test_unanswered_calls_by_cause_and_an_agents_call_frees_its_agent():
    state, _ = start(_settings(), 1, "c", 0.0)
    assert _run(state, ev.HungUp(17), now=5.0)[1][-1] == ev.CloseAttempt("busy", 17)
    assert _run(state, ev.HungUp(16), now=29.5)[1][-1] == ev.CloseAttempt("no_answer", 16)
    state, effects = start(_settings(), 1, "c", 0.0, chosen_by=4)
    assert effects == (ev.Originate(skip_amd=True, dialplan_waits_beep=False),)
    _, out = _run(state, ev.OriginateRefused())  # not routed (training): no failover
    assert out == [ev.ReleaseAgent(4, chosen=True), ev.CloseAttempt("failed", None)]


def test_the_agent_ends_the_call_it_talks_on():
    state, _ = _bridged(WITHOUT_NOTICE)
    state, _ = _run(state, ev.RecordingStarted())
    assert _run(state, ev.EndedByAgent(8)) == (state, [])  # another agent's request
    state, out = _run(state, ev.EndedByAgent(7), ev.EndedByAgent(7), now=14.0)
    assert state.stage is Stage.HANGING_UP and out == [ev.Hangup()]
    state, out = _run(state, ev.HungUp(16), now=20.0)
    assert out == [ev.StopRecording("attempt-9-c9"), ev.EndAgentCall(7, 4),
                   ev.Learn("human", 10.0, 0.0, 10.0), ev.CloseAttempt("human", 16)]


def test_the_agent_ends_the_call_during_the_consent_announcement():
    state, _ = _bridged(ANNOUNCED)
    state, out = _run(state, ev.EndedByAgent(7))
    assert state.stage is Stage.HANGING_UP and out == [ev.StopAnnouncement(), ev.Hangup()]
    state, out = _run(state, ev.PlaybackFinished(), ev.HungUp(16))
    assert not any(isinstance(e, ev.StartRecording) for e in out)
    assert out[0] == ev.EndAgentCall(7, 4) and out[-1] == ev.CloseAttempt("human", 16)


# ---- random orders -------------------------------------------------------------------------
CHANNEL_EVENTS = st.sampled_from([
    ev.OriginateRefused(), ev.Answered(AT), ev.AmdVerdict("HUMAN", None, AT),
    ev.AmdVerdict("MACHINE", "LONGGREETING", AT), ev.AmdVerdict("NOTSURE", None, AT),
    ev.AmdVerdict("HANGUP", None, AT), ev.RecordingStarted(), ev.RecordingRefused(),
    ev.BeepHeard(), ev.BeepTimeout(), ev.PlaybackFinished(), ev.PlaybackRefused(),
    ev.HungUp(16), ev.HungUp(17), ev.HungUp(None), ev.HungUp(34), ev.HungUp(38), ev.Ringing(),
    ev.AmdVerdict("SKIPPED", None, AT),
    ev.ClassifierVerdict(Verdict.HUMAN, 0.8, AT), ev.ClassifierVerdict(Verdict.MACHINE, 0.95, AT),
    ev.ClassifierVerdict(Verdict.SCREENING, 0.97, AT), ev.ClassifierNoAudio()])
TRUNKS = (1, 2, 3)
POOL = (1, 2)  # agents the calls' TakeAgent may get; 10 + i chose call i (preview, manual)


class TwoCalls(RuleBasedStateMachine):
    """Two calls sharing agents. The test plays the shell and the agent registry: it answers
    each TakeAgent and ConnectAgent (at a time of its choosing, perhaps after a hang-up) and
    throws in channel events in any order."""

    @initialize(kinds=st.lists(st.tuples(st.sampled_from(["progressive", "predictive"]),
                                         st.booleans(), st.booleans(),
                                         st.sampled_from(["hangup", "message", "pass_through"]),
                                         st.sampled_from(CONSENTS), st.booleans(),
                                         st.sampled_from(AmdDetector),
                                         st.sampled_from(ScreeningAction)),
                               min_size=2, max_size=2))
    def place(self, kinds):
        self.now = 0.0
        self.holder: dict[int, tuple[int, str]] = {}  # agent -> (call, reserved / bridged)
        self.states, self.closes, self.takes, self.connects = [], [0, 0], [0, 0], [None, None]
        self.announced = [False, False]  # the consent announcement played to its end
        self.recordings = [0, 0]  # StartRecording effects: one file per attempt at most
        # the shell's side of trunks: an Originate to route, the live channel, the trunk held
        self.to_route: list[frozenset[int] | None] = [None, None]
        self.live: list[str | None] = [None, None]
        self.held: list[int | None] = [None, None]
        self.listening = [False, False]  # a classifier started and not yet answered or stopped
        for i, (mode, chosen, amd, action, consent, listener, detector,
                screening) in enumerate(kinds):
            chooser = 10 + i if chosen else None
            if chooser is not None:
                self.holder[chooser] = (i, "reserved")
            state, effects = start(_settings(mode, amd, action, consent.record, detector,
                                             screening), i, f"c{i}",
                                   0.0, chosen_by=chooser, beep_listener=listener,
                                   consent=consent)
            self.states.append(state)
            self._apply(i, effects)

    def _feed(self, i: int, event: ev.Event, routing: bool = False) -> None:
        if self.to_route[i] is not None and not routing:
            self.the_shell_routes(i, refused=False)  # the shell routes an Originate at once
        self.now += 0.7
        if isinstance(event, ev.HungUp):
            self.live[i] = None  # ChannelDestroyed: the channel is gone
        if self.states[i].stage is Stage.ANNOUNCING and isinstance(event, ev.PlaybackFinished):
            self.announced[i] = True
        if isinstance(event, (ev.ClassifierVerdict, ev.ClassifierNoAudio)):
            self.listening[i] = False  # the listener ended with its answer
        self.states[i], effects = transition(self.states[i], event, self.now)
        assert self.states[i].stage in Stage
        self._apply(i, effects)

    def _apply(self, i: int, effects: tuple[ev.Effect, ...]) -> None:
        for effect in effects:
            match effect:
                case ev.TakeAgent():
                    self.takes[i] += 1
                case ev.ConnectAgent(agent):
                    assert self.holder.get(agent) == (i, "reserved") and self.connects[i] is None
                    self.connects[i] = agent
                case ev.ReleaseAgent(agent):
                    assert self.holder.pop(agent) == (i, "reserved"), "released twice"
                case ev.EndAgentCall(agent):
                    assert self.holder.pop(agent) == (i, "bridged"), "ended twice"
                case ev.CloseAttempt():
                    self.closes[i] += 1
                    assert not self.listening[i], "closed with the classifier listening"
                case ev.Classify():
                    assert not self.listening[i], "a second classifier on one call"
                    assert self.states[i].detector is AmdDetector.CLASSIFIER
                    self.listening[i] = True
                case ev.StopClassifier():
                    assert self.listening[i]
                    self.listening[i] = False
                case ev.WriteVerdict(detector=detector):
                    assert detector is self.states[i].detector
                case ev.Originate(tried=tried):
                    assert self.live[i] is None, "a second live channel to one contact"
                    assert self.held[i] is None and self.to_route[i] is None
                    self.to_route[i] = tried
                case ev.ReleaseTrunk(trunk_id, channel_id):
                    assert self.held[i] == trunk_id, "a trunk released twice or not held"
                    assert channel_id == self.states[i].channel_id or \
                        self.states[i].leg.number > 0
                    self.held[i] = None
                case ev.WriteLeg(channel_id):
                    assert channel_id == self.states[i].channel_id and self.live[i] is None
                    assert self.states[i].leg.number > 0
                case ev.StopRecording():  # only as the call closes, not as it moves
                    assert self.states[i].stage is Stage.CLOSED
                case ev.StartRecording():
                    self.recordings[i] += 1
                    assert self.recordings[i] == 1, "a second recording of one attempt"
                    consent = self.states[i].consent
                    assert consent.record, "recorded against its consent decision"
                    assert self.announced[i] or not consent.announce, \
                        "recording started before the announcement finished"

    @rule(i=st.integers(0, 1), event=CHANNEL_EVENTS)
    def channel_event(self, i, event):
        if isinstance(event, ev.OriginateRefused) and (
                self.live[i] is not None or self.to_route[i] is not None):
            return  # a refusal answers an originate: no channel was made, none is waiting
        self._feed(i, event)

    @precondition(lambda self: any(t is not None for t in self.to_route))
    @rule(i=st.integers(0, 1), refused=st.booleans())
    def the_shell_routes(self, i, refused):
        """The routing choice: the lowest trunk not tried, or none left; then the
        originate, answered by a channel or refused."""
        tried = self.to_route[i]
        if tried is None:
            return
        self.to_route[i] = None
        left = [t for t in TRUNKS if t not in tried]
        if not left:
            self._feed(i, ev.NoTrunk("no trunk left"), routing=True)
            return
        self.held[i] = left[0]
        self._feed(i, ev.TrunkChosen(left[0]), routing=True)
        if refused:
            self._feed(i, ev.OriginateRefused(), routing=True)
        elif self.states[i].stage is not Stage.CLOSED:
            self.live[i] = self.states[i].channel_id

    @rule(i=st.integers(0, 1))
    def trunk_timer(self, i):
        self._feed(i, ev.TrunkSilent(self.states[i].channel_id))

    @precondition(lambda self: any(self.takes))
    @rule(i=st.integers(0, 1), found=st.booleans())
    def agent_search_ends(self, i, found):
        if not self.takes[i]:
            return
        self.takes[i] -= 1
        free = [a for a in POOL if a not in self.holder]
        if found and free:
            self.holder[free[0]] = (i, "reserved")
            self._feed(i, ev.AgentReserved(free[0]))
        else:
            self._feed(i, ev.NoAgent())

    @rule(i=st.integers(0, 1))
    def stray_reservation(self, i):
        """A reservation the call did not ask for (a duplicate answer): never kept twice."""
        free = [a for a in POOL if a not in self.holder]
        if free:
            self.holder[free[0]] = (i, "reserved")
            self._feed(i, ev.AgentReserved(free[0]))

    @precondition(lambda self: any(a is not None for a in self.connects))
    @rule(i=st.integers(0, 1), bridged=st.booleans())
    def bridge_answers(self, i, bridged):
        agent = self.connects[i]
        if agent is None:
            return
        self.connects[i] = None
        if bridged:
            assert self.holder[agent] == (i, "reserved")
            self.holder[agent] = (i, "bridged")
            self._feed(i, ev.Bridged())
        else:  # the registry frees a refused agent itself; the call releases it again
            self._feed(i, ev.BridgeRefused())

    @rule(i=st.integers(0, 1), own=st.booleans())
    def agent_ends_the_call(self, i, own):
        """The agent page's hang-up, by the call's agent or another."""
        agent = self.states[i].agent
        self._feed(i, ev.EndedByAgent(agent if own and agent is not None else 99))

    @rule(i=st.integers(0, 1), external=st.booleans())
    def a_transfer(self, i, external):
        """The transfer shell moved the customer on: its agent freed (wrap-up), the
        target (a free agent) holding it, or an external number."""
        state = self.states[i]
        if state.stage not in (Stage.ANNOUNCING, Stage.CONNECTED) or state.agent is None:
            return
        free = [a for a in POOL if a not in self.holder]
        to = None if external or not free else free[0]
        assert self.holder.pop(state.agent) == (i, "bridged")
        if to is not None:
            self.holder[to] = (i, "bridged")
        self._feed(i, ev.Moved(to))
        assert self.states[i].agent == to and self.states[i].stage is state.stage

    @invariant()
    def closed_once_at_most_and_once_when_closed(self):
        for i, state in enumerate(self.states):
            assert self.closes[i] == (1 if state.stage is Stage.CLOSED else 0)

    @invariant()
    def the_classifier_listens_while_the_call_says_so(self):
        for i, state in enumerate(self.states):
            assert self.listening[i] == state.classifying
            assert not state.classifying or state.stage is Stage.AMD

    @invariant()
    def an_agent_talks_to_one_customer(self):
        for i, state in enumerate(self.states):
            bridged = [a for a, (c, how) in self.holder.items() if c == i and how == "bridged"]
            assert len(bridged) <= 1
            if state.stage in (Stage.ANNOUNCING, Stage.CONNECTED):
                assert bridged == ([] if state.agent is None else [state.agent])

    def teardown(self):
        """Whatever happened, the customers hang up and the outstanding answers arrive:
        every call ends closed once and every agent is free."""
        if not hasattr(self, "states"):
            return
        for i in (0, 1):
            self._feed(i, ev.HungUp(16))
            while self.to_route[i] is not None:  # failed over: every trunk refuses
                self.the_shell_routes(i, refused=True)
            while self.takes[i]:
                self.agent_search_ends(i, True)
            if self.connects[i] is not None:
                self.bridge_answers(i, True)
            assert self.states[i].stage is Stage.CLOSED and self.closes[i] == 1
            assert self.held[i] is None, "a trunk's channel still counted after the call"
        assert self.holder == {}


TwoCalls.TestCase.settings = settings(max_examples=300, stateful_step_count=30, deadline=None)
test_random_event_orders = TwoCalls.TestCase
