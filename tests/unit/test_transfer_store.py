"""Transfer legs kept from the machine's RecordLeg effects (dialer.transfers.store)."""

from __future__ import annotations

import datetime as dt

from dialer.db.models import Agent, AgentGroup, Attempt, InboundCall, User
from dialer.db.ownership import agent_had_contact, transferred_to
from dialer.inbound import store as inbound_store
from dialer.transfers import store
from dialer.transfers.events import CallKind, CallRecord, Mode, RecordLeg, ToAgent, ToNumber
from tests.unit.test_db_models import seed

T0 = dt.datetime(2026, 12, 4, 10, tzinfo=dt.timezone.utc)


def test_a_leg_row_is_made_once_then_follows_its_status(db):
    account, agent, campaign, contact = seed()
    bob = Agent.create(user=User.create(account=account, username="bob", password_hash="x"),
                       endpoint="PJSIP/agent2")
    group = AgentGroup.create(account=account, name="sales")
    attempt = Attempt.create(campaign=campaign, contact=contact, phone="+33612345678",
                             channel_id="c1", agent=agent)
    to_bob = ToAgent(bob.id, group.id)
    ours = CallRecord(CallKind.ATTEMPT, attempt.id)
    out = ToNumber("+33698765432", "+33123456789")
    store.record_leg(RecordLeg(ours, 1, Mode.WARM, to_bob, "ringing", agent.id), T0)
    store.record_leg(RecordLeg(ours, 1, Mode.WARM, to_bob, "consulting", agent.id), T0)
    later = T0 + dt.timedelta(seconds=40)
    store.record_leg(RecordLeg(ours, 1, Mode.WARM, to_bob, "cancelled", agent.id), later)
    store.record_leg(RecordLeg(ours, 2, Mode.BLIND, out, "ringing", agent.id), later)
    legs = store.legs_of(ours)
    assert [(x["leg"], x["mode"], x["status"], x["to_agent_id"], x["to_group_id"],
             x["to_number"], x["by_agent_id"]) for x in legs] == [
        (1, "warm", "cancelled", bob.id, group.id, None, agent.id),
        (2, "blind", "ringing", None, None, "+33698765432", agent.id)]
    assert legs[0]["started_at"] == T0.isoformat() and legs[0]["updated_at"] == later.isoformat()
    assert Attempt.get_by_id(attempt.id).agent_id == agent.id  # the disposition stays with them


def test_reads_of_transferred_calls(db):
    """Who reads a transferred call (the agent who took it: its attempt and contact), and the
    held customers a resync puts back (this node's open attempts that reached an agent)."""
    account, agent, campaign, contact = seed()
    bob = Agent.create(user=User.create(account=account, username="bob", password_hash="x"),
                       endpoint="PJSIP/agent2")
    eve = Agent.create(user=User.create(account=account, username="eve", password_hash="x"),
                       endpoint="PJSIP/agent3")
    held = Attempt.create(campaign=campaign, contact=contact, phone="+33612345678",
                          channel_id="c1", agent=agent, node="n1", bridged_at=T0)
    Attempt.create(campaign=campaign, contact=contact, phone="+33612345678", channel_id="c2",
                   node="n1")  # never reached an agent
    Attempt.create(campaign=campaign, contact=contact, phone="+33612345678", channel_id="c3",
                   agent=agent, node="n2", bridged_at=T0)  # another node's
    store.record_leg(RecordLeg(CallRecord(CallKind.ATTEMPT, held.id), 1, Mode.BLIND,
                               ToAgent(bob.id), "completed", agent.id), T0)
    assert store.held_customers("n1", ["c1", "c2", "c3", "c9"]) == [
        (held.id, "c1", agent.id, campaign.id)]
    assert transferred_to(bob.id, held.id) and not transferred_to(eve.id, held.id)
    assert agent_had_contact(bob.id, contact.id) and not agent_had_contact(eve.id, contact.id)
    assert store.attempt_with_legs(held.id)["transfers"][0]["to_agent_id"] == bob.id


def test_an_inbound_calls_record_and_legs(db):
    """Opened as it arrives (`arrived`: only for a number an account has), taken, closed
    once; its legs kept apart from any attempt's with the same id."""
    account, agent, campaign, contact = seed()
    account.company_number = "+12125550199"
    account.save()
    plan, record = inbound_store.arrived("+12125550199", "+13125550777", "caller-1", T0)
    assert plan is not None and plan.account_id == account.id
    assert inbound_store.arrived("+12125550111", "+13125550777", "caller-2", T0) == (None, None)
    again = inbound_store.arrived("+12125550199", "+13125550777", "caller-1", T0)  # restarted
    assert again[1] == record
    inbound_store.record_connected(record, agent.id, T0 + dt.timedelta(seconds=5))
    assert inbound_store.close_record(record, T0 + dt.timedelta(seconds=60))
    assert not inbound_store.close_record(record, T0 + dt.timedelta(seconds=90))  # once
    Attempt.create(id=record, campaign=campaign, contact=contact, phone="+33612345678",
                   channel_id="c1", agent=agent)
    to_us = RecordLeg(CallRecord(CallKind.INBOUND, record), 1, Mode.BLIND, ToAgent(agent.id),
                      "completed", None)
    store.record_leg(to_us, T0)
    assert store.legs_of(CallRecord(CallKind.ATTEMPT, record)) == []
    shown = inbound_store.get_inbound_call(account.id, record)
    assert shown is not None and InboundCall.get_by_id(record).ended_at is not None
    assert (shown["caller"], shown["agent_id"], shown["ended_at"]) == (
        "+13125550777", agent.id, (T0 + dt.timedelta(seconds=60)).isoformat())
    assert [(x["leg"], x["to_agent_id"]) for x in shown["transfers"]] == [(1, agent.id)]
    assert inbound_store.get_inbound_call(account.id + 1, record) is None
