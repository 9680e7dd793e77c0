"""What a restarted (or reconnected) dialer does with attempts and claims it lost track of."""

from __future__ import annotations

import datetime as dt

from dialer.db import dialing
from dialer.db.models import ActionCall, Attempt, CampaignContact, Contact, database_proxy
from tests.campaign_seed import seed_campaign

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_orphans_closed_as_lost_tracked_kept_stranded_claims_released(db):
    database_proxy.initialize(db)
    seed = seed_campaign(["+12125551000", "+12125551001", "+12125551002", "+12125551003"],
                         agents=[], campaign={"max_attempts": 3})
    cid = seed["campaign_id"]
    claims = {c["contact_id"]: c for c in dialing.claim_due(cid, "n1", 4, NOW)}
    gone, tracked, live, stranded = seed["contact_ids"]
    for contact, channel in ((gone, "ch-gone"), (tracked, "ch-tracked"), (live, "ch-live")):
        dialing.start_attempt(cc_id=claims[contact]["cc_id"], phone="+1", caller_id=None,
                              channel_id=channel, node="n1", now=NOW)

    kept = dialing.recover("n1", {"ch-tracked"}, {"ch-tracked", "ch-live"}, NOW,
                           release_claims=False)
    assert kept["hang_up"] == ["ch-live"] and kept["released"] == 0
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
    assert started == {"lost": [], "released": 2, "hang_up": []}
    assert ActionCall.get_by_id(ringing.id).status == "scheduled"  # rung again, not lost
    assert ActionCall.get_by_id(elsewhere.id).status == "ringing"  # node n2 is ringing it
    stranded_cc = CampaignContact.get(contact=stranded)
    assert stranded_cc.state == "waiting" and stranded_cc.claimed_by is None
    assert CampaignContact.get(contact=tracked).state == "in_progress"  # its call goes on
    # Another node's open attempts are not ours to close.
    assert dialing.recover("n2", set(), set(), NOW, release_claims=True)["lost"] == []
    assert Attempt.get(channel_id="ch-tracked").ended_at is None
