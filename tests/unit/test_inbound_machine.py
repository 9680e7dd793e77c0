"""The inbound call machine (dialer.inbound.machine) under random event orders: duplicates,
late events, the caller hanging up at every stage, legs failing, ARI refusals, transfers
moving the caller to another agent or an external number. The call's record is closed once,
and the agent freed at the end is the one holding the caller."""

from __future__ import annotations

import datetime as dt

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialer.inbound import legs
from dialer.inbound import machine as m
from dialer.inbound.records import CloseRecord, ConnectedRecord, EndHolderCall, Moved
from dialer.inbound.ringing import RingPlan, RingStep

NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
AGENT = 7
CALLER = "caller-1"
RECORD = 5


def plan(*, pass_through: bool = False, status_message: bool = False) -> RingPlan:
    return RingPlan(account_id=1, company_number="+12125550199", caller="+13125550777",
                    contact_id=3, contact_name="Ann Lee", caller_id_mode="company",
                    pass_through=pass_through, forwarded=False, status_message=status_message,
                    steps=(RingStep(("PJSIP/a", "PJSIP/b"), 20), RingStep(("PJSIP/c",), 20)),
                    training=False, agents=(("PJSIP/b", AGENT),))


class InboundCallEvents(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.call = m.Call(CALLER)
        self.originated: set[str] = set()
        self.hung_up: set[str] = set()
        self.destroyed: set[str] = set()
        self.reserved = 0            # reservations of the agent not yet released
        self.connected = 0           # customers in the agent's bridge
        self.bridges: set[str] = set()
        self.caller_gone = False
        self.recordings: list[str] = []  # Record effects
        self.stored: list[str] = []      # StoreVoicemail effects
        self.holder: int | None = AGENT  # who has the caller once connected (transfers)
        self.records: list[object] = []  # ConnectedRecord and CloseRecord effects

    def feed(self, event: m.Event) -> None:
        # The voicemail prompt is the caller's recording notice: it must have played out.
        noticed = (self.call.stage is m.Stage.VOICEMAIL and event == m.PlaybackFinished(
            f"{CALLER}-vm"))
        self.call, effects = m.transition(self.call, event, NOW)
        assert isinstance(self.call.stage, m.Stage)
        for effect in effects:
            if isinstance(effect, legs.Originate):
                assert effect.channel_id not in self.originated  # a leg id is never reused
                self.originated.add(effect.channel_id)
            elif isinstance(effect, legs.Hangup):
                self.hung_up.add(effect.channel_id)
            elif isinstance(effect, (legs.ReleaseAgent, m.FreeAgent, EndHolderCall)):
                if isinstance(effect, EndHolderCall):
                    assert effect.agent_id == self.holder, (effect, self.holder)
                self.reserved -= 1
                self.connected = 0
            elif isinstance(effect, (ConnectedRecord, CloseRecord)):
                assert effect.record_id == RECORD
                self.records.append(effect)
            elif isinstance(effect, m.ConnectAgent):
                self.connected += 1
            elif isinstance(effect, m.Bridge):
                self.bridges.add(effect.bridge_id)
            elif isinstance(effect, m.DestroyBridge):
                self.bridges.discard(effect.bridge_id)
            elif isinstance(effect, m.Record):
                assert noticed, "recording before the voicemail prompt (the notice) finished"
                self.recordings.append(effect.name)
            elif isinstance(effect, m.StoreVoicemail):
                self.stored.append(effect.recording)
        if isinstance(event, legs.AgentReserved):
            self.reserved += 1

    def a_leg(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.originated) + ["ring-stranger"]))

    @rule(known=st.booleans(), pass_through=st.booleans(), status=st.booleans())
    def arrives(self, known: bool, pass_through: bool, status: bool) -> None:
        self.feed(m.Arrived(plan(pass_through=pass_through, status_message=status)
                            if known else None, "n1", RECORD if known else None))

    @rule(step=st.integers(0, 2), logged_in=st.booleans())
    def sessions(self, step: int, logged_in: bool) -> None:
        self.feed(legs.Sessions(step, frozenset({AGENT} if logged_in else ())))

    @rule(data=st.data())
    def leg_answers(self, data: st.DataObject) -> None:
        self.feed(legs.LegAnswered(self.a_leg(data)))

    @rule(data=st.data(), digit=st.sampled_from(["1", "2", "5"]))
    def leg_presses(self, data: st.DataObject, digit: str) -> None:
        self.feed(legs.Digit(self.a_leg(data), digit))

    @rule(data=st.data())
    def whisper_times_out(self, data: st.DataObject) -> None:
        self.feed(legs.WhisperTimeout(self.a_leg(data)))

    @rule(data=st.data())
    def leg_gone(self, data: st.DataObject) -> None:  # no answer, hung up or refused
        leg = self.a_leg(data)
        self.destroyed.add(leg)
        self.feed(legs.LegGone(leg))

    @rule(step=st.integers(0, 2))
    def agent_reserved(self, step: int) -> None:
        if self.reserved == 0:  # the sessions never reserve a held agent twice
            self.feed(legs.AgentReserved(step, AGENT))

    @rule(step=st.integers(0, 2))
    def no_agent(self, step: int) -> None:
        self.feed(legs.NoAgent(step))

    @rule(data=st.data())
    def playback_finishes(self, data: st.DataObject) -> None:
        ids = [f"{CALLER}-status", f"{CALLER}-agentwhisper", f"{CALLER}-vm"] + [
            f"{leg}-whisper" for leg in self.originated]
        self.feed(m.PlaybackFinished(data.draw(st.sampled_from(ids))))

    @rule(event=st.sampled_from([m.Bridged(), m.BridgeRefused(), m.RecordRefused()]))
    def ari_answers(self, event: m.Event) -> None:
        self.feed(event)

    @rule(finished=st.booleans(), ours=st.booleans())
    def recording_ends(self, finished: bool, ours: bool) -> None:  # limit, silence, `#`
        name = self.recordings[-1] if ours and self.recordings else "voicemail-other"
        self.feed(m.RecordingFinished(name) if finished else m.RecordingFailed(name))

    @rule(agent=st.sampled_from([AGENT, AGENT + 1]))
    def agent_ends_the_call(self, agent: int) -> None:  # the agent page's hang-up button
        self.feed(m.EndedByAgent(agent))

    @rule(to=st.sampled_from([AGENT + 1, None]))
    def a_transfer_moves_the_caller(self, to: int | None) -> None:
        if self.call.stage is m.Stage.CONNECTED and self.call.holder is not None:
            self.holder = to  # the transfer ended the agent's part: `to` holds the caller
            if to is None:
                self.reserved, self.connected = self.reserved - 1, 0
        self.feed(Moved(to))

    @rule()
    def caller_hangs_up(self) -> None:
        self.caller_gone = True
        self.feed(m.CallerGone())

    @invariant()
    def an_agent_never_holds_two_callers(self) -> None:
        assert 0 <= self.connected <= 1 and 0 <= self.reserved <= 1

    @invariant()
    def a_voicemail_is_stored_once_and_only_if_recorded(self) -> None:
        assert len(self.stored) <= 1 and set(self.stored) <= set(self.recordings)

    @invariant()
    def ending_has_hung_the_caller_up(self) -> None:
        if self.call.stage is m.Stage.ENDING:
            assert CALLER in self.hung_up

    def drain(self) -> None:
        """What the PBX and the sessions owe: legs time out, waits end, playbacks finish,
        bridges are made."""
        for _ in range(10):
            ring = self.call.ring
            if ring is not None:
                for leg in ring.legs:
                    if leg.id in self.originated and leg.id not in self.destroyed and leg.live:
                        self.destroyed.add(leg.id)
                        self.feed(legs.LegGone(leg.id))
                if self.call.ring is not None and self.call.ring.waiting is not None:
                    self.feed(legs.NoAgent(self.call.ring.waiting))
                self.feed(legs.Sessions(self.call.ring.step if self.call.ring else 0,
                                        frozenset()))
            for playback in ("status", "agentwhisper", "vm"):
                self.feed(m.PlaybackFinished(f"{CALLER}-{playback}"))
            for leg in sorted(self.originated):
                self.feed(m.PlaybackFinished(f"{leg}-whisper"))
            self.feed(m.Bridged())
            if self.call.recording is not None:
                self.feed(m.RecordingFinished(self.call.recording))

    def teardown(self) -> None:
        if self.call.stage is m.Stage.NEW:
            self.feed(m.Arrived(plan(), "n1", RECORD))
        if not self.caller_gone:
            self.drain()
            # the caller is never left hanging: talking, or hung up (once the message ends)
            assert self.call.stage in (m.Stage.CONNECTED, m.Stage.ENDING,
                                       m.Stage.CLOSED), self.call.stage
        self.feed(m.CallerGone())
        assert self.call.stage is m.Stage.CLOSED
        self.feed(m.CallerGone())  # a duplicate changes nothing
        assert self.call.stage is m.Stage.CLOSED
        closed = [r for r in self.records if isinstance(r, CloseRecord)]
        assert len(closed) == (self.call.record_id is not None)
        assert len(self.records) - len(closed) <= 1  # taken once at most
        for leg in self.originated:  # each leg ends hung up, or ended by itself
            assert leg in self.hung_up or leg in self.destroyed, leg
        assert self.reserved == 0 and self.connected == 0 and not self.bridges


TestInboundCallEvents = InboundCallEvents.TestCase
TestInboundCallEvents.settings = settings(max_examples=400, stateful_step_count=40,
                                          deadline=None)


def test_the_docstring_table_names_every_stage():
    table = m.__doc__ or ""
    assert all(stage.name in table for stage in m.Stage)


def _recording() -> m.Call:
    """A call whose caller leaves a message (nobody took it)."""
    call, _ = m.transition(m.Call(CALLER), m.Arrived(plan(), "n1"), NOW)
    for step in range(3):
        for leg in call.ring.legs if call.ring else ():
            call, _ = m.transition(call, legs.LegGone(leg.id), NOW)
        call, _ = m.transition(call, legs.Sessions(step, frozenset()), NOW)
    call, effects = m.transition(call, m.PlaybackFinished(f"{CALLER}-vm"), NOW)
    assert call.stage is m.Stage.RECORDING, call.stage
    assert effects == (m.Record(CALLER, f"voicemail-1-{CALLER}", m.VOICEMAIL_MAX_SECONDS),)
    return call


def test_the_end_of_the_message_stores_it_and_hangs_the_caller_up():
    call, effects = m.transition(_recording(), m.RecordingFinished(f"voicemail-1-{CALLER}", 12),
                                 NOW)
    assert call.stage is m.Stage.ENDING
    assert effects == (m.StoreVoicemail(1, 3, "+13125550777", f"voicemail-1-{CALLER}", 12),
                       legs.Hangup(CALLER))
    call, effects = m.transition(call, m.CallerGone(), NOW)  # stored once, not again
    assert call.stage is m.Stage.CLOSED and effects == ()


def test_a_failed_recording_hangs_up_and_stores_nothing():
    call, effects = m.transition(_recording(), m.RecordingFailed(f"voicemail-1-{CALLER}"), NOW)
    assert call.stage is m.Stage.ENDING and effects == (legs.Hangup(CALLER),)


def test_another_recordings_end_is_ignored():
    call = _recording()
    assert m.transition(call, m.RecordingFinished("voicemail-1-other"), NOW) == (call, ())


def _with_the_agent() -> m.Call:
    """A call the agent took (through their session) and is talking on."""
    call, _ = m.transition(m.Call(CALLER), m.Arrived(plan(), "n1", RECORD), NOW)
    for event in (legs.Sessions(0, frozenset({AGENT})), legs.AgentReserved(0, AGENT),
                  m.PlaybackFinished(f"{CALLER}-agentwhisper")):
        call, _ = m.transition(call, event, NOW)
    call, effects = m.transition(call, m.Bridged(), NOW)
    assert call.stage is m.Stage.CONNECTED and call.holder == AGENT, call.stage
    assert effects == (ConnectedRecord(RECORD, AGENT),)
    return call


def test_the_agent_ends_the_call_and_is_freed_once_the_caller_is_gone():
    call = _with_the_agent()
    assert m.transition(call, m.EndedByAgent(AGENT + 1), NOW) == (call, ())  # not theirs
    call, effects = m.transition(call, m.EndedByAgent(AGENT), NOW)
    assert call.stage is m.Stage.ENDING and effects == (legs.Hangup(CALLER),)
    assert m.transition(call, m.EndedByAgent(AGENT), NOW) == (call, ())  # asked twice
    call, effects = m.transition(call, m.CallerGone(), NOW)
    assert call.stage is m.Stage.CLOSED
    assert effects == (EndHolderCall(AGENT), CloseRecord(RECORD))


def test_after_a_transfer_the_caller_hanging_up_ends_the_target_agents_call():
    call, effects = m.transition(_with_the_agent(), Moved(AGENT + 1), NOW)
    assert effects == () and call.holder == AGENT + 1
    assert m.transition(call, m.EndedByAgent(AGENT), NOW) == (call, ())  # no longer theirs
    call, effects = m.transition(call, m.CallerGone(), NOW)
    assert effects == (EndHolderCall(AGENT + 1), CloseRecord(RECORD))
    assert m.transition(call, m.CallerGone(), NOW) == (call, ())  # closed once


def test_after_a_transfer_to_a_number_no_agent_is_ended():
    call, _ = m.transition(_with_the_agent(), Moved(None), NOW)
    assert m.transition(call, Moved(AGENT), NOW) == (call, ())  # nobody to move from
    _, effects = m.transition(call, m.CallerGone(), NOW)
    assert effects == (CloseRecord(RECORD),)
