"""The desk-phone recording machine (dialer.prompts.machine) under random event orders:
the phone rings once, is recorded at most once, hung up at most once, and the prompt's end
(stored or failed) is said exactly once when DONE."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialer.prompts import machine as m


class RecordingEvents(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rec, effects = m.begin(5, "PJSIP/alice", "promptrec-5-ab")
        self.seen: list[m.Effect] = list(effects)

    def feed(self, event: m.Event) -> None:
        before = self.rec
        self.rec, effects = m.transition(self.rec, event)
        if before.state is m.State.DONE:
            assert effects == () and self.rec == before
        self.seen += effects

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in self.seen)

    @rule()
    def answered(self) -> None:
        self.feed(m.Answered())

    @rule(ok=st.booleans())
    def recording_ended(self, ok: bool) -> None:
        self.feed(m.RecordingEnded(ok))

    @rule()
    def phone_gone(self) -> None:
        self.feed(m.PhoneGone())

    @rule()
    def stored(self) -> None:
        self.feed(m.Stored())

    @invariant()
    def consistent(self) -> None:
        state = self.rec.state
        assert self.seen[0] == m.Ring("PJSIP/alice", "promptrec-5-ab") and self.count(m.Ring) == 1
        assert self.count(m.Record) <= 1 and self.count(m.HangUp) <= 1
        ends = self.count(m.Store) + self.count(m.Failed)
        assert ends <= 1
        assert (ends == 1) == (state in (m.State.STORING, m.State.DONE))
        if self.count(m.Record):  # a recording started is the PBX's: named by prompt id
            (record,) = [e for e in self.seen if isinstance(e, m.Record)]
            assert record.name == "prompt-5-promptrec-5-ab" and record.max_seconds == 300
        if self.count(m.Store):
            assert self.count(m.Record) == 1 and self.count(m.HangUp) == 1


TestRecordingEvents = RecordingEvents.TestCase


def test_the_docstring_table_names_every_state_and_event() -> None:
    doc = m.__doc__ or ""
    assert all(state.name in doc for state in m.State)
    assert all(name in doc for name in ("Answered", "RecordingEnded", "PhoneGone", "Stored",
                                        "Record", "HangUp", "Store", "Failed"))


def test_a_phone_that_hangs_up_while_recording_keeps_what_was_said() -> None:
    rec, _ = m.begin(5, "PJSIP/alice", "c")
    rec, _ = m.transition(rec, m.Answered())
    rec, effects = m.transition(rec, m.PhoneGone())
    assert rec.state is m.State.RECORDING and effects == ()
    rec, effects = m.transition(rec, m.RecordingEnded(True))
    assert rec.state is m.State.STORING and effects == (m.HangUp("c"), m.Store(rec.name))
