"""The monitoring machine (dialer.monitor.machine) under random event orders: switches in
every state, duplicates, the supervisor or the call going at any point."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialer.monitor import machine as m


class MonitoringEvents(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session, effects = m.begin(7, 3, "monitor-7-abc", m.Mode.LISTEN)
        self.joined: list[m.Mode] = []   # what is joined now (a Join not yet Parted)
        self.audits: list[m.Audit] = []
        self.rung = self.hung_up = self.closed = 0
        self.supervisor_gone = False
        self.apply(effects)

    def apply(self, effects: tuple[m.Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, m.RingSupervisor):
                self.rung += 1
            elif isinstance(effect, m.Join):
                assert not self.joined, "joined twice"
                self.joined.append(effect.mode)
            elif isinstance(effect, m.Part):
                assert self.joined == [effect.mode], "parted what was not joined"
                self.joined.clear()
            elif isinstance(effect, m.HangUpSupervisor):
                assert not self.supervisor_gone
                self.hung_up += 1
            elif isinstance(effect, m.Audit):
                self.audits.append(effect)
            elif isinstance(effect, m.Closed):
                self.closed += 1

    def feed(self, event: m.Event) -> None:
        before = self.session
        self.session, effects = m.transition(self.session, event)
        if before.state is m.State.CLOSED:
            assert effects == () and self.session == before
        self.apply(effects)

    @rule()
    def answered(self) -> None:
        self.feed(m.Answered())

    @rule(mode=st.sampled_from(m.Mode))
    def switch(self, mode: m.Mode) -> None:
        self.feed(m.Switch(mode))

    @rule()
    def leave(self) -> None:
        self.feed(m.Leave())

    @rule()
    def supervisor_gone(self) -> None:
        if self.session.state is not m.State.CLOSED:
            self.supervisor_gone = True
        self.feed(m.SupervisorGone())

    @rule()
    def call_ended(self) -> None:
        self.feed(m.CallEnded())

    @invariant()
    def consistent(self) -> None:
        state = self.session.state
        assert self.rung == 1 and self.hung_up <= 1 and self.closed == (state is m.State.CLOSED)
        if state in m.JOINED:
            assert self.joined == [self.session.mode] and state is m.STATE_OF[self.session.mode]
        else:
            assert self.joined == []  # ringing or closed: nothing of the supervisor's joined
        # the audit trail: one start, switches that chain, one stop once closed
        assert self.audits[0] == m.Audit("start", None, m.Mode.LISTEN)
        for earlier, later in itertools.pairwise(self.audits):
            assert later.before == earlier.after and later.before is not None
        assert (self.audits[-1].action == "stop") == (state is m.State.CLOSED)
        if state is not m.State.CLOSED:
            assert self.audits[-1].after is self.session.mode


TestMonitoringEvents = MonitoringEvents.TestCase


def test_barge_then_leave_parts_only_the_supervisor() -> None:
    session, _ = m.begin(7, 3, "leg", m.Mode.BARGE)
    session, effects = m.transition(session, m.Answered())
    assert session.state is m.State.BARGING and effects == (m.Join(m.Mode.BARGE),)
    session, effects = m.transition(session, m.Switch(m.Mode.WHISPER))
    assert session.state is m.State.WHISPERING
    assert effects == (m.Part(m.Mode.BARGE), m.Join(m.Mode.WHISPER),
                       m.Audit("switch", m.Mode.BARGE, m.Mode.WHISPER))
    session, effects = m.transition(session, m.Leave())
    assert effects == (m.Part(m.Mode.WHISPER), m.HangUpSupervisor("leg"),
                       m.Audit("stop", m.Mode.WHISPER, None), m.Closed())


def test_the_docstring_table_names_every_state_and_event() -> None:
    doc = m.__doc__ or ""
    assert all(state.name in doc for state in m.State)
    assert all(name in doc for name in ("Answered", "Switch", "Leave", "SupervisorGone",
                                        "CallEnded"))
