"""End to end on the scripted fake PBX: a real Dialer runs a campaign to its end, and the
account's endpoint (a real receiver on 127.0.0.1) hears every attempt finish, the agents'
states and the campaign's end; a receiver that holds its first request unanswered holds up
no call. The store-side sources (disposition, followups, voicemail, a terminated
campaign) write their events in the change's own transaction."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dialer.config import WebhooksConfig
from dialer.db import campaigns, scripts
from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, Attempt, Campaign,
                              Contact, User, WebhookDelivery)
from dialer.followups import store as followups
from dialer.inbound.store import store_voicemail
from dialer.webhooks import policy, store as hooks
from tests.campaign_driver import wait_until
from tests.unit.test_nothing_stuck import dialer_on_fake_pbx, done
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.timeout(90)
KINDS = ["attempt.finished", "campaign.finished", "agent.state_changed"]


async def test_a_campaign_on_the_fake_pbx_is_told_to_the_endpoint(tmp_path):
    receiver = await Receiver().start()
    config = WebhooksConfig(allow_private=True, timeout_seconds=1)
    try:
        async with dialer_on_fake_pbx(tmp_path, hooks=config) as rig:
            d, seed = rig.d, rig.seed
            d.webhooks.poll_seconds = 0.05
            d.webhooks.retry = policy.RetryPolicy(base_seconds=0.2)
            await d.store.run(hooks.create_endpoint, seed["account_id"],
                              {"url": receiver.url + "/crm", "events": KINDS},
                              allow_private=True, now=d.now())
            d.webhooks.endpoints_changed()
            receiver.answers["/crm"] = ["hang"]  # the first request is never answered
            await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
            # the campaign runs to its end while the first request stays unanswered (on a
            # loaded machine the sender may take that request only after the last call)
            async def finished_and_held() -> bool:
                return await done(d, rig.pbx) and receiver.held == 1
            await wait_until(finished_and_held, 20, step=0.05)
            receiver.release()
            attempts = await d.store.run(lambda: {a.id: a.outcome for a in Attempt.select()})
            await wait_until(lambda: _all_delivered(d, len(attempts) + 1), 20, step=0.1)
            told = _events(receiver)
    finally:
        await receiver.stop()
    finished = {e["data"]["attempt_id"]: e["data"] for e in told["attempt.finished"]}
    assert {a: f["outcome"] for a, f in finished.items()} == attempts
    assert all(f["campaign_id"] == seed["campaign_id"] and f["ended_at"]
               for f in finished.values())
    [end] = told["campaign.finished"]
    assert end["data"] == {"campaign_id": seed["campaign_id"], "name": end["data"]["name"],
                           "reason": "completed"}
    states = {(e["data"]["agent_id"], e["data"]["state"]) for e in told["agent.state_changed"]}
    assert {s for _, s in states} >= {"on_call", "available"}
    assert {a for a, _ in states} <= set(seed["agent_ids"])


async def _all_delivered(d, attempts: int) -> bool:
    rows = await d.store.run(lambda: list(WebhookDelivery.select(
        WebhookDelivery.kind, WebhookDelivery.status).tuples()))
    wanted = [s for kind, s in rows if kind in ("attempt.finished", "campaign.finished")]
    return len(wanted) >= attempts and all(s == "delivered" for _, s in rows)


def _events(receiver: Receiver) -> dict[str, list[dict]]:
    """What the receiver got, by kind, each event once (a retried one came twice)."""
    seen: dict[str, dict] = {}
    for r in receiver.received:
        seen[r.json["id"]] = r.json
    by_kind: dict[str, list[dict]] = {}
    for event in seen.values():
        by_kind.setdefault(event["type"], []).append(event)
    return by_kind


T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


def _queued() -> list[tuple[str, dict]]:
    return [(d.kind, json.loads(d.body)["data"])
            for d in WebhookDelivery.select().order_by(WebhookDelivery.id)]


def test_the_store_side_sources_queue_their_events(db):
    account = Account.create(name="acme", company_number="+12125550100")
    user = User.create(account=account, username="alice", password_hash="!")
    agent = Agent.create(user=user, endpoint="PJSIP/alice")
    campaign = Campaign.create(account=account, name="spring")
    contact = Contact.create(account=account, name="Ann", timezone="UTC")
    attempt = Attempt.create(campaign=campaign, contact=contact, phone="+12125550101",
                             channel_id="c1", agent=agent, started_at=T0)
    hooks.create_endpoint(account.id, {"url": "https://crm.example.com/in",
                                       "events": ["disposition.saved", "followup.scheduled",
                                                  "followup.expired", "voicemail.left",
                                                  "campaign.finished"]},
                          allow_private=False, now=T0)
    scripts.set_disposition(attempt.id, "sale", now=T0)
    assert _queued()[-1] == ("disposition.saved", {
        "attempt_id": attempt.id, "campaign_id": campaign.id, "contact_id": contact.id,
        "agent_id": agent.id, "disposition": "sale", "saved_at": "2026-03-02T15:00:00+00:00"})
    voicemail = store_voicemail(account.id, contact.id, "+12125550101", "vm-1")
    assert _queued()[-1] == ("voicemail.left", {"voicemail_id": voicemail,
                                                "caller": "+12125550101",
                                                "contact_id": contact.id,
                                                "recording_name": "vm-1"})
    campaign.status = "running"
    campaign.save()
    campaigns.set_status(campaign.id, "terminated")
    assert _queued()[-1] == ("campaign.finished", {"campaign_id": campaign.id,
                                                   "name": "spring", "reason": "terminated"})
    _followups(agent, contact, account)


def _followups(agent: Agent, contact: Contact, account: Account) -> None:
    """Scheduled when made; expired when nobody launched it in time; an offer withdrawn
    back to scheduled tells nothing."""
    group = AgentGroup.create(account=account, name="sales", followups_allowed=True)
    AgentGroupMember.create(group=group, agent=agent)
    made = followups.create_followup(agent.id, local_time="2026-03-02T16:00", now=T0,
                                     contact_id=contact.id)
    kind, data = _queued()[-1]
    assert kind == "followup.scheduled" and data["followup_id"] == made["id"]
    assert data["scheduled_at"] == "2026-03-02T16:00:00+00:00" and data["source"] == "manual"
    count = len(_queued())
    followups.offer_followup(made["id"], T0 + dt.timedelta(hours=1))
    followups.withdraw_offer(made["id"], T0 + dt.timedelta(hours=1))
    assert len(_queued()) == count
    followups.expire_due(T0 + dt.timedelta(hours=1, minutes=6))
    kind, data = _queued()[-1]
    assert kind == "followup.expired" and data["followup_id"] == made["id"]
    assert data["reason"] == "not launched within 5 minutes of its start"
