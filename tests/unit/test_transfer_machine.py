"""The transfer machine (dialer.transfers.machine): two calls sharing a pool of agents under
random requests (from the agent holding the call or another), target answers and hang-ups
(stale ones too), customers and agents' phones going. Invariants: never two customers on one
agent, the customer never on hold with nobody to come back to, the call's record (an attempt,
or an inbound call: one of each) closed once."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from dialer.transfers import events as e
from dialer.transfers import machine as m

AGENTS = (1, 2, 3, 4)
NUMBER = e.ToNumber("+33612345678", "+33100000000")


def new_call(attempt_id: int, agent: int, kind: e.CallKind = e.CallKind.ATTEMPT
             ) -> m.TransferCall:
    return m.TransferCall(e.CallRecord(kind, attempt_id), f"cust-{attempt_id}", agent, agent)


A7 = e.CallRecord(e.CallKind.ATTEMPT, 7)


class TwoCalls(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # a campaign call and an inbound caller: one machine for both
        self.calls = {1: new_call(1, 1), 2: new_call(2, 2, e.CallKind.INBOUND)}
        self.holder: dict[int, int | None] = {a: None for a in AGENTS}  # agent -> call held
        self.holder[1], self.holder[2] = 1, 2
        self.gone_agents: set[int] = set()
        self.took: set[int] = {1, 2}  # agents holding a customer (not merely reserved)
        self.on_moh: set[str] = set()
        self.reached: set[str] = set()       # external channels originated
        self.ended: set[str] = set()         # hung up by the machine or gone
        self.call_over = {1: 0, 2: 0}

    def feed(self, key: int, event: e.Event) -> tuple[e.Effect, ...]:
        call = self.calls[key]
        self.calls[key], effects = m.transition(call, event)
        for effect in effects:
            self.apply(key, effect)
        return effects

    def apply(self, key: int, effect: e.Effect) -> None:
        if isinstance(effect, (e.TargetTakesCall, e.PutCustomer)) and effect.agent_id is not None:
            agent = effect.agent_id
            assert self.holder[agent] == key, ("another customer's agent", agent, self.holder)
            if isinstance(effect, e.TargetTakesCall):
                self.took.add(agent)
        elif isinstance(effect, (e.ReleaseTarget, e.AgentDone)):
            assert self.holder[effect.agent_id] == key or effect.agent_id in self.gone_agents
            # released: reserved, never took it; done: took it (or began the call)
            assert (effect.agent_id in self.took) != isinstance(effect, e.ReleaseTarget)
            self.took.discard(effect.agent_id)
            if self.holder[effect.agent_id] == key:
                self.holder[effect.agent_id] = None
        elif isinstance(effect, e.StartMoh):
            assert effect.channel not in self.on_moh
            self.on_moh.add(effect.channel)
        elif isinstance(effect, e.StopMoh):
            assert effect.channel in self.on_moh
            self.on_moh.discard(effect.channel)
        elif isinstance(effect, e.Reach) and effect.channel is not None:
            self.reached.add(effect.channel)
        elif isinstance(effect, e.Hangup):
            self.ended.add(effect.channel)
        elif isinstance(effect, e.CallOver):
            self.call_over[key] += 1

    @rule(key=st.sampled_from([1, 2]), own=st.booleans(),
          kind=st.sampled_from(["hold", "resume", "complete", "cancel", "conference", "leave"]))
    def a_request(self, key: int, own: bool, kind: str) -> None:
        call = self.calls[key]
        by = call.agent if own and call.agent is not None else 4
        event: e.Request = {"hold": e.Hold, "resume": e.Resume, "complete": e.Complete,
                            "cancel": e.Cancel, "conference": e.Conference,
                            "leave": e.Leave}[kind](by)
        effects = self.feed(key, event)
        if by != call.agent:
            assert self.calls[key] == call and effects == (e.Refused("not your call"),) or (
                call.stage is m.Stage.CLOSED)

    @rule(key=st.sampled_from([1, 2]), mode=st.sampled_from(list(e.Mode)),
          to=st.sampled_from([*AGENTS, 0]))
    def a_transfer(self, key: int, mode: e.Mode, to: int) -> None:
        call = self.calls[key]
        if call.agent is None or call.stage not in (m.Stage.TALKING, m.Stage.HELD):
            return
        if to == 0:
            self.feed(key, e.Transfer(call.agent, mode, NUMBER))
            return
        if self.holder[to] is not None or to in self.gone_agents:
            return  # the shell's reservation fails (oneself included): refused before
        self.holder[to] = key
        self.feed(key, e.Transfer(call.agent, mode, e.ToAgent(to)))

    @rule(key=st.sampled_from([1, 2]), answered=st.booleans(), stale=st.booleans())
    def the_target(self, key: int, answered: bool, stale: bool) -> None:
        leg = self.calls[key].leg
        no = 99 if stale or leg is None else leg.no
        if not answered and leg is not None and no == leg.no:
            channel = self.calls[key].leg_channel(leg)
            if channel is not None:
                self.ended.add(channel)
        self.feed(key, e.TargetAnswered(no) if answered else e.TargetGone(no))

    @rule(key=st.sampled_from([1, 2]))
    def the_customer_goes(self, key: int) -> None:
        self.feed(key, e.CustomerGone(16))

    @precondition(lambda self: any(c.agent is not None for c in self.calls.values()))
    @rule(key=st.sampled_from([1, 2]))
    def the_agents_phone_goes(self, key: int) -> None:
        agent = self.calls[key].agent
        if agent is None:
            return
        self.gone_agents.add(agent)
        self.feed(key, e.AgentGone(agent))
        self.holder[agent] = None  # its session logs out
        self.took.discard(agent)

    @invariant()
    def consistent(self) -> None:
        for key, call in self.calls.items():
            assert call.leg is None or call.stage not in (m.Stage.TALKING, m.Stage.HELD)
            held = call.customer in self.on_moh
            assert held == (call.stage in m.HOLDING), (call.stage, held)
            if held:  # somebody to come back to: the agent, or a target being reached
                assert call.agent is not None or (call.stage is m.Stage.BLIND and call.leg)
            if call.agent is not None:  # never an agent whose phone went
                assert self.holder[call.agent] == key and call.agent not in self.gone_agents
            assert self.call_over[key] == (call.stage is m.Stage.CLOSED)

    def teardown(self) -> None:
        for key in self.calls:
            self.feed(key, e.CustomerGone(16))
            assert self.calls[key].stage is m.Stage.CLOSED and self.call_over[key] == 1
            assert key not in self.holder.values(), self.holder
        assert not self.on_moh
        assert self.reached <= self.ended, self.reached - self.ended


TestTwoCalls = TwoCalls.TestCase
TestTwoCalls.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_the_docstring_table_names_every_stage():
    assert all(stage.name in (m.__doc__ or "") for stage in m.Stage)


def run(call: m.TransferCall, *events: e.Event) -> tuple[m.TransferCall, list[e.Effect]]:
    out: list[e.Effect] = []
    for event in events:
        call, effects = m.transition(call, event)
        out.extend(effects)
    return call, out


def test_warm_transfer_far_end_hangs_up_in_consultation_returns_the_customer():
    call, effects = run(new_call(7, 1), e.Transfer(1, e.Mode.WARM, NUMBER), e.TargetAnswered(1))
    assert call.stage is m.Stage.CONSULTING
    call, effects = run(call, e.TargetGone(1))
    assert call.stage is m.Stage.TALKING and call.agent == 1
    assert effects == [e.Unlink(1, NUMBER, "xfer-7-1"), e.RecordLeg(A7, 1, e.Mode.WARM, NUMBER, "gone", 1),
                       e.StopMoh("cust-7"), e.PutCustomer("cust-7", 1, None)]


def test_conference_then_leave_hands_the_customer_to_the_target_agent():
    two = e.ToAgent(2, group_id=5)
    call, _ = run(new_call(7, 1), e.Transfer(1, e.Mode.WARM, two), e.TargetAnswered(1),
                  e.Conference(1))
    assert call.stage is m.Stage.CONFERENCED
    call, effects = run(call, e.Leave(1))
    assert call.stage is m.Stage.TALKING and (call.agent, call.first_agent) == (2, 1)
    assert effects == [e.Unlink(1, two, None), e.TakeCustomerOut("cust-7"),
                       e.PutCustomer("cust-7", 2, None), e.AgentDone(1),
                       e.RecordLeg(A7, 1, e.Mode.WARM, two, "completed", 1)]
    _, effects = run(call, e.Hold(1))
    assert effects == [e.Refused("not your call")]  # the first agent is out of it


def test_blind_to_a_number_that_never_answers_hangs_the_customer_up_once():
    call, effects = run(new_call(7, 1), e.Transfer(1, e.Mode.BLIND, NUMBER))
    assert call.stage is m.Stage.BLIND and e.AgentDone(1) in effects
    call, effects = run(call, e.TargetGone(1), e.CustomerGone(16))
    assert call.stage is m.Stage.CLOSED
    assert [x for x in effects if isinstance(x, (e.Hangup, e.CallOver))] == [
        e.Hangup("cust-7"), e.CallOver(A7, None)]


def test_the_target_agent_hanging_up_in_conference_leaves_the_first_agent_with_the_customer():
    three = e.ToAgent(3)
    call, effects = run(new_call(7, 1), e.Transfer(1, e.Mode.WARM, three), e.TargetAnswered(1),
                        e.Conference(1))
    assert e.TargetTakesCall(3, A7) in effects
    call, effects = run(call, e.TargetGone(1))
    assert call.stage is m.Stage.TALKING and call.agent == 1 and call.leg is None
    assert effects == [e.Unlink(1, three, None), e.AgentDone(3),
                       e.RecordLeg(A7, 1, e.Mode.WARM, three, "gone", 1)]


def test_an_inbound_callers_legs_are_kept_and_named_after_its_record():
    inbound = e.CallRecord(e.CallKind.INBOUND, 5)
    call, effects = run(new_call(5, 1, e.CallKind.INBOUND), e.Transfer(1, e.Mode.WARM, NUMBER))
    leg = e.Leg(1, e.Mode.WARM, NUMBER)
    assert effects == [e.TakeCustomerOut("cust-5"), e.StartMoh("cust-5"),
                       e.Reach(inbound, leg, "xfer-in5-1"),
                       e.RecordLeg(inbound, 1, e.Mode.WARM, NUMBER, "ringing", 1)]
    call, effects = run(call, e.TargetAnswered(1), e.Complete(1), e.TargetGone(1))
    assert call.stage is m.Stage.CLOSED
    assert effects[-2:] == [e.Hangup("cust-5"), e.CallOver(inbound, None)]
