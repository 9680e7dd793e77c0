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
        self.dialled = False

    def feed(self, event: object) -> None:
        self.call, effects = m.transition(self.call, event, NOW)  # type: ignore[arg-type]
        for effect in effects:
            if isinstance(effect, legs.Originate):
                self.originated.add(effect.channel_id)
            elif isinstance(effect, m.CallContact):
                self.originated.add(effect.channel_id)
            elif isinstance(effect, legs.Hangup):
                self.hung_up.add(effect.channel_id)
            elif isinstance(effect, (legs.ReleaseAgent, inbound.FreeAgent)):
                self.reserved -= 1
            elif isinstance(effect, m.Finish):
                self.finished += 1
        if isinstance(event, legs.AgentReserved):
            self.reserved += 1
        assert 0 <= self.reserved <= 1 and self.finished <= 1
        assert (self.call.stage is m.Stage.CLOSED) == (self.finished == 1)

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

    @rule(event=st.sampled_from([m.ContactDialled(9), m.ContactRefused(9), m.ContactRefused(None),
                                 inbound.Bridged(), inbound.BridgeRefused()]))
    def ari_answers(self, event: object) -> None:
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
            self.feed(m.ContactDialled(9))
            for channel in sorted(self.originated | {self.call.contact}):
                if channel not in self.destroyed:
                    self.destroyed.add(channel)
                    self.feed(legs.LegGone(channel, 16))
        assert self.call.stage is m.Stage.CLOSED and self.finished == 1
        assert self.reserved == 0
        for channel in self.originated:
            assert channel in self.hung_up or channel in self.destroyed, channel


TestActionCallEvents = ActionCallEvents.TestCase
TestActionCallEvents.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_the_docstring_table_names_every_stage():
    assert all(stage.name in (m.__doc__ or "") for stage in m.Stage)
