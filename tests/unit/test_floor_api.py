"""The wallboard's feed over HTTP (floor/http.py): the snapshot, then each agent's change
as server-sent events, from the attacker's side: a supervisor never receives another
account's agents, nor more than "busy" of a campaign outside their profile."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from dialer.db import Store, migrate, open_database
from dialer.db.models import (Account, Agent, AgentSessionEntry, Attempt, Campaign, Contact,
                              PauseReason, Profile, ProfileCampaign, User)
from dialer.floor.events import CallChanged, MonitorChanged, Source
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer, live_agents, put_on_call


NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)  # noon: today began hours ago


@pytest.fixture
async def floor(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    ours, theirs = Account.create(name="Ours"), Account.create(name="Theirs")
    shown, hidden = (Campaign.create(account=ours, name=n) for n in ("shown", "hidden"))
    other = Campaign.create(account=theirs, name="other")
    agent_ids = {name: Agent.create(user=User.create(account=acc, username=name,
                                                     password_hash="!"),
                                    endpoint=f"PJSIP/{name}").id
                 for name, acc in (("ann", ours), ("bob", ours), ("eve", theirs))}
    contact = Contact.create(account=ours, name="C")
    attempt = Attempt.create(campaign=hidden, contact=contact, phone="+12125550101",
                             channel_id="out-hidden", agent=agent_ids["bob"])
    done = Attempt.create(campaign=shown, contact=contact, phone="+12125550101",
                          channel_id="out-done", agent=agent_ids["ann"],
                          started_at=NOW - dt.timedelta(seconds=60),
                          bridged_at=NOW - dt.timedelta(seconds=50),
                          ended_at=NOW - dt.timedelta(seconds=20), outcome="human")
    # ann's session log: a call yesterday, the campaign call (30 s talk), then an inbound
    # call (no attempt, 10 s) and one she is on now (5 s so far)
    for agent, state, ago, attempt_id in [
            ("ann", "on_call", 86400, None), ("ann", "available", 86000, None),
            ("ann", "on_call", 50, done.id), ("ann", "wrap_up", 20, done.id),
            ("ann", "available", 15, None), ("ann", "on_call", 12, None),
            ("ann", "available", 2, None), ("ann", "on_call", 1, None),
            ("eve", "on_call", 40, None)]:
        AgentSessionEntry.create(agent=agent_ids[agent], state=state, attempt_id=attempt_id,
                                 at=NOW - dt.timedelta(seconds=ago))
    profile = Profile.create(account=ours, name="shown only")
    ProfileCampaign.create(profile=profile, campaign=shown)
    headers = bearer(ours.id, "supervisor", profile_id=profile.id)
    ids = {"ours": ours.id, "theirs": theirs.id, "shown": shown.id, "hidden": hidden.id,
           "other": other.id, "attempt": attempt.id, **agent_ids}
    db.close()
    store = Store(db)
    agents = live_agents(store, agent_ids.values())
    client = await aiohttp_client(create_app(FakeDialer(store, lambda: NOW, agents=agents)),
                                  headers=headers)
    yield client, agents, ids
    await store.close()


async def _events(resp, n: int) -> list[tuple[str, dict]]:
    """The next `n` server-sent events (keepalive comments skipped)."""
    out: list[tuple[str, dict]] = []
    kind = None
    while len(out) < n:
        line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[len("event: "):]
        elif line.startswith("data: "):
            out.append((kind, json.loads(line[len("data: "):])))
    return out


async def test_the_snapshot_shows_the_own_accounts_agents_and_profile_campaigns(floor):
    client, agents, ids = floor
    resp = await client.get(f"/api/accounts/{ids['ours']}/floor")
    assert resp.status == 200
    body = await resp.json()
    assert {a["agent_id"] for a in body["agents"]} == {ids["ann"], ids["bob"]}
    assert [c["campaign_id"] for c in body["figures"]["campaigns"]] == [ids["shown"]]
    figures = {a["agent_id"]: (a["calls_today"], a["talk_seconds_today"])
               for a in body["figures"]["agents"]}
    assert figures == {ids["ann"]: (3, 30 + 10 + 1), ids["bob"]: (0, 0)}
    [campaign] = body["figures"]["campaigns"]
    assert (campaign["humans_today"], campaign["abandoned_today"]) == (1, 0)


async def test_changes_reach_the_stream_and_others_never_do(floor):
    client, agents, ids = floor
    resp = await client.get(f"/api/accounts/{ids['ours']}/floor/stream")
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/event-stream"
    [(kind, snapshot)] = await _events(resp, 1)
    assert kind == "snapshot"
    await agents.set_ready(ids["eve"], False)                 # another account's agent
    await put_on_call(agents, ids["bob"], "out-hidden", ids["attempt"],
                      campaign_id=ids["hidden"])               # a campaign outside the profile
    await client.post(f"/api/agents/{ids['ann']}/not-ready", json={})
    seen = await _events(resp, 2)
    assert [(k, e["agent_id"], e.get("state")) for k, e in seen] == [
        ("agent_hidden", ids["bob"], None), ("agent", ids["ann"], "not_ready")]
    assert all("out-hidden" not in json.dumps(e) for _, e in seen)
    resp.close()


async def test_another_accounts_floor_and_an_outside_campaign_are_refused(floor):
    client, agents, ids = floor
    for url in (f"/api/accounts/{ids['theirs']}/floor", f"/api/accounts/{ids['theirs']}/floor/stream",
                f"/api/accounts/{ids['ours']}/floor/stream?campaign={ids['hidden']}",
                f"/api/accounts/{ids['ours']}/floor?campaign={ids['other']}"):
        resp = await client.get(url)
        assert resp.status == 403, url


async def test_pause_reasons_by_name_inbound_calls_and_monitorings_reach_the_stream(floor):
    client, agents, ids = floor
    hub = agents.floor
    resp = await client.get(f"/api/accounts/{ids['ours']}/floor/stream")
    await _events(resp, 1)
    # a reason made after the stream opened: the stream reads the names again for it
    lunch = await agents.store.run(lambda: PauseReason.create(account=ids["ours"],
                                                              name="Lunch").id)
    await client.post(f"/api/agents/{ids['ann']}/not-ready", json={"reason_id": lunch})
    ours = CallChanged("in-ours", None, "ringing", None, ids["ours"], Source.INBOUND)
    hub.publish(CallChanged("in-theirs", None, "ringing", None, ids["theirs"], Source.INBOUND))
    hub.publish(ours)
    hub.publish(MonitorChanged(ids["bob"], "sue", "listen", "listening", ids["hidden"]))
    hub.publish(MonitorChanged(ids["ann"], "sue", "listen", "listening", None))
    seen = await _events(resp, 3)
    assert [k for k, _ in seen] == ["agent", "call", "monitor"]
    assert (seen[0][1]["pause_reason_id"], seen[0][1]["pause_reason"]) == (lunch, "Lunch")
    assert seen[1][1] == {"channel_id": "in-ours", "campaign_id": None, "stage": "ringing",
                          "agent_id": None, "account_id": ids["ours"], "source": "inbound"}
    assert (seen[2][1]["agent_id"], seen[2][1]["supervisor"]) == (ids["ann"], "sue")
    resp.close()
    body = await (await client.get(f"/api/accounts/{ids['ours']}/floor")).json()
    [ann] = [a for a in body["agents"] if a["agent_id"] == ids["ann"]]
    assert ann["pause_reason"] == "Lunch"
    assert [c["channel_id"] for c in body["calls"]] == ["in-ours"]
    assert [m["agent_id"] for m in body["monitors"]] == [ids["ann"]]
    narrowed = await client.get(f"/api/accounts/{ids['ours']}/floor?campaign={ids['shown']}")
    assert (await narrowed.json())["calls"] == []  # the campaign page: its calls only
