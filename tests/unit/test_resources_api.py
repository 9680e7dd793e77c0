"""The REST API's read side (the features' http.py routes) over a real SQLite database:
lists paged in SQL, objects by id, campaign profiles, and recordings fetched from ARI."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from aiohttp import web

from dialer.ari import AriClient
from dialer.db import (Store, accounts, campaign_admin, contacts, migrate,
                       open_database, roles, suppression)
from dialer.db.models import (Account, ActionCall, Attempt, Campaign, CampaignContact,
                              CampaignSuppression, Contact, Followup, ServicePlan,
                              Voicemail)
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

CSV = "Name,Phone,Client\n" + "".join(
    f"{name},+1212555{n:04d},C{n}\n"
    for n, name in enumerate(["Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus"], start=101))
T0 = dt.datetime(2026, 3, 2, 15, 0)
AUDIO = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 64


def assert_error(body: dict, field: str) -> None:
    assert set(body) == {"error"} and body["error"]["field"] == field
    assert body["error"]["message"]


@pytest.fixture
async def asterisk(aiohttp_server):
    """A stand-in for Asterisk's ARI that stores one recording."""
    seen = []

    async def stored_file(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        if request.match_info["name"] == "attempt-rec":
            return web.Response(body=AUDIO, content_type="audio/x-wav")
        return web.json_response({"message": "Recording not found"}, status=404)

    app = web.Application()
    app.router.add_get("/ari/recordings/stored/{name}/file", stored_file)
    server = await aiohttp_server(app)
    ari = AriClient(str(server.make_url("/ari")), "dialer", "secret", "dialer")
    yield ari, seen
    await ari.close()


@pytest.fixture
async def env(tmp_path, aiohttp_client, asterisk):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan, company_number="+12125550100")
    other = Account.create(name="Other", plan=plan)
    spring = Campaign.create(account=acme, name="spring")
    autumn = Campaign.create(account=acme, name="autumn")
    theirs = Campaign.create(account=other, name="theirs")
    imported = contacts.import_contacts(acme.id, "march", CSV, {"Name": "name",
                                        "Phone": "phone", "Client": "client_id"}, "US",
                                        spring.id)
    assert imported["created"] == 7
    group = accounts.create_agent_group(acme.id, name="sales")
    ann = accounts.create_agent(acme.id, username="ann", endpoint="PJSIP/ann",
                                full_name="Ann Agent", group_ids=[group["id"]])
    bob = accounts.create_agent(acme.id, username="bob", endpoint="PJSIP/bob")
    by_name = {c.name: c.id for c in Contact.select()}
    CampaignContact.create(campaign=autumn, contact=by_name["Ann"])
    # Ann (spring): two calls, the last by agent ann, recorded; Bob (spring): one busy.
    Attempt.create(campaign=spring, contact=by_name["Ann"], phone="+12125550101",
                   channel_id="c1", started_at=T0, ended_at=T0, outcome="no_answer")
    Attempt.create(campaign=spring, contact=by_name["Ann"], phone="+12125550101",
                   channel_id="c2", started_at=T0 + dt.timedelta(hours=1),
                   answered_at=T0 + dt.timedelta(hours=1, seconds=5),
                   ended_at=T0 + dt.timedelta(hours=1, seconds=65), outcome="human",
                   agent=ann["id"], recording_name="attempt-rec", disposition="sale",
                   script_answers={"q1": "yes"})
    Attempt.create(campaign=spring, contact=by_name["Bob"], phone="+12125550102",
                   channel_id="c3", started_at=T0, outcome="busy")
    Attempt.create(campaign=autumn, contact=by_name["Ann"], phone="+12125550101",
                   channel_id="c4", started_at=T0, outcome="human", agent=bob["id"],
                   recording_name="attempt-gone")
    CampaignContact.update(state="completed", attempts=2).where(
        (CampaignContact.campaign == spring) & (CampaignContact.contact == by_name["Ann"])
    ).execute()
    CampaignContact.update(state="rescheduled", attempts=1,
                           next_attempt_at=T0 + dt.timedelta(hours=2)).where(
        (CampaignContact.campaign == spring) & (CampaignContact.contact == by_name["Bob"])
    ).execute()
    rule1 = campaign_admin.add_rule(spring.id, condition={"outcomes": ["busy"]},
                                    action="call_again", params={"after_minutes": 30})
    rule2 = campaign_admin.add_rule(spring.id, condition={"connected": True},
                                    action="complete")
    contacts.create_filter(acme.id, "gold", {"all": [{"field": "name", "op": "eq",
                                                      "value": "Ann"}]})
    for campaign, hours in ((spring, 3), (autumn, 1), (None, 2)):
        Followup.create(account=acme, agent=ann["id"], contact=by_name["Cid"],
                        campaign=campaign, scheduled_at=T0 + dt.timedelta(hours=hours),
                        timezone="America/New_York")
    ActionCall.create(account=acme, contact=by_name["Dee"], due_at=T0)
    voicemail = Voicemail.create(account=acme, contact=by_name["Eve"], caller="+12125550105",
                                 recording_name="attempt-rec")
    dnc = suppression.create_list(acme.id, name="dnc", kind="device")
    CampaignSuppression.create(campaign=spring, suppression_list=dnc["id"])
    narrow = roles.create_profile(acme.id, "spring only", False, [spring.id])
    admin = bearer(acme.id, "admin", "boss")
    manager = bearer(acme.id, "campaign manager", "manager", profile_id=narrow["id"])
    outsider = bearer(other.id, "supervisor", "outsider")
    ids = {"acme": acme.id, "other": other.id, "spring": spring.id, "autumn": autumn.id,
           "theirs": theirs.id, "group": group["id"], "ann": ann["id"], "bob": bob["id"],
           "rule1": rule1["id"], "rule2": rule2["id"], **by_name,
           "plan": plan.id, "voicemail": voicemail.id}
    db.close()
    store = Store(db)
    ari, seen = asterisk
    client = await aiohttp_client(create_app(FakeDialer(store, ari=ari)))
    yield client, ids, {"admin": admin, "manager": manager, "outsider": outsider}, seen
    await store.close()


async def get(client, url, headers, status=200):
    resp = await client.get(url, headers=headers)
    body = await resp.json()
    assert resp.status == status, body
    return body


async def test_account_contacts_paged_in_sql_with_search(env):
    client, ids, who, _ = env
    url = f"/api/accounts/{ids['acme']}/contacts"
    body = await get(client, url + "?limit=3&offset=2", who["admin"])
    assert (body["total"], body["limit"], body["offset"]) == (7, 3, 2)
    assert [c["name"] for c in body["items"]] == ["Cid", "Dee", "Eve"]
    assert body["items"][0]["phones"] == [{"number": "+12125550103", "kind": "main",
                                           "position": 0}]
    last = await get(client, url + "?limit=3&offset=6", who["admin"])
    assert [c["name"] for c in last["items"]] == ["Gus"] and last["total"] == 7
    assert (await get(client, url + "?offset=10", who["admin"]))["items"] == []

    found = await get(client, url + "?q=eV", who["admin"])
    assert [c["name"] for c in found["items"]] == ["Eve"] and found["total"] == 1
    by_phone = await get(client, url + "?q=(212) 555-0106", who["admin"])
    assert [c["name"] for c in by_phone["items"]] == ["Fay"]
    partial = await get(client, url + "?q=55501", who["admin"])
    assert partial["total"] == 7

    for bad, field in (("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
                       ("limit=x", "limit")):
        assert_error(await get(client, f"{url}?{bad}", who["admin"], 400), field)
    assert_error(await get(client, url, who["outsider"], 403), "account")
    assert_error(await get(client, url, {}, 401), "session")


async def test_contact_by_id_shows_only_visible_campaigns(env):
    client, ids, who, _ = env
    body = await get(client, f"/api/contacts/{ids['Ann']}", who["admin"])
    assert body["name"] == "Ann" and body["client_id"] == "C101"
    assert [c["campaign_id"] for c in body["campaigns"]] == [ids["spring"], ids["autumn"]]
    assert body["campaigns"][0] == {"campaign_id": ids["spring"], "status": "completed",
                                    "attempts": 2, "next_attempt_at": None}
    body = await get(client, f"/api/contacts/{ids['Ann']}", who["manager"])
    assert [c["campaign_id"] for c in body["campaigns"]] == [ids["spring"]]
    assert_error(await get(client, "/api/contacts/9999", who["admin"], 404), "id")
    assert_error(await get(client, f"/api/contacts/{ids['Ann']}", who["outsider"], 403),
                 "account")
    lists = await get(client, f"/api/accounts/{ids['acme']}/contact-lists", who["admin"])
    assert [(cl["name"], cl["contacts"]) for cl in lists["items"]] == [("march", 7)]


async def test_campaign_contacts_state_last_result_operator(env):
    client, ids, who, _ = env
    url = f"/api/campaigns/{ids['spring']}/contacts"
    body = await get(client, url, who["admin"])
    assert body["total"] == 7
    ann, bob, cid = body["items"][:3]
    assert ann["status"] == "completed" and ann["attempts"] == 2
    assert ann["last_attempt"]["outcome"] == "human"
    assert ann["last_attempt"]["disposition"] == "sale"
    assert ann["operator"]["agent_id"] == ids["ann"]
    assert ann["operator"]["username"] == "ann"
    assert bob["status"] == "rescheduled"
    assert bob["next_attempt_at"] == "2026-03-02T17:00:00+00:00"
    assert bob["last_attempt"]["outcome"] == "busy" and bob["operator"] is None
    assert cid["last_attempt"] is None and cid["status"] == "waiting"

    waiting = await get(client, url + "?status=waiting&limit=2", who["admin"])
    assert waiting["total"] == 5 and len(waiting["items"]) == 2
    assert_error(await get(client, url + "?status=nope", who["admin"], 400), "status")
    # the autumn campaign: the same contact, another operator
    autumn = await get(client, f"/api/campaigns/{ids['autumn']}/contacts", who["admin"])
    assert [(c["name"], c["operator"]["username"]) for c in autumn["items"]] == \
        [("Ann", "bob")]


async def test_profile_without_the_campaign_is_refused(env):
    client, ids, who, _ = env
    for path in ("contacts", "attempts", "recordings", "rules"):
        assert_error(await get(client, f"/api/campaigns/{ids['autumn']}/{path}",
                               who["manager"], 403), "campaign")
        await get(client, f"/api/campaigns/{ids['spring']}/{path}", who["manager"])
    autumn_attempt = await get(client, f"/api/campaigns/{ids['autumn']}/attempts",
                               who["admin"])
    attempt_id = autumn_attempt["items"][0]["id"]
    assert_error(await get(client, f"/api/attempts/{attempt_id}", who["manager"], 403),
                 "campaign")
    assert_error(await get(client, f"/api/attempts/{attempt_id}/recording", who["manager"],
                           403), "campaign")
    # the account-wide list leaves the autumn campaign out for the manager
    url = f"/api/accounts/{ids['acme']}/attempts"
    every = await get(client, url, who["admin"])
    mine = await get(client, url, who["manager"])
    assert every["total"] == 4 and mine["total"] == 3
    assert {a["campaign_id"] for a in mine["items"]} == {ids["spring"]}
    assert_error(await get(client, f"{url}?campaign_id={ids['autumn']}", who["manager"], 403),
                 "campaign_id")
    only = await get(client, f"{url}?campaign_id={ids['autumn']}", who["admin"])
    assert only["total"] == 1


async def test_attempts_list_and_detail(env):
    client, ids, who, _ = env
    url = f"/api/campaigns/{ids['spring']}/attempts"
    body = await get(client, url, who["admin"])
    assert body["total"] == 3
    assert [a["outcome"] for a in body["items"]] == ["busy", "human", "no_answer"]
    page = await get(client, url + "?limit=1&offset=1", who["admin"])
    assert [a["outcome"] for a in page["items"]] == ["human"] and page["total"] == 3
    human = page["items"][0]
    detail = await get(client, f"/api/attempts/{human['id']}", who["admin"])
    assert detail == human | {"transfers": []}  # the detail lists its transfer legs
    assert detail["agent"]["username"] == "ann" and detail["recording_name"] == "attempt-rec"
    assert detail["answers"] == {"q1": "yes"} and detail["talk_seconds"] == 60
    assert detail["started_at"] == "2026-03-02T16:00:00+00:00"
    filtered = await get(client, f"{url}?outcome=busy", who["admin"])
    assert filtered["total"] == 1
    by_agent = await get(client, f"{url}?agent_id={ids['ann']}", who["admin"])
    assert by_agent["total"] == 1
    by_contact = await get(client, f"{url}?contact_id={ids['Ann']}", who["admin"])
    assert by_contact["total"] == 2
    assert_error(await get(client, f"{url}?agent_id=x", who["admin"], 400), "agent_id")
    assert_error(await get(client, "/api/attempts/9999", who["admin"], 404), "id")


async def test_recordings_list_and_audio(env):
    client, ids, who, seen = env
    body = await get(client, f"/api/campaigns/{ids['spring']}/recordings", who["admin"])
    assert body["total"] == 1
    rec = body["items"][0]
    assert rec["recording_name"] == "attempt-rec"
    resp = await client.get(rec["url"], headers=who["admin"])
    assert resp.status == 200
    assert resp.content_type == "audio/x-wav"
    assert await resp.read() == AUDIO
    assert seen[-1].headers["Authorization"].startswith("Basic ")

    # not recorded: 404 naming the recording
    page = await get(client, f"/api/campaigns/{ids['spring']}/attempts?outcome=busy",
                     who["admin"])
    assert_error(await get(client, f"/api/attempts/{page['items'][0]['id']}/recording",
                           who["admin"], 404), "recording")
    # recorded, but Asterisk no longer has the file
    gone = await get(client, f"/api/campaigns/{ids['autumn']}/recordings", who["admin"])
    assert_error(await get(client, gone["items"][0]["url"], who["admin"], 404), "recording")

    # voicemails: the account's own only, for manage_inbound only
    url = f"/api/accounts/{ids['acme']}/voicemails/{ids['voicemail']}/recording"
    resp = await client.get(url, headers=who["admin"])
    assert resp.status == 200 and await resp.read() == AUDIO
    assert_error(await get(client, url, who["manager"], 403), "privilege")
    missing = f"/api/accounts/{ids['acme']}/voicemails/999/recording"
    assert_error(await get(client, missing, who["admin"], 404), "voicemail_id")
    assert_error(await get(client, url, who["outsider"], 403), "account")
    theirs = f"/api/accounts/{ids['other']}/voicemails/{ids['voicemail']}/recording"
    assert_error(await get(client, theirs, who["admin"], 404), "voicemail_id")


async def test_recording_when_asterisk_is_down(env, tmp_path):
    client, ids, who, _ = env
    app = client.server.app
    from dialer.web.common import DIALER
    app[DIALER].ari = AriClient("http://127.0.0.1:9", "u", "p", "dialer")
    try:
        body = await get(client, f"/api/campaigns/{ids['spring']}/recordings", who["admin"])
        assert_error(await get(client, body["items"][0]["url"], who["admin"], 502),
                     "asterisk")
    finally:
        await app[DIALER].ari.close()


async def test_rules_list_and_delete(env):
    client, ids, who, _ = env
    url = f"/api/campaigns/{ids['spring']}/rules"
    body = await get(client, url, who["admin"])
    assert [r["action"] for r in body["items"]] == ["call_again", "complete"]
    assert body["items"][0]["params"] == {"after_minutes": 30}
    resp = await client.delete(f"{url}/{ids['rule1']}", headers=who["manager"])
    assert resp.status == 200 and (await resp.json())["rule"]["id"] == ids["rule1"]
    assert [r["id"] for r in (await get(client, url, who["admin"]))["items"]] == [ids["rule2"]]
    resp = await client.delete(f"{url}/{ids['rule1']}", headers=who["admin"])
    assert resp.status == 404
    assert_error(await resp.json(), "rule_id")
    # a rule of another campaign is not reachable through this one
    resp = await client.delete(f"/api/campaigns/{ids['autumn']}/rules/{ids['rule2']}",
                               headers=who["admin"])
    assert resp.status == 404
    assert_error(await resp.json(), "rule_id")
    resp = await client.delete(f"/api/campaigns/{ids['autumn']}/rules/{ids['rule2']}",
                               headers=who["manager"])
    assert resp.status == 403
    for action in ("terminate", "archive"):
        resp = await client.post(f"/api/campaigns/{ids['spring']}/{action}",
                                 headers=who["admin"])
        assert resp.status == 200, await resp.text()
    resp = await client.delete(f"{url}/{ids['rule2']}", headers=who["admin"])
    assert resp.status == 409
    assert_error(await resp.json(), "status")


async def test_filters_groups_agents_plans_accounts(env):
    client, ids, who, _ = env
    acme = f"/api/accounts/{ids['acme']}"
    filters = await get(client, f"{acme}/filters", who["admin"])
    assert [f["name"] for f in filters["items"]] == ["gold"]
    one = await get(client, f"/api/filters/{filters['items'][0]['id']}", who["admin"])
    assert one == filters["items"][0]

    groups = await get(client, f"{acme}/agent-groups", who["admin"])
    assert [(g["name"], g["agent_ids"]) for g in groups["items"]] == [("sales", [ids["ann"]])]
    group = await get(client, f"/api/agent-groups/{ids['group']}", who["admin"])
    assert group == groups["items"][0]

    agents = await get(client, f"{acme}/agents", who["admin"])
    assert [(a["username"], a["group_ids"]) for a in agents["items"]] == \
        [("ann", [ids["group"]]), ("bob", [])]
    assert agents["items"][0]["state"] == "logged_out"
    members = await get(client, f"{acme}/agents?group_id={ids['group']}", who["admin"])
    assert [a["username"] for a in members["items"]] == ["ann"]
    paged = await get(client, f"{acme}/agents?limit=1&offset=1", who["admin"])
    assert [a["username"] for a in paged["items"]] == ["bob"] and paged["total"] == 2
    agent = await get(client, f"/api/agents/{ids['ann']}", who["admin"])
    assert agent["endpoint"] == "PJSIP/ann" and agent["full_name"] == "Ann Agent"
    # staff read agents, one or all (the README's table); nobody of another account does
    assert await get(client, f"/api/agents/{ids['ann']}", who["manager"]) == agent
    assert_error(await get(client, f"/api/agents/{ids['ann']}", who["outsider"], 403),
                 "account")

    plan = await get(client, f"/api/plans/{ids['plan']}", who["manager"])
    assert plan["name"] == "base" and plan["accounts"] == 2
    assert_error(await get(client, "/api/plans/999", who["admin"], 404), "id")
    account = await get(client, acme, who["manager"])
    assert account["name"] == "Acme" and account["company_number"] == "+12125550100"
    assert_error(await get(client, acme, who["outsider"], 403), "account")

    caller_ids = await get(client, f"/api/campaigns/{ids['spring']}/caller-ids", who["admin"])
    assert caller_ids == {"items": [], "total": 0, "limit": 100, "offset": 0}


async def test_followups_suppression_ring_group_action_calls(env):
    client, ids, who, _ = env
    acme = f"/api/accounts/{ids['acme']}"
    every = await get(client, f"{acme}/followups", who["admin"])
    assert [f["campaign_id"] for f in every["items"]] == [ids["autumn"], None, ids["spring"]]
    mine = await get(client, f"{acme}/followups", who["manager"])
    assert [f["campaign_id"] for f in mine["items"]] == [None, ids["spring"]]
    assert mine["total"] == 2
    second = await get(client, f"{acme}/followups?limit=1&offset=1", who["admin"])
    assert second["total"] == 3 and second["items"][0]["campaign_id"] is None
    assert (await get(client, f"{acme}/followups?status=expired", who["admin"]))["total"] == 0
    assert_error(await get(client, f"{acme}/followups?status=x", who["admin"], 400), "status")

    lists = await get(client, f"/api/campaigns/{ids['spring']}/suppression-lists",
                      who["admin"])
    assert [sl["name"] for sl in lists["items"]] == ["dnc"]
    assert (await get(client, f"/api/campaigns/{ids['autumn']}/suppression-lists",
                      who["admin"]))["total"] == 0

    assert_error(await get(client, f"{acme}/ring-group", who["admin"], 404), "ring_group")
    resp = await client.put(f"{acme}/ring-group", json={"strategy": "ordered"},
                            headers=who["admin"])
    assert resp.status == 200, await resp.text()
    group = await get(client, f"{acme}/ring-group", who["admin"])
    assert group["strategy"] == "ordered" and group["members"] == []
    assert_error(await get(client, f"{acme}/ring-group", who["manager"], 403), "privilege")

    calls = await get(client, f"{acme}/action-calls", who["admin"])
    assert [(c["contact_id"], c["status"]) for c in calls["items"]] == \
        [(ids["Dee"], "scheduled")]
    assert (await get(client, f"{acme}/action-calls?status=completed",
                      who["admin"]))["total"] == 0
    assert_error(await get(client, f"{acme}/action-calls", who["outsider"], 403), "account")


def test_big_lists_are_paged_in_sql(db, caplog):
    """A page of 1,200 contacts and their campaign states is read with LIMIT/OFFSET."""
    from dialer.db import listing

    account = Account.create(name="Big")
    campaign = Campaign.create(account=account, name="big")
    Contact.insert_many([{"account": account.id, "name": f"c{i:04d}"}
                         for i in range(1200)]).execute()
    CampaignContact.insert_many([{"campaign": campaign.id, "contact": c.id}
                                 for c in Contact.select(Contact.id)]).execute()
    with caplog.at_level("DEBUG", logger="peewee"):
        body = listing.list_contacts(account.id, 500, 1000)
        states = listing.list_campaign_contacts(campaign.id, 10, 1195)
    assert body["total"] == 1200 and len(body["items"]) == 200
    assert body["items"][0]["name"] == "c1000"
    assert states["total"] == 1200 and len(states["items"]) == 5
    sql = " ".join(str(r.msg) + str(r.args) for r in caplog.records)
    assert "LIMIT" in sql and "OFFSET" in sql


async def test_attempts_keyset_pages_time_filters_and_the_streamed_report(env):
    client, ids, who, _ = env
    url = f"/api/campaigns/{ids['spring']}/attempts"
    first = await get(client, url + "?limit=2", who["admin"])
    assert first["next_before"] == first["items"][-1]["id"] and first["total"] == 3
    rest = await get(client, f"{url}?limit=2&before={first['next_before']}", who["admin"])
    assert [a["outcome"] for a in first["items"] + rest["items"]] == [
        "busy", "human", "no_answer"]
    assert rest["next_before"] is None and rest["total"] == 3
    # T0 is 15:00 UTC; Ann's human call started at 16:00, the two others at T0.
    late = await get(client, f"{url}?started_from=2026-03-02T15:30:00Z", who["admin"])
    assert [a["outcome"] for a in late["items"]] == ["human"] and late["total"] == 1
    early = await get(client, f"{url}?started_to=2026-03-02T10:30:00-05:00", who["admin"])
    assert sorted(a["outcome"] for a in early["items"]) == ["busy", "no_answer"]
    for bad in ("started_from=yesterday", "started_to=2026-13-01", "before=x"):
        assert_error(await get(client, f"{url}?{bad}", who["admin"], 400), bad.split("=")[0])

    report = f"/reports/campaigns/{ids['spring']}/attempts.csv"
    resp = await client.get(report + "?outcome=human", headers=who["manager"])
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert resp.headers.get("Transfer-Encoding") == "chunked"  # streamed, no length known
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(r["contact"], r["outcome"], r["agent"], r["disposition"]) for r in rows] == [
        ("Ann", "human", "Ann Agent", "sale")]
    resp = await client.get(report + "?started_to=2026-03-02T15:00:01", headers=who["admin"])
    assert sorted(r["outcome"] for r in csv.DictReader(io.StringIO(await resp.text()))) == [
        "busy", "no_answer"]
    resp = await client.get(report + "?started_from=soon", headers=who["admin"])
    assert resp.status == 400
    assert_error(await resp.json(), "started_from")


async def test_lists_are_shared_between_pollers_but_a_client_reads_its_own_writes(env):
    client, ids, who, _ = env
    url = f"/api/campaigns/{ids['spring']}/rules"
    assert (await get(client, url, who["admin"]))["total"] == 2
    resp = await client.delete(f"{url}/{ids['rule1']}", headers=who["admin"])
    assert resp.status == 200
    # Within the second the first list is kept for pollers: the delete forgot it.
    assert [r["id"] for r in (await get(client, url, who["admin"]))["items"]] == [ids["rule2"]]
