"""The action-plan call machine (dialer.actions.machine) under random event orders:
duplicates, late events, either party hanging up at every stage, ARI refusals."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from dialer.actions import machine as m
from dialer.inbound import legs
from dialer.inbound import machine as inbound
from dialer.inbound.ringing import ActionPlan
from tests.unit.test_inbound_machine import AGENT, NOW, plan


class ActionCallEvents(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.call = m.ActionCall(ActionPlan(5, plan()))
        self.originated: set[str] = set()
        self.hung_up: set[str] = set()
        self.destroyed: set[str] = set()
        self.reserved = 0
        self.finished = 0
        self.attempts: list[int] = []         # opened by CallContact (the shell inserts the row)
        self.unconfirmed: int | None = None   # its ContactDialled/ContactRefused not fed yet
        self.closed: list[int] = []           # attempts closed (Finish or CloseAttempt)

    def feed(self, event: m.Event) -> None:
        self.call, effects = m.transition(self.call, event, NOW)
        for effect in effects:
            if isinstance(effect, legs.Originate):
                self.originated.add(effect.channel_id)
            elif isinstance(effect, m.CallContact):
                self.originated.add(effect.channel_id)
                self.attempts.append(100 + len(self.attempts))
                self.unconfirmed = self.attempts[-1]
            elif isinstance(effect, m.CloseAttempt):
                self.closed.append(effect.attempt_id)
            elif isinstance(effect, legs.Hangup):
                self.hung_up.add(effect.channel_id)
            elif isinstance(effect, (legs.ReleaseAgent, inbound.FreeAgent)):
                self.reserved -= 1
            elif isinstance(effect, m.Finish):
                self.finished += 1
                if effect.attempt_id is not None:
                    self.closed.append(effect.attempt_id)
        if isinstance(event, legs.AgentReserved):
            self.reserved += 1
        assert 0 <= self.reserved <= 1 and self.finished <= 1
        assert (self.call.stage is m.Stage.CLOSED) == (self.finished == 1)
        assert len(self.closed) == len(set(self.closed)) and set(self.closed) <= set(self.attempts)

    def a_channel(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.originated) + [self.call.contact, "x"]))

    @rule(nonce=st.sampled_from(["n1", "n2"]))
    def starts(self, nonce: str) -> None:
        self.feed(m.Started(nonce))

    @rule(step=st.integers(0, 2), logged_in=st.booleans())
    def sessions(self, step: int, logged_in: bool) -> None:
        self.feed(legs.Sessions(step, frozenset({AGENT} if logged_in else ())))

    @rule(data=st.data(), kind=st.sampled_from(["answer", "1", "2", "timeout", "gone"]))
    def a_leg_or_the_contact(self, data: st.DataObject, kind: str) -> None:
        channel = self.a_channel(data)
        if kind == "answer":
            self.feed(legs.LegAnswered(channel) if channel.startswith("ring-")
                      else m.ContactAnswered(channel))
        elif kind == "timeout":
            self.feed(legs.WhisperTimeout(channel))
        elif kind == "gone":
            if channel in self.originated:  # a channel not made yet cannot end
                self.destroyed.add(channel)
            self.feed(legs.LegGone(channel, 19))
        else:
            self.feed(legs.Digit(channel, kind))

    @rule(step=st.integers(0, 2), reserved=st.booleans())
    def agent_wait_ends(self, step: int, reserved: bool) -> None:
        if reserved and self.reserved == 0:
            self.feed(legs.AgentReserved(step, AGENT))
        elif not reserved:
            self.feed(legs.NoAgent(step))

    @rule(refused=st.booleans())
    def the_dial_is_confirmed(self, refused: bool) -> None:
        """The shell's answer to CallContact; once it is in, a duplicate (or, before any
        CallContact, a stray one)."""
        attempt = self.unconfirmed if self.unconfirmed is not None else (
            self.attempts[-1] if self.attempts else 9)
        self.unconfirmed = None
        self.feed(m.ContactRefused(attempt) if refused else m.ContactDialled(attempt))

    @rule(event=st.sampled_from([inbound.Bridged(),
                                 inbound.BridgeRefused(), inbound.PlaybackFinished("x-hold")]))
    def ari_answers(self, event: m.Event) -> None:
        self.feed(event)

    def teardown(self) -> None:
        """Whatever happened, the parties' hang-ups close the call once."""
        if self.call.stage is m.Stage.NEW:
            self.feed(m.Started("n1"))
        for _ in range(6):
            ring = self.call.ring
            if ring is not None and ring.waiting is not None:
                self.feed(legs.NoAgent(ring.waiting))
            if ring is not None:
                self.feed(legs.Sessions(ring.step, frozenset()))
            if self.unconfirmed is not None:
                self.the_dial_is_confirmed(refused=False)
            for channel in sorted(self.originated | {self.call.contact}):
                if channel not in self.destroyed:
                    self.destroyed.add(channel)
                    self.feed(legs.LegGone(channel, 16))
        assert self.call.stage is m.Stage.CLOSED and self.finished == 1
        assert not self.call.dial_pending  # the shell can forget it
        assert sorted(self.closed) == self.attempts  # every attempt closed exactly once
        assert self.reserved == 0
        for channel in self.originated:
            assert channel in self.hung_up or channel in self.destroyed, channel


TestActionCallEvents = ActionCallEvents.TestCase
TestActionCallEvents.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_the_docstring_table_names_every_stage():
    assert all(stage.name in (m.__doc__ or "") for stage in m.Stage)


def test_a_contact_gone_before_the_dial_is_confirmed_has_its_attempt_closed_late():
    """Answered and hung up before ContactDialled: the attempt opened by CallContact is
    closed when the dial's answer comes, with the outcome the call finished with."""
    call, _ = m.transition(m.ActionCall(ActionPlan(5, plan())), m.Started("n1"), NOW)
    call, _ = m.transition(call, legs.Sessions(0, frozenset()), NOW)  # nobody logged in
    assert call.ring is not None
    first = call.ring.legs[0].id
    call, _ = m.transition(call, legs.LegAnswered(first), NOW)
    call, effects = m.transition(call, legs.Digit(first, "1"), NOW)
    assert call.stage is m.Stage.DIALLING and call.dial_pending, (call.stage, effects)
    call, _ = m.transition(call, m.ContactAnswered(call.contact), NOW)
    call, effects = m.transition(call, legs.LegGone(call.contact, 16), NOW)
    finish = [e for e in effects if isinstance(e, m.Finish)]
    assert call.stage is m.Stage.CLOSED and call.dial_pending
    assert [(f.status, f.attempt_id, f.outcome) for f in finish] == [("completed", None, "human")]
    call, effects = m.transition(call, m.ContactDialled(42), NOW)
    assert effects == (legs.Hangup(call.contact), m.CloseAttempt(42, "human", 16))
    assert not call.dial_pending
    assert m.transition(call, m.ContactDialled(42), NOW)[1] == (legs.Hangup(call.contact),)
