"""The floor's calls besides campaign calls (inbound, action-plan, held) and the monitorings:
the stages a wallboard shows, driven through the calls' own machines, and who sees them, from
the attacker's side (another account, a manager whose profile hides the campaign)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from dialer.actions import machine as action
from dialer.floor.events import CallChanged, MonitorChanged, Scope, Source, as_json
from dialer.floor.feed import action_event, inbound_event, monitor_event
from dialer.floor.hub import Hub
from dialer.inbound import legs
from dialer.inbound import machine as inbound
from dialer.inbound.ringing import ActionPlan, RingPlan, RingStep
from dialer.monitor import machine as monitor

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
ACCOUNT = 1
# A manager of account 1 whose profile shows campaign 10 only (11 is the account's too).
MANAGER = Scope(agents=frozenset({1, 2}), campaigns=frozenset({10}), account_id=ACCOUNT)
OTHER_ACCOUNT = Scope(agents=frozenset({3}), campaigns=frozenset({20}), account_id=2)


def plan(*targets: str, agents: tuple[tuple[str, int], ...] = ()) -> RingPlan:
    return RingPlan(ACCOUNT, "+12125550199", "+13125550777", None, None, "caller",
                    pass_through=True, forwarded=False, status_message=False,
                    steps=(RingStep(targets, 20),), training=False, agents=agents)


def drive(transition, call, events) -> list[CallChanged | None]:
    """The wallboard's record of each step (None: nothing it shows changed)."""
    shown = []
    for event in events:
        before = call
        call, _ = transition(call, event, NOW)
        shown.append(inbound_event(before, call) if isinstance(call, inbound.Call)
                     else action_event(before, call))
    return shown


def stages(shown: list[CallChanged | None]) -> list[str | None]:
    return [e.stage if e else None for e in shown]


def test_an_inbound_call_to_a_user_rings_then_talks_then_closes():
    shown = drive(inbound.transition, inbound.Call("in-1"), [
        inbound.Arrived(plan("PJSIP/alice"), "n1"),
        legs.Sessions(0, frozenset()),                 # alice is no agent: her phone rings
        legs.LegAnswered("ring-n10000"),               # pass-through: she has it
        inbound.Bridged(), inbound.CallerGone()])
    assert stages(shown) == ["ringing", None, "waiting_agent", "talking", "closed"]
    assert {(e.channel_id, e.campaign_id, e.account_id, e.source, e.agent_id)
            for e in shown if e} == {("in-1", None, ACCOUNT, Source.INBOUND, None)}
    assert as_json(shown[0])["source"] == "inbound"


def test_an_inbound_call_for_busy_agents_waits_then_an_agent_talks():
    call = inbound.Call("in-2")
    shown = drive(inbound.transition, call, [
        inbound.Arrived(plan("PJSIP/agent4", agents=(("PJSIP/agent4", 7),)), "n2"),
        legs.Sessions(0, frozenset({7})),              # logged in: waits until 7 is free
        legs.AgentReserved(0, 7),
        inbound.PlaybackFinished("in-2-agentwhisper"),  # 7 heard who calls
        inbound.Bridged()])
    assert [(e.stage, e.agent_id) if e else None for e in shown] == [
        ("ringing", None), ("waiting_agent", None), ("waiting_agent", 7), None, ("talking", 7)]


def test_a_call_to_a_number_no_account_has_is_never_shown():
    shown = drive(inbound.transition, inbound.Call("in-3"),
                  [inbound.Arrived(None, "n3"), inbound.CallerGone()])
    assert shown == [None, None]


def test_an_action_call_rings_the_users_and_the_contact_then_talks():
    call = action.ActionCall(ActionPlan(5, replace(plan("PJSIP/alice"), caller="+14155551000")))
    shown = drive(action.transition, call, [
        action.Started("n4"), legs.Sessions(0, frozenset()),
        legs.LegAnswered("ring-n40000"),                # alice takes it: the contact is called
        action.ContactDialled(99), action.ContactAnswered("actc-n4"),
        legs.LegGone("actc-n4", 16)])
    assert stages(shown) == ["ringing", None, None, None, "talking", "closed"]
    assert {(e.channel_id, e.account_id, e.source) for e in shown if e} == {
        ("actc-n4", ACCOUNT, Source.ACTION)}


def test_the_accounts_calls_reach_its_wallboards_only():
    hub = Hub()
    manager, other = hub.subscribe(MANAGER), hub.subscribe(OTHER_ACCOUNT)
    narrowed = hub.subscribe(replace(MANAGER, account_id=None))  # the campaign page
    ringing = CallChanged("in-1", None, "ringing", None, ACCOUNT, Source.INBOUND)
    hidden_campaign = CallChanged("out-1", 11, "talking", 2, ACCOUNT)
    for event in (ringing, hidden_campaign, CallChanged("in-9", None, "ringing", None, None,
                                                        Source.INBOUND)):
        hub.publish(event)
    assert manager.queued() == [ringing]
    assert other.queued() == [] and narrowed.queued() == []


def test_a_held_call_shows_held_then_talking_and_a_closed_one_leaves_the_snapshot():
    hub = Hub()
    sub = hub.subscribe(MANAGER)
    talking = CallChanged("out-1", 10, "talking", 2, ACCOUNT)
    hub.publish(talking)
    hub.hold("out-1", True)
    hub.hold("out-1", True)        # said twice: shown once
    hub.hold("gone", True)         # a call the floor does not know: nothing
    assert hub.live() == [replace(talking, stage="held")]
    hub.hold("out-1", False)
    hub.publish(replace(talking, stage="closed"))
    assert [e.stage for e in sub.queued()] == ["talking", "held", "talking", "closed"]
    assert hub.live() == [] and hub.calls == {}


def test_a_call_moved_while_on_music_stays_held_until_taken_off():
    """A blind transfer to a number: the customer waits on music while the number rings,
    and the call's own record (no agent now) must not show it talking meanwhile."""
    hub = Hub()
    sub = hub.subscribe(MANAGER)
    talking = CallChanged("out-1", 10, "talking", 2, ACCOUNT)
    hub.publish(talking)
    hub.hold("out-1", True)
    hub.publish(replace(talking, agent_id=None))        # Moved: the external number's
    assert hub.live() == [replace(talking, stage="held", agent_id=None)]
    hub.hold("out-1", False)                             # it answered
    hub.publish(replace(talking, stage="closed", agent_id=None))
    assert [(e.stage, e.agent_id) for e in sub.queued()] == [
        ("talking", 2), ("held", 2), ("held", None), ("talking", None), ("closed", None)]
    assert hub.held == set()
    hub.hold("manual-1", True)  # a call the floor does not show (an agent's own): not kept
    assert hub.held == set()


def test_a_monitoring_shows_on_the_agents_row_of_those_who_may_see_the_call():
    hub = Hub()
    manager, other = hub.subscribe(MANAGER), hub.subscribe(OTHER_ACCOUNT)
    session, _ = monitor.begin(1, 50, "monitor-1-x", monitor.Mode.LISTEN)
    ringing = monitor_event(session, "sue", 10)
    hub.publish(ringing)
    hub.publish(ringing)                                        # no change: not sent again
    session, _ = monitor.transition(session, monitor.Answered())
    listening = monitor_event(session, "sue", 10)
    hub.publish(listening)
    assert listening == MonitorChanged(1, "sue", "listen", "listening", 10)
    assert hub.live() == [listening]
    hub.publish(MonitorChanged(2, "sue", "barge", "barging", 11))  # outside the profile
    hub.publish(MonitorChanged(3, "eve", "listen", "listening", 20))  # another account's
    session, _ = monitor.transition(session, monitor.Leave())
    hub.publish(monitor_event(session, "sue", 10))
    assert [(e.agent_id, e.state) for e in manager.queued()] == [
        (1, "ringing"), (1, "listening"), (1, "closed")]
    assert [(e.agent_id, e.supervisor) for e in other.queued()] == [(3, "eve")]
    assert list(hub.monitors) == [2, 3]  # agent 1's ended
