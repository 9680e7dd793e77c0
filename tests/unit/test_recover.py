"""What a restarted (or reconnected) dialer does with attempts and claims it lost track of."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.outbound.records import CallEnd, Recovery, parse_last_call
from dialer.outbound import store as dialing
from dialer.db.models import ActionCall, Attempt, CampaignContact, Contact, database_proxy
from tests.campaign_seed import seed_campaign

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_orphans_closed_as_lost_tracked_kept_stranded_claims_released(db):
    database_proxy.initialize(db)
    seed = seed_campaign(["+12125551000", "+12125551001", "+12125551002", "+12125551003"],
                         agents=[], campaign={"max_attempts": 3})
    cid = seed["campaign_id"]
    claims = {c.contact_id: c for c in dialing.claim_due(cid, "n1", 4, NOW)}
    gone, tracked, live, stranded = seed["contact_ids"]
    for contact, channel in ((gone, "ch-gone"), (tracked, "ch-tracked"), (live, "ch-live")):
        dialing.start_attempt(cc_id=claims[contact].cc_id, phone="+1", caller_id=None,
                              channel_id=channel, node="n1", now=NOW)

    kept = dialing.recover("n1", {"ch-tracked"}, {"ch-tracked", "ch-live"}, NOW,
                           release_claims=False)
    assert kept.hang_up == ("ch-live",) and kept.released == 0
    states = {cc.contact_id: cc.state for cc in CampaignContact.select()}
    assert states[stranded] == "in_progress"  # a reconnect: the runner may be dialling it
    assert states[gone] == states[live] == "rescheduled"  # lost: called again, later
    outcomes = {a.channel_id: a.outcome for a in Attempt.select()}
    assert outcomes == {"ch-gone": "lost", "ch-live": "lost", "ch-tracked": None}

    account = Contact.get_by_id(gone).account
    ringing = ActionCall.create(account=account, contact=gone, due_at=NOW, status="ringing",
                                node="n1")
    elsewhere = ActionCall.create(account=account, contact=gone, due_at=NOW, status="ringing",
                                  node="n2")
    started = dialing.recover("n1", {"ch-tracked"}, set(), NOW, release_claims=True)
    assert started == Recovery(lost=(), recovered=(), released=2, hang_up=())
    assert ActionCall.get_by_id(ringing.id).status == "scheduled"  # rung again, not lost
    assert ActionCall.get_by_id(elsewhere.id).status == "ringing"  # node n2 is ringing it
    stranded_cc = CampaignContact.get(contact=stranded)
    assert stranded_cc.state == "waiting" and stranded_cc.claimed_by is None
    assert CampaignContact.get(contact=tracked).state == "in_progress"  # its call goes on
    # Another node's open attempts are not ours to close.
    assert dialing.recover("n2", set(), set(), NOW, release_claims=True).lost == ()
    assert Attempt.get(channel_id="ch-tracked").ended_at is None


def test_a_call_that_ended_with_its_agent_unseen_is_recorded_as_human(db):
    database_proxy.initialize(db)
    seed = seed_campaign(["+12125551000", "+12125551001", "+12125551002"],
                         agents=["PJSIP/agent1"], campaign={"max_attempts": 3})
    cid, agent = seed["campaign_id"], seed["agent_ids"][0]
    claims = {c.contact_id: c for c in dialing.claim_due(cid, "n1", 3, NOW)}
    ended, still_up, never_bridged = seed["contact_ids"]
    bridged_at = NOW - dt.timedelta(seconds=40)
    for contact, channel in ((ended, "ch-ended"), (still_up, "ch-up"),
                             (never_bridged, "ch-ringing")):
        attempt = dialing.start_attempt(cc_id=claims[contact].cc_id, phone="+1",
                                        caller_id=None, channel_id=channel, node="n1",
                                        now=bridged_at - dt.timedelta(seconds=10))
        if contact != never_bridged:
            dialing.update_attempt(attempt, agent=agent, bridged_at=bridged_at)
    end = CallEnd("ch-ended", NOW - dt.timedelta(seconds=5), 16)
    got = dialing.recover("n1", set(), {"ch-up"}, NOW, release_claims=False,
                          ends={"ch-ended": end})
    rows = {a.channel_id: a for a in Attempt.select()}
    assert rows["ch-ended"].outcome == "human" and rows["ch-ended"].agent_id == agent
    assert rows["ch-ended"].ended_at == end.ended_at.replace(tzinfo=None) and rows["ch-ended"].hangup_cause == 16
    assert (rows["ch-ended"].ended_at - rows["ch-ended"].bridged_at).total_seconds() == 35
    assert rows["ch-up"].outcome == "human" and rows["ch-up"].ended_at == NOW.replace(tzinfo=None)
    assert rows["ch-ringing"].outcome == "lost"
    assert got.hang_up == ("ch-up",) and sorted(got.recovered) == sorted(
        [rows["ch-ended"].id, rows["ch-up"].id]) and got.lost == (rows["ch-ringing"].id,)
    # Reached: the rules close the contact (max 3 attempts left), never call it again.
    states = {cc.contact_id: cc.state for cc in CampaignContact.select()}
    assert states[ended] == states[still_up] == "completed"
    assert states[never_bridged] == "rescheduled"


def test_claims_past_their_lease_go_back_unless_dialled_or_renewed(db):
    database_proxy.initialize(db)
    seed = seed_campaign([f"+1212555100{i}" for i in range(4)], agents=[])
    cid = seed["campaign_id"]
    lease = dt.timedelta(seconds=60)
    old = {c.contact_id: c.cc_id for c in dialing.claim_due(cid, "n1", 3, NOW)}
    dialled, on_screen, stuck = seed["contact_ids"][:3]
    fresh = dialing.claim_due(cid, "n2", 1, NOW + lease)[0].cc_id
    dialing.start_attempt(cc_id=old[dialled], phone="+1", caller_id=None, channel_id="c1",
                          node="n1", now=NOW)
    dialing.renew_claims([old[on_screen]], "n1", NOW + dt.timedelta(seconds=30))
    dialing.renew_claims([fresh], "n1", NOW + dt.timedelta(seconds=30))  # not n1's: no-op
    later = NOW + lease + dt.timedelta(seconds=1)
    assert dialing.release_expired_claims(later, lease) == 1
    assert dialing.release_expired_claims(later, lease) == 0  # a second sweep: nothing
    rows = {cc.id: cc for cc in CampaignContact.select()}
    assert rows[old[stuck]].state == "waiting" and rows[old[stuck]].claimed_by is None
    assert "lease" in rows[old[stuck]].last_reason
    assert rows[old[dialled]].state == rows[old[on_screen]].state == "in_progress"
    assert rows[fresh].state == "in_progress"
    # The node that lost the claim may not dial on it; another node's claim is not ours.
    for cc_id, node in ((old[stuck], "n1"), (fresh, "n1")):
        with pytest.raises(dialing.ClaimLost):
            dialing.start_attempt(cc_id=cc_id, phone="+1", caller_id=None,
                                  channel_id=f"x{cc_id}", node=node, now=later)
    assert Attempt.select().count() == 1


def test_the_end_a_call_left_on_its_agents_leg_is_read_or_ignored():
    assert parse_last_call("out-n1-ab12 1796404781.216 16") == CallEnd(
        "out-n1-ab12", dt.datetime(2026, 12, 4, 17, 19, 41, 216000, tzinfo=dt.UTC), 16)
    assert parse_last_call("out-n1-ab12 1796404781 ?").hangup_cause is None
    for junk in ("", "out-n1-ab12", "a b", "a nan 16", "a 1e400 16", "a b c d"):
        assert parse_last_call(junk) is None, junk
