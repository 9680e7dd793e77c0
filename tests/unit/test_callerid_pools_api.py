"""Caller-ID pools over the REST API and in the database (issue 21): an account's campaign
managers define them and read each number's figures; the daily cap is counted in the
database, the campaign's own pool goes before the account's, numbers answered well below
the pool rest. From the attacker's side: another account's pool is not theirs (403 on the
pool, 404 on a number of another pool through their own), an agent is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.callerids import store as pools
from dialer.callerids.choice import EXHAUSTED, Chosen, Exhausted
from dialer.db import Store, campaigns, migrate, open_database
from dialer.db.models import Account, Attempt, AuditEntry, Campaign, Contact
from dialer.inbound import store as inbound
from dialer.web.app import create_app
from tests.unit.test_api_admin import assert_error
from tests.unit.test_webhooks_api import bearer
from tests.web_dialer import FakeDialer

pytestmark = pytest.mark.timeout(60)
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    acme, other = (Account.create(name=n) for n in ("acme", "other"))
    spring = Campaign.create(account=acme, name="spring")
    theirs = Campaign.create(account=other, name="theirs")
    headers = {"manager": bearer(acme.id, "campaign manager", "manager"),
               "agent": bearer(acme.id, "agent", "agent"),
               "stranger": bearer(other.id, "campaign manager", "stranger")}
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, clock=lambda: NOW)))
    yield client, store, headers, {"acme": acme.id, "other": other.id, "spring": spring.id,
                                   "theirs": theirs.id}
    await store.close()


async def _pool(client, h, account_id: int, numbers: list[str], **body) -> int:
    resp = await client.post(f"/api/accounts/{account_id}/caller-id-pools", headers=h,
                             json={"name": "local", **body})
    assert resp.status == 201, await resp.text()
    pool_id = (await resp.json())["id"]
    resp = await client.post(f"/api/caller-id-pools/{pool_id}/numbers", headers=h,
                             json={"numbers": numbers})
    assert resp.status == 201, await resp.text()
    return pool_id


async def test_define_a_pool_pick_local_numbers_and_read_their_figures(env):
    client, store, h, ids = env
    pool_id = await _pool(client, h["manager"], ids["acme"],
                          ["(212) 555-0150", "+13125550150", "+14155550150"], daily_cap=2)
    chosen = [await store.run(pools.pick, ids["spring"], ids["acme"], "+12125550199", NOW)
              for _ in range(3)]
    assert [c.number.number for c in chosen if isinstance(c, Chosen)] == [
        "+12125550150", "+12125550150", "+13125550150"]  # NY's cap of 2, then the next
    resp = await client.get(f"/api/caller-id-pools/{pool_id}/numbers", headers=h["manager"])
    figures = {n["number"]: n for n in (await resp.json())["items"]}
    assert figures["+12125550150"]["calls_today"] == 2 and figures["+12125550150"]["capped"]
    assert figures["+14155550150"]["calls_today"] == 0 and not figures["+14155550150"]["rested"]
    resp = await client.get(f"/api/caller-id-pools/{pool_id}", headers=h["manager"])
    assert (await resp.json())["numbers"] == 3
    next_day = NOW + dt.timedelta(days=1)  # the cap is the day's
    again = await store.run(pools.pick, ids["spring"], ids["acme"], "+12125550199", next_day)
    assert isinstance(again, Chosen) and again.number.number == "+12125550150"
    kinds = await store.run(lambda: AuditEntry.select().where(
        AuditEntry.kind == "caller_id_pool").count())
    assert kinds == 2  # made, numbers added


async def test_the_campaigns_pool_goes_before_the_accounts(env):
    client, store, h, ids = env
    await _pool(client, h["manager"], ids["acme"], ["+13125550150"])
    await _pool(client, h["manager"], ids["acme"], ["+13125550151"], campaign_id=ids["spring"],
                daily_cap=1)
    first = await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199", NOW)
    assert isinstance(first, Chosen) and first.number.number == "+13125550151"
    spent = await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199", NOW)
    assert isinstance(spent, Exhausted) and spent.code == EXHAUSTED  # not the account's
    resp = await client.post(f"/api/accounts/{ids['acme']}/caller-id-pools",
                             headers=h["manager"], json={"name": "again"})
    assert resp.status == 409  # one account pool
    assert_error(await resp.json(), "campaign_id")


async def test_an_exhausted_pool_is_the_campaigns_why_not(env):
    client, store, h, ids = env
    await _pool(client, h["manager"], ids["acme"], ["+13125550150"], daily_cap=1)
    await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199", NOW)

    def why() -> dict:
        contact = Contact.create(account=ids["acme"], name="Ann")
        from dialer.db.models import CampaignContact, ContactPhone
        ContactPhone.create(contact=contact, number="+13125550199")
        CampaignContact.create(campaign=ids["spring"], contact=contact)
        return campaigns.why_not(ids["spring"], contact.id, NOW)
    answer = await store.run(why)
    [reason] = [r for r in answer["reasons"] if r["code"] == EXHAUSTED]
    assert "daily cap of 1 calls" in reason["message"] and not answer["eligible"]


async def test_the_daily_cap_starts_again_at_the_accounts_midnight(env):
    """A pool's day is its account's: in New York, 22:00 and 23:59 are one day, 00:01 the
    next (04:59 and 05:01 UTC in winter)."""
    client, store, h, ids = env
    await store.run(lambda: Account.update(timezone="America/New_York").where(
        Account.id == ids["acme"]).execute())
    await _pool(client, h["manager"], ids["acme"], ["+13125550150"], daily_cap=1)
    evening = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.UTC)  # 22:00 on the 2nd in New York
    assert isinstance(await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199",
                                      evening), Chosen)
    before_midnight = dt.datetime(2026, 3, 3, 4, 59, tzinfo=dt.UTC)
    assert isinstance(await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199",
                                      before_midnight), Exhausted)
    after_midnight = dt.datetime(2026, 3, 3, 5, 1, tzinfo=dt.UTC)
    assert isinstance(await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199",
                                      after_midnight), Chosen)


async def test_a_number_answered_well_below_the_pool_is_rested_then_put_back(env):
    client, store, h, ids = env
    pool_id = await _pool(client, h["manager"], ids["acme"],
                          ["+13125550150", "+13125550151", "+13125550152"])

    def calls() -> None:
        contact = Contact.create(account=ids["acme"], name="Ann")
        for n, (number, answered) in enumerate(
                [("+13125550150", 3), ("+13125550151", 15), ("+13125550152", 15)]):
            for i in range(40):
                Attempt.create(campaign=ids["spring"], contact=contact, phone="+13125550199",
                               channel_id=f"c{n}-{i}", caller_id=number, started_at=NOW,
                               ended_at=NOW, outcome="human" if i < answered else "no_answer")
    await store.run(calls)
    chosen = await store.run(pools.pick, ids["spring"], ids["acme"], "+13125550199", NOW)
    assert isinstance(chosen, Chosen) and chosen.number.number == "+13125550151"
    resp = await client.get(f"/api/caller-id-pools/{pool_id}/numbers", headers=h["manager"])
    rested = {n["number"]: n for n in (await resp.json())["items"]}["+13125550150"]
    assert rested["rested"] and rested["answers_today"] == 3 and rested["answer_rate"] == 0.075
    assert "3/40 (8%) well below the pool's 28%" in rested["rested_why"]
    resp = await client.patch(f"/api/caller-id-pools/{pool_id}/numbers/{rested['id']}",
                              headers=h["manager"], json={"rested": False})
    assert resp.status == 200 and not (await resp.json())["rested"]


async def test_bad_input_is_a_clear_error(env):
    client, store, h, ids = env
    base = f"/api/accounts/{ids['acme']}/caller-id-pools"
    for body, field in (({"name": "x", "daily_cap": 0}, "daily_cap"),
                        ({"name": "x", "campaign_id": ids["theirs"]}, "campaign_id"),
                        ({}, "name"), ({"name": "x", "dial": 1}, "dial")):
        resp = await client.post(base, headers=h["manager"], json=body)
        assert resp.status == 400, body
        assert_error(await resp.json(), field)
    pool_id = await _pool(client, h["manager"], ids["acme"], ["+13125550150"])
    for numbers in (["not a number"], [], "+13125550150", ["+1312"]):
        resp = await client.post(f"/api/caller-id-pools/{pool_id}/numbers",
                                 headers=h["manager"], json={"numbers": numbers})
        assert resp.status == 400, numbers
        assert_error(await resp.json(), "numbers")


async def test_another_accounts_pool_and_an_agent_are_refused(env):
    client, store, h, ids = env
    pool_id = await _pool(client, h["manager"], ids["acme"], ["+13125550150"])
    theirs = await _pool(client, h["stranger"], ids["other"], ["+13125550160"])
    [number] = (await (await client.get(f"/api/caller-id-pools/{theirs}/numbers",
                                         headers=h["stranger"])).json())["items"]
    for method, url in (("GET", f"/api/caller-id-pools/{pool_id}"),
                        ("PATCH", f"/api/caller-id-pools/{pool_id}"),
                        ("DELETE", f"/api/caller-id-pools/{pool_id}"),
                        ("GET", f"/api/caller-id-pools/{pool_id}/numbers"),
                        ("POST", f"/api/caller-id-pools/{pool_id}/numbers"),
                        ("GET", f"/api/accounts/{ids['acme']}/caller-id-pools"),
                        ("POST", f"/api/accounts/{ids['acme']}/caller-id-pools")):
        resp = await client.request(method, url, headers=h["stranger"], json={})
        assert resp.status == 403, (method, url)
        resp = await client.request(method, url, headers=h["agent"], json={})
        assert resp.status == 403, (method, url, "agent")
    # their number through our own pool's URL: no such number in this pool
    for method in ("PATCH", "DELETE"):
        resp = await client.request(method, f"/api/caller-id-pools/{pool_id}/numbers/"
                                    f"{number['id']}", headers=h["manager"],
                                    json={"rested": False})
        assert resp.status == 404, method
    # nor may a pool be tied to their campaign
    resp = await client.patch(f"/api/caller-id-pools/{pool_id}", headers=h["manager"],
                              json={"campaign_id": ids["theirs"]})
    assert resp.status == 400
    assert (await (await client.get(f"/api/caller-id-pools/{theirs}/numbers",
                                    headers=h["stranger"])).json())["total"] == 1


async def test_a_call_to_a_pool_number_is_its_accounts_inbound_call(env):
    client, store, h, ids = env
    await _pool(client, h["manager"], ids["acme"], ["+13125550150"])
    plan = await store.run(inbound.ring_plan, "+13125550150", "+13125550199")
    assert plan is not None and plan.account_id == ids["acme"]
    assert await store.run(inbound.ring_plan, "+13125550151", "+13125550199") is None
