"""Agents' side REST endpoints (followups/http.py, agents/http.py) over a real Store."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialer.agents.shell import AgentSessions
from dialer.db import Store, migrate, open_database
from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, Attempt, Campaign,
                              CampaignContact, Contact, ContactPhone, Rule, ServicePlan, User)
from dialer.web.app import create_app
from tests.unit.test_api_admin import assert_error
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
ANN = "+12125550101"


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    account = Account.create(name="Acme", company_number="+12125550100", plan=plan,
                             timezone="America/New_York")
    group = AgentGroup.create(account=account, name="sales", manual_dial_allowed=True)
    user = User.create(account=account, username="alice", password_hash="!",
                       timezone="Europe/Paris")
    agent = Agent.create(user=user, endpoint="PJSIP/alice")
    AgentGroupMember.create(group=group, agent=agent)
    loner = Agent.create(user=User.create(account=account, username="bob", password_hash="!"),
                         endpoint="PJSIP/bob")
    contact = Contact.create(account=account, name="Ann", client_id="A1")
    ContactPhone.create(contact=contact, number=ANN)
    campaign = Campaign.create(account=account, name="spring", mode="preview")
    Rule.create(campaign=campaign, position=1, condition={"agent_results": ["callback"]},
                action="call_again", params={"after_minutes": 30})
    attempt = Attempt.create(campaign=campaign, contact=contact, phone=ANN, channel_id="c1",
                             agent=agent, started_at=NOW, ended_at=NOW, outcome="human")
    ids = {"account": account.id, "agent": agent.id, "loner": loner.id,
           "contact": contact.id, "campaign": campaign.id, "attempt": attempt.id}
    headers = bearer(account.id)
    db.close()
    store = Store(db)
    dialer = FakeDialer(store, lambda: NOW)
    app = create_app(dialer)
    client = await aiohttp_client(app, headers=headers)
    yield client, dialer, ids
    await store.close()


async def test_followups_api(env):
    client, dialer, ids = env
    url = f"/api/agents/{ids['agent']}/followups"
    resp = await client.post(url, json={"contact_id": ids["contact"],
                                        "local_time": "2025-06-02T16:00",
                                        "data": {"note": "renewal"}})
    assert resp.status == 201
    f = await resp.json()
    assert f["scheduled_at"] == "2025-06-02T14:00:00+00:00" and f["form"] == {}
    assert f["timezone"] == "Europe/Paris" and f["data"] == {"note": "renewal"}

    resp = await client.post(url, json={"contact_id": ids["contact"],
                                        "local_time": "2025-11-02T01:30", "zone": "contact"})
    assert resp.status == 201 and (await resp.json())["ambiguous_time"] is True

    for body, status, field in [
        ({"contact_id": ids["contact"]}, 400, "local_time"),
        ({"contact_id": ids["contact"], "local_time": "2026-03-08T02:30", "zone": "contact"},
         400, "local_time"),
        ({"contact_id": ids["contact"], "local_time": "2025-06-03T10:00", "zone": "x"},
         400, "zone"),
        ({"contact_id": ids["contact"], "local_time": "2025-06-03T10:00", "colour": 1},
         400, "colour"),
    ]:
        resp = await client.post(url, json=body)
        assert resp.status == status
        assert_error(await resp.json(), field)
    resp = await client.post(f"/api/agents/{ids['loner']}/followups",
                             json={"contact_id": ids["contact"],
                                   "local_time": "2025-06-03T10:00"})
    assert resp.status == 409
    assert_error(await resp.json(), "agent_id")
    resp = await client.post("/api/agents/999/followups",
                             json={"contact_id": 1, "local_time": "2025-06-03T10:00"})
    assert resp.status == 404
    resp = await client.post("/api/agents/x/followups", json={})
    assert resp.status == 400
    assert_error(await resp.json(), "id")

    listed = (await (await client.get(url)).json())["items"]
    assert [x["id"] for x in listed] == [f["id"], f["id"] + 1]
    resp = await client.post(f"{url}/{f['id']}/cancel")
    assert resp.status == 200 and (await resp.json())["status"] == "cancelled"
    resp = await client.post(f"{url}/{f['id']}/cancel")
    assert resp.status == 409
    assert_error(await resp.json(), "status")
    resp = await client.post(f"/api/agents/{ids['loner']}/followups/{f['id'] + 1}/cancel")
    assert resp.status == 409
    assert_error(await resp.json(), "agent_id")
    assert (await (await client.get(f"/api/followups/{f['id']}")).json())["status"] == \
        "cancelled"
    scheduled = (await (await client.get(f"/api/contacts/{ids['contact']}/followups"
                                        "?status=scheduled")).json())["items"]
    assert [x["id"] for x in scheduled] == [f["id"] + 1]


async def test_strategy_and_suppression_api(env):
    client, dialer, ids = env
    account_url = f"/api/accounts/{ids['account']}"
    strategy = await (await client.get(f"{account_url}/on-demand-strategy")).json()
    assert strategy["passes"] == ["preview"] and strategy["followups_compatible"] is True
    resp = await client.put(f"{account_url}/on-demand-strategy", json={"passes": ["sms"]})
    assert resp.status == 400
    assert_error(await resp.json(), "passes")

    resp = await client.post(f"{account_url}/suppression-lists",
                             json={"name": "DNC", "kind": "device"})
    assert resp.status == 201
    dnc = await resp.json()
    resp = await client.post(f"{account_url}/suppression-lists",
                             json={"name": "DNC", "kind": "device"})
    assert resp.status == 409
    assert_error(await resp.json(), "name")
    resp = await client.post(f"/api/suppression-lists/{dnc['id']}/entries",
                             json={"values": ["(212) 555-0101", "nope"]})
    added = await resp.json()
    assert resp.status == 200 and added["added"] == 1 and added["errors"][0]["index"] == 1
    entries = await (await client.get(f"/api/suppression-lists/{dnc['id']}/entries")).json()
    assert entries["values"] == [ANN]

    check = f"{account_url}/suppression-check?phone=212-555-0101"
    assert (await (await client.get(check)).json())["suppressed"] is False
    resp = await client.post(f"{account_url}/on-demand-strategy/suppression-lists/{dnc['id']}")
    assert resp.status == 200 and (await resp.json())["on_demand"] is True
    body = await (await client.get(check)).json()
    assert body["suppressed"] is True and body["reason"] == f"{ANN} is on do-not-call list 'DNC'"
    resp = await client.post(f"/api/agents/{ids['agent']}/followups",
                             json={"contact_id": ids["contact"],
                                   "local_time": "2025-06-03T10:00"})
    assert resp.status == 409
    assert_error(await resp.json(), "contact_id")
    resp = await client.post(f"/api/agents/{ids['agent']}/manual-dial/check",
                             json={"number": "(212) 555-0101"})
    assert resp.status == 409
    assert_error(await resp.json(), "number")
    resp = await client.post(f"/api/agents/{ids['agent']}/manual-dial/check",
                             json={"number": "(212) 555-0102"})
    assert resp.status == 200 and (await resp.json())["number"] == "+12125550102"

    campaign_link = f"/api/campaigns/{ids['campaign']}/suppression-lists/{dnc['id']}"
    assert (await (await client.post(campaign_link)).json())["campaign_ids"] == \
        [ids["campaign"]]
    body = await (await client.get(f"{check}&campaign_id={ids['campaign']}")).json()
    assert body["suppressed"] is True
    resp = await client.delete(f"/api/suppression-lists/{dnc['id']}")
    assert resp.status == 409
    assert_error(await resp.json(), "id")
    await client.delete(campaign_link)
    await client.delete(f"{account_url}/on-demand-strategy/suppression-lists/{dnc['id']}")
    resp = await client.post(f"/api/suppression-lists/{dnc['id']}/entries/remove",
                             json={"values": [ANN]})
    assert (await resp.json())["removed"] == 1
    resp = await client.patch(f"/api/suppression-lists/{dnc['id']}", json={"name": "Old"})
    assert (await resp.json())["name"] == "Old"
    assert (await client.delete(f"/api/suppression-lists/{dnc['id']}")).status == 200
    assert (await (await client.get(f"{account_url}/suppression-lists")).json())["items"] == []


async def test_scripts_answers_dispositions_timeline_api(env):
    client, dialer, ids = env
    definition = [{"id": "plan", "type": "choice", "label": "Plan",
                   "options": ["basic", "gold"], "required": True},
                  {"id": "notes", "type": "free", "label": "Notes"}]
    resp = await client.post(f"/api/accounts/{ids['account']}/scripts",
                             json={"name": "Sales", "definition": [{"id": "a"}]})
    assert resp.status == 400
    assert_error(await resp.json(), "definition[0].type")
    resp = await client.post(f"/api/accounts/{ids['account']}/scripts",
                             json={"name": "Sales", "definition": definition,
                                   "dispositions": ["sale", "callback"]})
    assert resp.status == 201
    script = await resp.json()
    resp = await client.patch(f"/api/scripts/{script['id']}", json={"name": "Sales v2"})
    assert (await resp.json())["name"] == "Sales v2"
    assert [s["id"] for s in (await (await client.get(
        f"/api/accounts/{ids['account']}/scripts")).json())["items"]] == [script["id"]]
    attempt_url = f"/api/attempts/{ids['attempt']}"
    shown = await (await client.get(f"{attempt_url}/script")).json()
    assert shown["script"] is None and [d["code"] for d in shown["dispositions"]] == [
        "done", "callback", "not_interested", "wrong_number", "do-not-call"]

    resp = await client.put(f"{attempt_url}/answers", json={"answers": {"plan": "gold"}})
    assert resp.status == 409  # the campaign has no script yet
    await dialer.store.run(lambda: Campaign.update(script=script["id"]).execute())
    assert (await (await client.get(f"{attempt_url}/script")).json())["script"]["id"] == \
        script["id"]
    resp = await client.put(f"{attempt_url}/answers", json={"answers": {"plan": "platinum"}})
    assert resp.status == 400
    assert_error(await resp.json(), "answers.plan")
    resp = await client.put(f"{attempt_url}/answers", json={"answers": {"notes": "x"},
                                                           "partial": "yes"})
    assert_error(await resp.json(), "partial")
    resp = await client.put(f"{attempt_url}/answers",
                            json={"answers": {"plan": "gold", "notes": "Wants TV"},
                                  "agent_id": ids["agent"]})
    assert resp.status == 200 and (await resp.json())["answers"]["plan"] == "gold"

    resp = await client.put(f"{attempt_url}/disposition", json={"disposition": "maybe"})
    assert resp.status == 400
    assert_error(await resp.json(), "disposition")
    dialer.clock = lambda: NOW + dt.timedelta(minutes=1)
    await dialer.store.run(lambda: CampaignContact.create(  # moved on at the hangup
        campaign=ids["campaign"], contact=ids["contact"], attempts=1, state="completed"))
    resp = await client.put(f"{attempt_url}/disposition", json={"disposition": "callback"})
    result = await resp.json()
    assert resp.status == 200, result
    assert result["ended"] is True and result["disposition"] == "callback" and result["next_state"] == "rescheduled"

    found = (await (await client.get(f"/api/contacts/{ids['contact']}/answers"
                                     "?item_id=notes&value=tv")).json())["items"]
    assert [a["attempt_id"] for a in found] == [ids["attempt"]]
    found = (await (await client.get(f"/api/script-answers?agent_id={ids['agent']}"
                                     "&since=2025-06-02T11:00:00Z"
                                     "&until=2025-06-02T13:00:00%2B00:00")).json())["items"]
    assert [a["disposition"] for a in found] == ["callback"]
    resp = await client.get("/api/script-answers")
    assert resp.status == 400
    assert_error(await resp.json(), "contact_id")
    resp = await client.get("/api/script-answers?agent_id=1&since=yesterday")
    assert_error(await resp.json(), "since")

    timeline = await (await client.get(f"/api/contacts/{ids['contact']}/timeline")).json()
    assert [e["kind"] for e in timeline["events"]] == ["attempt", "script_answers",
                                                       "disposition"]
    assert timeline["events"][2]["at"] == "2025-06-02T12:01:00+00:00"
    assert (await client.get("/api/contacts/999/timeline")).status == 404
    resp = await client.delete(f"/api/scripts/{script['id']}")
    assert resp.status == 409


async def test_an_agent_not_logged_in_is_a_404_and_a_stray_key_error_no_longer_is(env):
    """Domain NotFoundError maps to a JSON 404 at the edge; a KeyError is a bug (500)."""
    client, dialer, ids = env
    dialer.agents = AgentSessions(None, dialer.store, "dialer")
    resp = await client.post(f"/api/agents/{ids['agent']}/ready")
    assert resp.status == 404
    assert_error(await resp.json(), "id")

    def broken(agent_id: int) -> dict:
        return {}["preview"]
    dialer.agents.describe = broken
    assert (await client.get(f"/api/agents/{ids['agent']}/preview")).status == 500


async def test_manual_dial_and_followups_refused_for_a_do_not_call_list(env):
    client, _, ids = env
    resp = await client.post("/api/dnc-lists", json={"name": "opt-outs", "scope": "account",
                                                     "format": "e164"})
    dnc = (await resp.json())["id"]
    resp = await client.put(f"/api/dnc-lists/{dnc}/numbers", data=f"{ANN}\n".encode())
    assert resp.status == 202
    for _ in range(200):
        if (await (await client.get(f"/api/dnc-lists/{dnc}")).json())["status"] == "ready":
            break
        await asyncio.sleep(0.05)
    resp = await client.post(f"/api/agents/{ids['agent']}/manual-dial/check",
                             json={"number": "(212) 555-0101"})
    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "number")
    assert body["error"]["message"] == f"{ANN} is on do-not-call list 'opt-outs'"
    resp = await client.post(f"/api/agents/{ids['agent']}/followups",
                             json={"contact_id": ids["contact"], "local_time": "2025-06-03T10:00"})
    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "contact_id")
    assert "do-not-call list 'opt-outs'" in body["error"]["message"]
