"""Admin REST endpoints against a real Store over a temporary SQLite database."""

from __future__ import annotations

import aiohttp
import pytest

from dialer.db import Store, migrate, open_database
from dialer.db.models import Account, CampaignContact, Contact, ServicePlan
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

CSV = ("Name,Phone,Client,Tier\n"
       "Ann,+12125550101,A1,gold\n"
       "Bob,12,B1,silver\n"
       "Cid,+12125550103,C1,gold\n")
MAPPING = {"Name": "name", "Phone": "phone", "Client": "client_id", "Tier": "field:tier"}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base", max_unarchived_campaigns=1)
    account = Account.create(name="Acme", company_number="+12125550100", plan=plan)
    headers = bearer(account.id)
    db.close()  # the Store's thread owns the connection from here on
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)), headers=headers)
    yield client, account.id, plan.id
    await store.close()


def assert_error(body: dict, field: str) -> None:
    assert set(body) == {"error"} and body["error"]["field"] == field
    assert body["error"]["message"]


async def test_plans_crud_and_disable_conflict(env):
    client, account_id, base_id = env
    resp = await client.post("/api/plans", json={"name": "gold", "window_start": "09:00",
                                                 "window_stop": "20:00",
                                                 "max_attempts_per_hour": 50})
    assert resp.status == 201
    gold = await resp.json()
    assert gold["window_start"] == "09:00" and gold["enabled"] is True

    resp = await client.post("/api/plans", json={"name": "bad", "window_start": "9am",
                                                 "window_stop": "20:00"})
    assert resp.status == 400
    assert_error(await resp.json(), "window_start")
    resp = await client.post("/api/plans", json={"name": "bad", "max_agent_groups": -2})
    assert resp.status == 400
    assert_error(await resp.json(), "max_agent_groups")
    resp = await client.post("/api/plans", json={"name": "gold"})
    assert resp.status == 409
    assert_error(await resp.json(), "name")

    resp = await client.patch(f"/api/plans/{gold['id']}", json={"window_stop": "21:00"})
    assert resp.status == 200 and (await resp.json())["window_stop"] == "21:00"
    resp = await client.patch("/api/plans/999", json={"training": True})
    assert resp.status == 404

    resp = await client.post(f"/api/plans/{base_id}/disable")  # the account uses it
    assert resp.status == 409
    body = await resp.json()
    assert_error(body, "enabled")
    assert "1 account" in body["error"]["message"]
    resp = await client.patch(f"/api/plans/{base_id}", json={"enabled": False})
    assert resp.status == 409

    resp = await client.post(f"/api/plans/{gold['id']}/disable")
    assert resp.status == 200 and (await resp.json())["enabled"] is False
    names = [p["name"] for p in (await (await client.get("/api/plans")).json())["items"]]
    assert names == ["base"]
    every = (await (await client.get("/api/plans?include_disabled=1")).json())["items"]
    assert [(p["name"], p["accounts"]) for p in every] == [("base", 1), ("gold", 0)]


async def test_campaign_creation_limit_clone_caller_ids_rules(env):
    client, account_id, _ = env
    resp = await client.post(f"/api/accounts/{account_id}/campaigns",
                             json={"name": "c", "mode": "telepathic"})
    assert resp.status == 400
    assert_error(await resp.json(), "mode")
    resp = await client.post(f"/api/accounts/{account_id}/campaigns",
                             json={"name": "c", "account_id": 5})
    assert resp.status == 400
    assert_error(await resp.json(), "account_id")
    resp = await client.post(f"/api/accounts/{account_id}/campaigns", data="[1]")
    assert resp.status == 400
    assert_error(await resp.json(), "body")
    resp = await client.post("/api/accounts/999/campaigns", json={"name": "c"})
    assert resp.status == 404

    resp = await client.post(f"/api/accounts/{account_id}/campaigns",
                             json={"name": "c", "mode": "preview", "daily_start": "09:00",
                                   "daily_stop": "17:00"})
    assert resp.status == 201
    campaign = await resp.json()
    assert campaign["status"] == "draft" and campaign["daily_stop"] == "17:00"
    resp = await client.post(f"/api/accounts/{account_id}/campaigns", json={"name": "d"})
    assert resp.status == 409
    assert_error(await resp.json(), "max_unarchived_campaigns")

    cid = campaign["id"]
    resp = await client.post(f"/api/campaigns/{cid}/caller-ids", json={"number": "212 555 0100"})
    assert resp.status == 201 and (await resp.json())["number"] == "+12125550100"
    resp = await client.post(f"/api/campaigns/{cid}/caller-ids", json={"number": "+12125550100"})
    assert resp.status == 409
    assert_error(await resp.json(), "number")
    resp = await client.post(f"/api/campaigns/{cid}/caller-ids", json={"number": "abc"})
    assert resp.status == 400
    assert_error(await resp.json(), "number")

    resp = await client.post(f"/api/campaigns/{cid}/rules",
                             json={"condition": {"outcomes": ["busy"]}, "action": "call_again",
                                   "params": {"after_minutes": 5}})
    assert resp.status == 201 and (await resp.json())["position"] == 0
    resp = await client.post(f"/api/campaigns/{cid}/rules", json={"action": "explode"})
    assert resp.status == 400
    assert_error(await resp.json(), "action")
    resp = await client.post(f"/api/campaigns/{cid}/rules",
                             json={"action": "complete", "colour": "red"})
    assert resp.status == 400
    assert_error(await resp.json(), "colour")

    url = f"/api/campaigns/{cid}"
    resp = await client.patch(url, json={"mode": "predictive", "max_lines_per_agent": 2.5,
                                         "daily_start": "10:00"})
    assert resp.status == 200
    changed = await resp.json()
    assert (changed["mode"], changed["daily_start"], changed["daily_stop"]) == \
        ("predictive", "10:00", "17:00")
    resp = await client.patch(url, json={"daily_stop": None})  # start without stop
    assert resp.status == 400
    assert_error(await resp.json(), "daily_stop")
    resp = await client.patch(url, json={"status": "running"})  # not a setting
    assert_error(await resp.json(), "status")
    resp = await client.patch(url, json={"agent_group_id": 999})
    assert_error(await resp.json(), "agent_group_id")
    assert (await (await client.get(url)).json())["mode"] == "predictive"  # nothing half-done
    resp = await client.patch(url, json={"inbound_service_percent": 90,
                                         "inbound_service_seconds": 15})
    assert resp.status == 200
    changed = await resp.json()
    assert (changed["inbound_service_percent"], changed["inbound_service_seconds"]) == (90, 15)
    for name, bad in (("inbound_service_percent", 101), ("inbound_service_percent", "80%"),
                      ("inbound_service_seconds", 0), ("inbound_service_seconds", 2.5)):
        resp = await client.patch(url, json={name: bad})
        assert resp.status == 400, (name, bad)
        assert_error(await resp.json(), name)

    resp = await client.post(f"/api/campaigns/{cid}/clone", json={"name": "copy"})
    assert resp.status == 409  # the plan allows one unarchived campaign
    assert_error(await resp.json(), "max_unarchived_campaigns")
    await client.post(f"/api/campaigns/{cid}/terminate")
    await client.post(f"/api/campaigns/{cid}/archive")
    resp = await client.post(f"/api/campaigns/{cid}/clone", json={"name": "copy"})
    assert resp.status == 201
    copy = await resp.json()
    assert (copy["status"], copy["caller_ids"], copy["rules"]) == ("draft", 1, 1)
    resp = await client.patch(url, json={"name": "renamed"})
    assert resp.status == 409  # archived
    assert_error(await resp.json(), "status")
    resp = await client.post(f"/api/campaigns/{cid}/clone", json={})
    assert resp.status in (400, 409)



async def test_a_caller_id_comes_off_but_a_running_campaign_keeps_one(env):
    client, account_id, _ = env
    cid = (await (await client.post(f"/api/accounts/{account_id}/campaigns",
                                    json={"name": "c"})).json())["id"]
    numbers = [(await (await client.post(f"/api/campaigns/{cid}/caller-ids",
                                         json={"number": n})).json())["id"]
               for n in ("+12125550101", "+12125550102")]
    assert (await client.post(f"/api/campaigns/{cid}/start")).status == 200
    resp = await client.delete(f"/api/campaigns/{cid}/caller-ids/{numbers[0]}")
    assert resp.status == 200 and (await resp.json())["caller_id"]["number"] == "+12125550101"
    resp = await client.delete(f"/api/campaigns/{cid}/caller-ids/{numbers[1]}")
    assert resp.status == 409  # it would dial without a caller id
    assert_error(await resp.json(), "caller_id_id")
    resp = await client.delete(f"/api/campaigns/{cid}/caller-ids/{numbers[0]}")
    assert resp.status == 404  # gone already
    assert_error(await resp.json(), "caller_id_id")
    listed = await (await client.get(f"/api/campaigns/{cid}/caller-ids")).json()
    assert [c["number"] for c in listed["items"]] == ["+12125550102"]
    await client.post(f"/api/campaigns/{cid}/suspend")
    assert (await client.delete(f"/api/campaigns/{cid}/caller-ids/{numbers[1]}")).status == 200
    audit = await (await client.get(f"/api/accounts/{account_id}/audit")).json()
    assert sum(e["kind"] == "campaign" and e["object_id"] == cid for e in audit["items"]) >= 4

async def test_import_json_and_multipart_then_filters(env):
    client, account_id, _ = env
    campaign = await (await client.post(f"/api/accounts/{account_id}/campaigns",
                                        json={"name": "c"})).json()
    resp = await client.post(f"/api/accounts/{account_id}/contacts/import",
                             json={"csv": CSV, "mapping": {"Telephone": "phone"},
                                   "list_name": "x", "default_region": "US"})
    assert resp.status == 400
    assert_error(await resp.json(), "phone")
    resp = await client.post(f"/api/accounts/{account_id}/contacts/import",
                             json={"csv": CSV, "mapping": MAPPING, "list_name": "x",
                                   "default_region": "USA"})
    assert resp.status == 400
    assert_error(await resp.json(), "default_region")

    resp = await client.post(f"/api/accounts/{account_id}/contacts/import",
                             json={"csv": CSV, "mapping": MAPPING, "list_name": "spring",
                                   "default_region": "US", "campaign_id": campaign["id"]})
    assert resp.status == 201
    result = await resp.json()
    assert (result["created"], result["merged"], result["attached"]) == (2, 0, 2)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(3, "phone")]

    form = aiohttp.FormData()
    form.add_field("file", ("Name,Phone,Client,Tier\nAnn,+12125550199,A1,\n"
                            "Dan,07911 123456,D1,gold\n").encode(),
                   filename="more.csv", content_type="text/csv")
    form.add_field("mapping", '{"Name": "name", "Phone": "phone", "Client": "client_id",'
                              ' "Tier": "field:tier"}')
    form.add_field("list_name", "more")
    form.add_field("default_region", "GB")
    form.add_field("campaign_id", str(campaign["id"]))
    resp = await client.post(f"/api/accounts/{account_id}/contacts/import", data=form)
    assert resp.status == 201
    result = await resp.json()
    assert (result["created"], result["merged"], result["attached"]) == (1, 1, 1)
    assert result["errors"] == []

    resp = await client.post(f"/api/accounts/{account_id}/filters",
                             json={"name": "g", "definition": {"all": [
                                 {"field": "fields.tier", "op": "zz", "value": "gold"}]}})
    assert resp.status == 400
    assert_error(await resp.json(), "definition")
    resp = await client.post(f"/api/accounts/{account_id}/filters",
                             json={"name": "uk gold", "definition": {"all": [
                                 {"field": "fields.tier", "op": "eq", "value": "gold"},
                                 {"field": "phone_prefix", "op": "startswith", "value": "+44"}]}})
    assert resp.status == 201
    f = await resp.json()
    body = await (await client.get(f"/api/filters/{f['id']}/contacts")).json()
    dan = Contact.get(Contact.client_id == "D1").id
    dan_shown = {"id": dan, "name": "Dan", "email": None, "client_id": "D1"}
    assert body == {"filter_id": f["id"], "count": 1, "contact_ids": [dan],
                    "contacts": [dan_shown]}
    assert (await client.get("/api/filters/999/contacts")).status == 404

    other = await (await client.post("/api/plans", json={"name": "p"})).json()
    assert other["id"]
    resp = await client.post(f"/api/campaigns/{campaign['id']}/filters/{f['id']}")
    assert resp.status == 200
    assert (await resp.json())["attached"] == 0  # Dan came in with the import
    assert CampaignContact.select().count() == 3
    resp = await client.post(f"/api/campaigns/{campaign['id']}/filters/abc")
    assert resp.status == 400
    assert_error(await resp.json(), "filter_id")
