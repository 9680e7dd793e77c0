"""Calls to the company number on the real lab: the simulator calls the PBX over SIP, the
dialer rings the ring group's desk phones (agent4/6 accept with 1, agent5 accepts slowly,
agent7 never answers, agent8 declines with 2; see the simulator's dialplan)."""

from __future__ import annotations

import asyncio

import pytest

from dialer.actions import store as actions
from dialer.inbound import store as inbound
from dialer.db.models import (Account, Attempt, Contact, ContactPhone, ServicePlan, User,
                              Voicemail)
from tests.campaign_driver import wait_until
from tests.lab_calls import Recorder, new_id

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

COMPANY = "+12125550199"
CALLER = "+13125550777"


def seed(members: list[str], **settings) -> int:
    plan = ServicePlan.create(name="inbound")
    account = Account.create(name="Acme", company_number=COMPANY, plan=plan)
    contact = Contact.create(account=account, name="Ann Lee")
    ContactPhone.create(contact=contact, number=CALLER)
    users = [User.create(account=account, username=f"u-{endpoint}", password_hash="!",
                         endpoint=f"PJSIP/{endpoint}") for endpoint in members]
    inbound.set_ring_group(account.id, **settings)
    inbound.set_members(account.id, [{"user_id": u.id} for u in users])
    return account.id


async def call_company(caller) -> str:
    channel_id = new_id("caller")
    await caller.originate(f"PJSIP/{COMPANY}@pbx", channel_id=channel_id, app="sim",
                           caller_id=f'"Ann" <{CALLER}>', timeout=30)
    return channel_id


def legs(events, kind="ChannelCreated") -> dict[str, dict]:
    """Ring legs by desk phone, as the PBX reported them."""
    return {e["channel"]["name"].split("/")[1].split("-")[0]: e for e in events
            if e["type"] == kind and e["channel"]["id"].startswith("ring-")}


def seconds(event) -> float:
    from datetime import datetime
    return datetime.fromisoformat(event["timestamp"].replace("+0000", "+00:00")).timestamp()


def sim_leg(caller, phone: str) -> dict:
    """The simulator's side of a ring leg: what the desk phone was shown."""
    return next(e["channel"] for e in caller.recorder.events if e["type"] == "ChannelCreated"
                and e["channel"]["dialplan"]["exten"] == phone)


async def test_ordered_rolls_after_the_ring_time_and_shows_the_company_number(
        dialer, lab, caller):
    await dialer.store.run(seed, ["agent7", "agent4"], strategy="ordered", ring_seconds=5,
                           caller_id_mode="company", status_message=True)
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    await wait_until(lambda: "agent4" in legs(pbx.events, "ChannelEnteredBridge"), 30)
    created = legs(pbx.events)
    assert seconds(created["agent4"]) - seconds(created["agent7"]) >= 5  # rang its time first
    assert "agent7" in legs(pbx.events, "ChannelDestroyed")
    bridged = [e for e in pbx.events if e["type"] == "ChannelEnteredBridge"
               and e["bridge"]["id"].startswith("inbound-")]
    assert len({e["bridge"]["id"] for e in bridged}) == 1 and len(bridged) == 2
    assert sim_leg(caller, "agent4")["caller"]["number"] == COMPANY
    assert any(e["type"] == "PlaybackFinished" and e["playback"]["id"].endswith("-status")
               for e in pbx.events)  # the caller heard the client status message
    await caller.hangup(caller_channel)
    await wait_until(lambda: "agent4" in legs(pbx.events, "ChannelDestroyed"), 10)


async def test_simultaneous_first_acceptor_wins_others_stop_within_a_second(
        dialer, lab, caller):
    await dialer.store.run(seed, ["agent7", "agent8", "agent4", "agent5"],
                           strategy="simultaneous", ring_seconds=20, caller_id_mode="caller")
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    await wait_until(lambda: "agent4" in legs(pbx.events, "ChannelEnteredBridge"), 30)
    accepted = next(e for e in pbx.events if e["type"] == "ChannelDtmfReceived"
                    and e["channel"]["name"].startswith("PJSIP/agent4") and e["digit"] == "1")
    await wait_until(lambda: {"agent5", "agent7"} <= set(legs(pbx.events, "ChannelDestroyed")),
                     5)
    gone = legs(pbx.events, "ChannelDestroyed")
    for loser in ("agent5", "agent7"):
        assert seconds(gone[loser]) - seconds(accepted) < 1.0, loser
    assert "agent8" in gone and seconds(gone["agent8"]) < seconds(accepted)  # it declined
    shown = sim_leg(caller, "agent4")["caller"]
    assert shown["number"] == CALLER and shown["name"] == "Ann Lee"
    await caller.hangup(caller_channel)


async def leave_message(dialer, caller) -> tuple[int, Recorder, str]:
    """agent8 declines, so the caller reaches voicemail and speaks for 2 s: (account id,
    the PBX's events, the caller's channel)."""
    account_id = await dialer.store.run(seed, ["agent8"], strategy="ordered", ring_seconds=10)
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    await wait_until(lambda: any(e["type"] == "RecordingStarted" for e in pbx.events), 30)
    await caller.play(caller_channel, "sound:hello-world")
    await asyncio.sleep(2)
    return account_id, pbx, caller_channel


def voicemails(account_id: int) -> list[dict]:
    return list(Voicemail.select().where(Voicemail.account == account_id).dicts())


async def test_all_decline_reaches_voicemail_and_the_recording_is_stored(dialer, lab, caller):
    account_id, pbx, caller_channel = await leave_message(dialer, caller)
    await caller.hangup(caller_channel)

    await wait_until(lambda: dialer.store.run(voicemails, account_id), 10)
    [vm] = await dialer.store.run(voicemails, account_id)
    assert vm["caller"] == CALLER and vm["contact"] is not None
    recording = await dialer.ari.request("GET", f"/recordings/stored/{vm['recording_name']}")
    assert recording["name"] == vm["recording_name"]
    assert "agent8" in legs(pbx.events, "ChannelDestroyed")  # declined, then voicemail


async def test_a_message_ended_by_hash_is_stored_and_the_caller_hung_up(dialer, lab, caller):
    account_id, pbx, caller_channel = await leave_message(dialer, caller)
    await caller.send_dtmf(caller_channel, "#")  # the caller is done, and waits

    def gone():
        return any(e["type"] == "ChannelDestroyed" and e["channel"]["id"] == caller_channel
                   for e in caller.recorder.events)
    await wait_until(gone, 5)  # hung up by the dialer: the caller never hangs up here
    [finished] = [e for e in pbx.events if e["type"] == "RecordingFinished"]
    [vm] = await dialer.store.run(voicemails, account_id)
    assert vm["recording_name"] == finished["recording"]["name"] and vm["caller"] == CALLER
    # its length as Asterisk measured it (hello-world; trailing silence is not counted)
    assert vm["duration_seconds"] == finished["recording"]["duration"] >= 1


async def test_a_number_no_account_has_is_hung_up_not_left_waiting(dialer, lab, caller):
    pbx = Recorder(dialer.ari)  # an empty database: no account has the number
    await call_company(caller)
    await wait_until(lambda: any(e["type"] == "ChannelDestroyed"
                                 and e["channel"]["caller"]["number"] == CALLER
                                 for e in pbx.events), 15)
    assert not legs(pbx.events)  # nobody was rung


async def test_a_decline_rolls_on_to_the_next_user_before_the_ring_time(dialer, lab, caller):
    await dialer.store.run(seed, ["agent8", "agent6"], strategy="ordered", ring_seconds=15)
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    await wait_until(lambda: "agent6" in legs(pbx.events, "ChannelEnteredBridge"), 30)
    created = legs(pbx.events)
    assert seconds(created["agent6"]) - seconds(created["agent8"]) < 5  # not the 15 s
    await caller.hangup(caller_channel)


async def test_pass_through_connects_at_answer_and_forwarding_calls_out(dialer, lab, caller):
    await dialer.store.run(seed, ["agent7", "agent1"], strategy="simultaneous",
                           pass_through=True)
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    # agent1 answers and presses nothing: with pass-through it is connected all the same.
    await wait_until(lambda: "agent1" in legs(pbx.events, "ChannelEnteredBridge"), 20)
    assert not [e for e in pbx.events if e["type"] == "PlaybackStarted"
                and e["playback"]["id"].endswith("-whisper")]
    await caller.hangup(caller_channel)
    await wait_until(lambda: "agent1" in legs(pbx.events, "ChannelDestroyed"), 10)

    await dialer.store.run(inbound.set_ring_group, await dialer.store.run(
        lambda: Account.get(Account.company_number == COMPANY).id),
        forward_number="+14155551000")  # a human on the simulator's carrier side
    caller_channel = await call_company(caller)
    await wait_until(lambda: "carrier" in legs(pbx.events, "ChannelEnteredBridge"), 20)
    await caller.hangup(caller_channel)


async def test_action_call_rings_the_users_then_connects_the_acceptor_to_the_contact(
        dialer, lab):
    account_id = await dialer.store.run(seed, ["agent8", "agent4"], strategy="simultaneous")
    contact = await dialer.store.run(lambda: Contact.get(Contact.name == "Ann Lee").id)
    await dialer.store.run(lambda: ContactPhone.update(number="+14155551000").execute())
    pbx = Recorder(dialer.ari)
    action = await dialer.store.run(actions.schedule_action_call, account_id,
                                    contact_id=contact, now=dialer.now())
    await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                 and e["channel"]["id"].startswith("actc-")
                                 for e in pbx.events), 30)
    assert (await dialer.store.run(actions.get_action_call, action["id"]))["status"] == \
        "connected"
    bridge = next(e["bridge"] for e in pbx.events if e["type"] == "ChannelEnteredBridge"
                  and e["channel"]["id"].startswith("actc-"))
    members = {e["channel"]["name"].split("-")[0] for e in pbx.events
               if e["type"] == "ChannelEnteredBridge" and e["bridge"]["id"] == bridge["id"]}
    assert members == {"PJSIP/agent4", "PJSIP/carrier"}
    winner = legs(pbx.events)["agent4"]["channel"]["id"]
    await dialer.ari.hangup(winner)  # the user hangs up: the call is over
    await wait_until(lambda: _action_status(dialer, action["id"], "completed"), 10)
    done = await dialer.store.run(actions.get_action_call, action["id"])
    rows = await dialer.store.run(lambda: list(Attempt.select().dicts()))
    assert [(r["id"], r["phone"], r["outcome"]) for r in rows] == \
        [(done["attempt_id"], "+14155551000", "human")]


async def test_action_call_nobody_accepts(dialer, lab):
    account_id = await dialer.store.run(seed, ["agent8"], strategy="ordered")
    contact = await dialer.store.run(lambda: Contact.get(Contact.name == "Ann Lee").id)
    action = await dialer.store.run(actions.schedule_action_call, account_id,
                                    contact_id=contact, now=dialer.now())
    await wait_until(lambda: _action_status(dialer, action["id"], "no_user"), 20)
    assert await dialer.store.run(lambda: Attempt.select().count()) == 0


async def _action_status(dialer, action_id, status) -> bool:
    return (await dialer.store.run(actions.get_action_call, action_id))["status"] == status
