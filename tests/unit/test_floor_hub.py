"""The floor's hub: what each subscriber (an open wallboard) receives, from the attacker's
side: another account's agents and calls, and campaigns outside the profile, never reach it."""

from __future__ import annotations

import datetime as dt

from dialer.agents.machine import AgentState
from dialer.agents.previews import ActionCallContact, FollowupPreview, InboundCaller, ManualDial
from dialer.agents.view import SessionView
from dialer.floor.feed import agent_event, call_event
from dialer.floor.events import AgentChanged, AgentHidden, CallChanged, Resync, Scope, as_json
from dialer.floor.hub import Hub

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
OURS = Scope(agents=frozenset({1, 2}), campaigns=frozenset({10}))   # campaign 11: ours, not in profile


async def test_a_subscriber_gets_its_own_agents_and_campaigns_in_order():
    hub = Hub()
    sub = hub.subscribe(OURS)
    events = [AgentChanged(1, "available", NOW), CallChanged("out-a", 10, "ringing"),
              AgentChanged(2, "on_call", NOW, 10, "out-a", 7), CallChanged("out-a", 10, "talking", 2)]
    for event in events:
        hub.publish(event)
    assert sub.queued() == events


async def test_another_accounts_agents_and_calls_never_reach_it():
    hub = Hub()
    sub = hub.subscribe(OURS)
    hub.publish(AgentChanged(3, "available", NOW))                   # not our agent
    hub.publish(AgentChanged(3, "on_call", NOW, 20, "out-x", 9))
    hub.publish(CallChanged("out-x", 20, "talking", 3))              # not our campaign
    hub.publish(None)                                                # nothing changed
    assert sub.queued() == []


async def test_a_campaign_outside_the_profile_shows_nothing_but_that_the_agent_is_busy():
    hub = Hub()
    sub = hub.subscribe(OURS)
    hub.publish(CallChanged("out-b", 11, "waiting_agent"))
    hub.publish(AgentChanged(1, "on_call", NOW, 11, "out-b", 8, contact="Ann Lee"))
    hub.publish(AgentChanged(1, "on_call", NOW, 11, "out-c", 9))     # not even how often
    assert sub.queued() == [AgentHidden(1)]
    hub.publish(AgentChanged(1, "wrap_up", NOW))
    hub.publish(AgentChanged(1, "on_call", NOW, 11, "out-d", 10))
    assert sub.queued() == [AgentChanged(1, "wrap_up", NOW), AgentHidden(1)]
    assert as_json(AgentHidden(1)) == {"agent_id": 1}  # no call, no contact, no attempt


async def test_each_subscriber_has_its_own_scope():
    hub = Hub()
    ours, theirs = hub.subscribe(OURS), hub.subscribe(Scope(frozenset({3}), frozenset({20})))
    hub.publish(AgentChanged(1, "available", NOW))
    hub.publish(CallChanged("out-x", 20, "amd"))
    assert ours.queued() == [AgentChanged(1, "available", NOW)]
    assert theirs.queued() == [CallChanged("out-x", 20, "amd")]


async def test_a_closed_subscription_gets_nothing_more():
    hub = Hub()
    sub = hub.subscribe(OURS)
    sub.close()
    hub.publish(AgentChanged(1, "available", NOW))
    assert sub.queued() == [] and not hub.subscribers


async def test_a_subscriber_that_lags_behind_is_told_to_resync_and_blocks_nobody():
    hub = Hub(queue_size=3)
    slow, other = hub.subscribe(OURS), hub.subscribe(OURS)
    for n in range(4):
        hub.publish(CallChanged(f"out-{n}", 10, "ringing"))
    assert slow.queued() == [Resync()]
    assert other.queued() == [Resync()]
    hub.publish(CallChanged("out-9", 10, "ringing"))
    assert (await slow.next(0.1)) == CallChanged("out-9", 10, "ringing")
    assert (await slow.next(0.01)) is None


def test_an_agents_view_becomes_its_event_and_json():
    view = SessionView(1, AgentState.ON_CALL, NOW, "PJSIP/a", "out-a", "b", None, 7, 10)
    event = agent_event(view, {3, 2})
    assert event == AgentChanged(1, "on_call", NOW, 10, "out-a", 7, None, (2, 3))
    assert as_json(event) == {"agent_id": 1, "state": "on_call", "since": NOW.isoformat(),
                              "campaign_id": 10, "customer": "out-a", "attempt_id": 7,
                              "pause_reason": None, "groups": (2, 3), "pause_reason_id": None,
                              "contact": None}
    paused = agent_event(SessionView(1, AgentState.NOT_READY, NOW, pause_reason_id=4))
    assert (paused.pause_reason_id, paused.pause_reason) == (4, None)  # named by floor/http


def test_the_agents_row_names_who_is_on_the_screen():
    shown = [
        (InboundCaller("+13125550777", 5, "Ann Lee"), "Ann Lee (inbound)"),
        (InboundCaller("+13125550777", None, None), "+13125550777 (inbound)"),
        (InboundCaller(None, None, None), "unknown caller (inbound)"),
        (ActionCallContact(9, "+14155551000", 5, None), "+14155551000 (action call)"),
        (ManualDial("+12125550100"), "+12125550100 (manual)"),
        (FollowupPreview(3, {"name": "Bo", "phones": ["+1"]}), "Bo"),
        (FollowupPreview(3, {"name": None, "phones": ["+12125550101"]}), "+12125550101"),
        (FollowupPreview(3, {"name": "", "phones": []}), None),
    ]
    for preview, label in shown:
        view = SessionView(1, AgentState.ON_CALL, NOW, preview=preview)
        assert agent_event(view).contact == label, preview
    assert agent_event(SessionView(1, AgentState.AVAILABLE, NOW)).contact is None


def test_a_campaign_calls_stages_as_the_wallboard_shows_them():
    from dialer.outbound import events as ev, machine
    from dialer.outbound.eligibility import CampaignRules, PlanRules
    from dialer.outbound.model import CampaignSettings

    settings = CampaignSettings(
        id=5, name="c", account_id=1, agent_group_id=None, bcw_seconds=0, record=False,
        amd_enabled=True, machine_action="hangup", machine_message=None,
        safe_harbour_message=None, ring_timeout_seconds=30, max_attempts=1, caller_ids=(),
        rules=(), plan=PlanRules(), status="running", mode="progressive",
        schedule=CampaignRules(home_region="US"))
    at = dt.datetime(2026, 3, 2, 12, 0, 10)
    state, _ = machine.start(settings, 1, "c1", 100.0)
    shown = [call_event(state)]
    for now, event in [(120.0, ev.Answered(at)), (121.5, ev.AmdVerdict("HUMAN", None, at)),
                       (121.5, ev.AgentReserved(7)), (122.0, ev.Bridged()),
                       (140.0, ev.HungUp(16))]:
        before = state
        state, _ = machine.transition(state, event, now)
        shown.append(call_event(state, before))
    assert [(e.stage, e.agent_id) if e else None for e in shown] == [
        ("ringing", None), ("amd", None), ("waiting_agent", None), None,  # reserved: still waiting
        ("talking", 7), ("closed", None)]  # closed: the agent is free again
    assert all(e is None or e.campaign_id == 5 for e in shown)


def test_a_transferred_call_shows_who_holds_it_now():
    """A transfer (the outbound machine's Moved) changes no stage but the agent talking with
    the customer: the wallboard's call row follows it (another agent, or an external
    number: none)."""
    from dialer.outbound import events as ev, machine
    from tests.unit.test_outbound_machine import _settings

    state, _ = machine.start(_settings(), 1, "c1", 0.0)
    for event in (ev.Answered(NOW), ev.AmdVerdict("HUMAN", None, NOW), ev.AgentReserved(7),
                  ev.Bridged()):
        state, _ = machine.transition(state, event, 1.0)
    shown = []
    for event in (ev.Moved(8), ev.Moved(8), ev.Moved(None)):
        before = state
        state, _ = machine.transition(state, event, 2.0)
        shown.append(call_event(state, before))
    assert [(e.stage, e.agent_id) if e else None for e in shown] == [
        ("talking", 8), None, ("talking", None)]
