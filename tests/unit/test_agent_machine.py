"""The agent session machine (dialer/agents/machine.py): random event orders, with
duplicates, late events, ARI refusals and the phone lost at every state, never reach an
undefined transition; an agent never holds two customers; logout always ends logged out
with the phone hung up and a contact on screen handed back exactly once."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialer.agents import events as ev
from dialer.agents import machine
from dialer.agents.machine import AgentRecord, AgentState as S, new_session, transition
from dialer.agents.previews import FollowupPreview

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
CUSTOMERS = st.sampled_from(["cust-a", "cust-b", "cust-c"])
REASONS = st.none() | st.integers(1, 3)   # the account's pause reasons


def _offer(n: int) -> FollowupPreview:
    return FollowupPreview(n, {"name": f"contact {n}"})


class AgentSession(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rec = new_session("leg-0", T0)
        self.now = T0
        self.legs = 0
        self.offers = 0
        self.handed: list[int] = []          # followup ids handed back, in order
        self.last: tuple[ev.Effect, ...] = ()

    def send(self, event: ev.Event) -> tuple[ev.Effect, ...]:
        before = self.rec
        self.now += dt.timedelta(seconds=1)
        self.rec, self.last = transition(self.rec, event, self.now)
        assert isinstance(self.rec, AgentRecord) and isinstance(self.last, tuple)
        self.handed += [e.preview.followup_id for e in self.last if isinstance(e, ev.HandBack)
                        and isinstance(e.preview, FollowupPreview)]
        for saved in (e for e in self.last if isinstance(e, ev.Persist)):  # the session log
            assert saved.attempt_id is None or saved.state in (S.ON_CALL, S.WRAP_UP)
            assert saved.pause_reason is None or saved.state == S.NOT_READY
        if before.holds and isinstance(event, (ev.Connect, ev.Reserve)):
            assert self.rec == before and any(isinstance(e, ev.Refused) for e in self.last)
        return self.last

    def new_leg(self) -> str:
        self.legs += 1
        return f"leg-{self.legs}"

    # ---- the desk phone -------------------------------------------------------------------
    @rule()
    def login(self) -> None:
        self.send(ev.Login(self.new_leg()))

    @rule(stale=st.booleans())
    def phone_answered(self, stale: bool) -> None:
        self.send(ev.PhoneAnswered("leg-stale" if stale else self.rec.channel_id))

    @rule()
    def ring_failed(self) -> None:
        self.send(ev.RingFailed())

    @rule()
    def pbx_stopping(self) -> None:
        self.send(ev.PbxStopping())

    @rule()
    def leg_gone(self) -> None:
        self.send(ev.LegGone())

    @rule()
    def phone_lost(self) -> None:
        """Asterisk going down, whatever the state."""
        live = self.rec.state != S.LOGGED_OUT
        self.send(ev.PbxStopping())
        self.send(ev.LegGone())
        assert self.rec.state == (S.PHONE_LOST if live else S.LOGGED_OUT)
        assert self.rec.holds == 0 and self.rec.preview is None and not self.rec.reserved

    @rule()
    def ring_again(self) -> None:
        self.send(ev.RingAgain(self.new_leg()))

    @rule(customer=st.none() | CUSTOMERS, in_bridge=st.booleans(), not_ready=st.booleans(),
          reason=REASONS)
    def take_back(self, customer: str | None, in_bridge: bool, not_ready: bool,
                  reason: int | None) -> None:
        was_out = self.rec.state == S.LOGGED_OUT
        self.send(ev.TakeBack(self.new_leg(), in_bridge, customer, not_ready, reason))
        if was_out and self.rec.state == S.NOT_READY:
            assert self.rec.pause_reason == reason  # kept across the restart

    # ---- calls ----------------------------------------------------------------------------
    @rule(ready=st.booleans(), reason=REASONS)
    def ready(self, ready: bool, reason: int | None) -> None:
        may = self.rec.state in (S.AVAILABLE, S.NOT_READY, S.WRAP_UP)
        effects = self.send(ev.Ready(ready, reason))
        if may and not ready:
            assert self.rec.state == S.NOT_READY and self.rec.pause_reason == reason
            assert ev.Persist(S.NOT_READY, self.now, reason) in effects

    @rule()
    def reserve(self) -> None:
        self.send(ev.Reserve())

    @rule()
    def release(self) -> None:
        self.send(ev.Release())

    @rule(customer=CUSTOMERS, attempt=st.none() | st.integers(1, 3))
    def connect(self, customer: str, attempt: int | None) -> None:
        self.send(ev.Connect(customer, attempt))

    @rule(customer=CUSTOMERS, refused=st.booleans())
    def bridge_answer(self, customer: str, refused: bool) -> None:
        """ARI's answer to a bridge request: for the customer being connected or a late one."""
        self.send(ev.BridgeRefused(customer) if refused else ev.Bridged(customer))

    @rule(attempt=st.integers(1, 3))
    def attempt_known(self, attempt: int) -> None:
        self.send(ev.AttemptKnown(attempt))

    @rule(wrap=st.integers(0, 3))
    def call_ended(self, wrap: int) -> None:
        self.send(ev.CallEnded(wrap))

    @rule(customer=CUSTOMERS, attempt=st.integers(1, 3))
    def take_over(self, customer: str, attempt: int) -> None:
        """A transferred call for this agent (reserved for it, or not: refused)."""
        before = self.rec
        effects = self.send(ev.TakeOver(customer, attempt, None))
        if self.rec.state == S.ON_CALL and before.state != S.ON_CALL:
            assert before.reserved and before.holds == 0 and not self.rec.reserved
            assert self.rec.customer == customer and self.rec.attempt_id == attempt
        else:
            assert self.rec == before and any(isinstance(e, ev.Refused) for e in effects)

    @rule(back=st.integers(0, 2))
    def wrap_over(self, back: int) -> None:
        """The timer of this wrap-up, or a late one of an earlier wrap-up."""
        effects = self.send(ev.WrapOver(self.rec.wrap_no - back))
        if back and effects:
            raise AssertionError("a late wrap-up timer changed the session")

    # ---- previews -------------------------------------------------------------------------
    @rule()
    def offer_preview(self) -> None:
        self.offers += 1
        offered = _offer(self.offers)
        was_free = (self.rec.state == S.AVAILABLE and not self.rec.reserved
                    and self.rec.holds == 0)
        self.send(ev.OfferPreview(offered, None))
        assert (self.rec.preview == offered) == was_free
        assert (self.handed[-1:] == [offered.followup_id]) == (not was_free)

    @rule()
    def take_preview(self) -> None:
        self.send(ev.TakePreview())

    @rule()
    def skip_preview(self) -> None:
        self.send(ev.SkipPreview())

    @rule()
    def preview_done(self) -> None:
        self.send(ev.PreviewDone())

    @rule(back=st.integers(0, 1))
    def preview_expired(self, back: int) -> None:
        self.send(ev.PreviewExpired(self.offers - back))

    @rule(number=st.sampled_from(["+12125550123", "+33142685300"]))
    def manual_dial(self, number: str) -> None:
        self.send(ev.ManualDialled(number))

    @rule()
    def logout(self) -> None:
        live, leg = self.rec.state != S.LOGGED_OUT, self.rec.channel_id
        held = self.rec.preview if self.rec.state == S.PREVIEW else None
        customer = self.rec.customer
        effects = self.send(ev.Logout())
        assert self.rec.state == S.LOGGED_OUT
        if live:
            assert ev.HangUp(leg) in effects and ev.DestroyBridge() in effects
            assert (customer is None) or ev.HangUp(customer) in effects
            backs = [e.preview for e in effects if isinstance(e, ev.HandBack)]
            assert backs == ([held] if held else [])
        else:
            assert effects == ()
        self.send(ev.Logout())  # a duplicate: nothing more
        assert self.last == ()

    # ---- what always holds ----------------------------------------------------------------
    @invariant()
    def one_customer_at_most(self) -> None:
        assert self.rec.holds <= 1
        if self.rec.customer is not None:
            assert self.rec.state == S.ON_CALL

    @invariant()
    def a_pause_reason_only_in_not_ready(self) -> None:
        if self.rec.state != S.NOT_READY:
            assert self.rec.pause_reason is None

    @invariant()
    def logged_out_holds_nothing(self) -> None:
        if self.rec.state == S.LOGGED_OUT:
            assert self.rec.holds == 0 and self.rec.preview is None and not self.rec.reserved

    @invariant()
    def each_contact_handed_back_once(self) -> None:
        assert len(self.handed) == len(set(self.handed))

    @invariant()
    def a_preview_is_on_screen_in_preview(self) -> None:
        if self.rec.state == S.PREVIEW:
            assert isinstance(self.rec.preview, FollowupPreview)


AgentSession.TestCase.settings = settings(max_examples=300, stateful_step_count=40,
                                          deadline=None)
TestAgentSession = AgentSession.TestCase


def _all_events() -> list[ev.Event]:
    offer = _offer(1)
    return [ev.Login("leg-9"), ev.RingFailed(), ev.PhoneAnswered("leg-0"), ev.PbxStopping(),
            ev.LegGone(), ev.RingAgain("leg-9"), ev.TakeBack("leg-9", False, "cust-a", False),
            ev.Ready(True), ev.Ready(False), ev.Ready(False, 2), ev.Reserve(), ev.Release(), ev.Connect("cust-a"),
            ev.Bridged("cust-a"), ev.BridgeRefused("cust-a"), ev.AttemptKnown(1),
            ev.CallEnded(3), ev.CallEnded(0), ev.TakeOver("cust-b", 2, None), ev.WrapOver(0), ev.OfferPreview(offer, 1),
            ev.TakePreview(), ev.SkipPreview(), ev.PreviewDone(), ev.PreviewExpired(1),
            ev.ManualDialled("+12125550123"), ev.Logout()]


def test_every_state_answers_every_event():
    """Total: each (state, event) pair has an answer, whatever the record holds."""
    records = [AgentRecord(state, T0, "leg-0") for state in S]
    records += [AgentRecord(S.AVAILABLE, T0, "leg-0", reserved=True, connecting="cust-a"),
                AgentRecord(S.PREVIEW, T0, "leg-0", preview=_offer(1)),
                AgentRecord(S.ON_CALL, T0, "leg-0", customer="cust-a", attempt_id=1)]
    for rec in records:
        for event in _all_events():
            new, effects = transition(rec, event, T0)
            assert isinstance(new.state, S)
            assert all(isinstance(e, ev.Effect.__args__) for e in effects)


def test_the_docstring_table_names_every_event_and_state():
    """The table in machine.py's docstring is kept to the code's events and states."""
    doc = machine.__doc__ or ""
    table = doc[doc.index("Transition table"):]
    named = set(re.findall(r"^  ([A-Z][A-Za-z]+) ", table, re.M))
    events = {t.__name__ for t in ev.Event.__args__}
    assert named == events
    assert {s.value for s in S} <= set(re.findall(r"[a-z_]+", doc))
    effects = {t.__name__ for t in ev.Effect.__args__}
    assert set(re.findall(r"\b([A-Z][A-Za-z]+)\b", table)) - events - {"Transition", "Every"} \
        <= effects


def test_a_late_wrap_timer_does_not_end_a_later_wrap_up():
    rec = AgentRecord(S.ON_CALL, T0, "leg-0", customer="cust-a")
    rec, effects = transition(rec, ev.CallEnded(5), T0)
    first = next(e for e in effects if isinstance(e, ev.StartWrapTimer))
    rec, _ = transition(rec, ev.Ready(True), T0)
    rec, _ = transition(rec, ev.Reserve(), T0)
    rec, _ = transition(rec, ev.Connect("cust-b"), T0)
    rec, _ = transition(rec, ev.Bridged("cust-b"), T0)
    rec, _ = transition(rec, ev.CallEnded(5), T0)
    assert transition(rec, ev.WrapOver(first.wrap_no), T0) == (rec, ())
    assert transition(rec, ev.WrapOver(rec.wrap_no), T0)[0].state == S.AVAILABLE


def test_the_session_shows_when_its_wrap_up_ends_only_while_in_it():
    from dialer.agents.view import session_view

    rec = AgentRecord(S.ON_CALL, T0, "leg-0", customer="cust-a", attempt_id=4)
    rec, _ = transition(rec, ev.CallEnded(30), T0)
    shown = session_view(1, "PJSIP/a", "b", rec).as_json()
    assert (shown["state"], shown["wrap_up_ends_at"]) == (
        "wrap_up", (T0 + dt.timedelta(seconds=30)).isoformat())
    rec, _ = transition(rec, ev.Ready(False), T0)
    assert session_view(1, "PJSIP/a", "b", rec).as_json()["wrap_up_ends_at"] is None


def test_a_pause_reason_is_saved_and_changed_in_not_ready_and_cleared_on_ready():
    rec = AgentRecord(S.AVAILABLE, T0, "leg-0")
    rec, effects = transition(rec, ev.Ready(False, 7), T0)
    assert (rec.state, rec.pause_reason) == (S.NOT_READY, 7)
    assert ev.Persist(S.NOT_READY, T0, 7) in effects
    later = T0 + dt.timedelta(minutes=1)
    rec, effects = transition(rec, ev.Ready(False, 8), later)  # lunch after the break
    assert (rec.pause_reason, rec.since) == (8, later)
    assert ev.Persist(S.NOT_READY, later, 8) in effects
    rec, effects = transition(rec, ev.Ready(True), later)
    assert (rec.state, rec.pause_reason) == (S.AVAILABLE, None)
    assert ev.Persist(S.AVAILABLE, later, None) in effects
