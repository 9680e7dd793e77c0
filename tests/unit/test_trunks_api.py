"""Trunks over the REST API (issue 21): the system's admin defines them, an account's
campaign managers read those open to their account. From the attacker's side: an
account's supervisor cannot define or change one, another account's trunk is not theirs to
read, and no typed target can make Asterisk dial anything but the contact through one
PJSIP endpoint."""

from __future__ import annotations

import pytest

from dialer.db import Store, migrate, open_database
from dialer.db.models import Account, AuditEntry
from dialer.trunks import store as trunks
from dialer.web.app import create_app
from dialer.web.common import DIALER
from tests.unit.test_api_admin import assert_error
from tests.unit.test_webhooks_api import bearer
from tests.web_dialer import FakeDialer

pytestmark = pytest.mark.timeout(60)
US = "+12125550100"


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    acme, other = (Account.create(name=n) for n in ("acme", "other"))
    headers = {"system": bearer(acme.id, "admin", "root"),
               "supervisor": bearer(acme.id, "supervisor", "sup"),
               "manager": bearer(acme.id, "campaign manager", "manager"),
               "agent": bearer(acme.id, "agent", "agent"),
               "stranger": bearer(other.id, "campaign manager", "stranger")}
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)))
    yield client, store, headers, {"acme": acme.id, "other": other.id}
    await store.close()


async def _create(client, h, **body) -> dict:
    resp = await client.post("/api/trunks", headers=h, json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_define_read_change_and_delete_a_trunk(env):
    client, store, h, ids = env
    made = await _create(client, h["system"], name="carrier A", target="PJSIP/carrier",
                         priority=10, max_channels=30, max_cps=5, destinations=["US", "+1"],
                         cost_per_minute="0.0125")
    assert made["target"] == "carrier" and made["destinations"] == ["+1", "US"]
    assert made["cost_per_minute"] == "0.0125" and made["account_ids"] is None
    resp = await client.patch(f"/api/trunks/{made['id']}", headers=h["system"],
                              json={"target": "PJSIP/00{digits}@carrier-b", "weight": 3,
                                    "account_ids": [ids["acme"]]})
    changed = await resp.json()
    assert resp.status == 200 and changed["target"] == "PJSIP/00{digits}@carrier-b"
    assert changed["account_ids"] == [ids["acme"]] and changed["weight"] == 3
    [routed] = await store.run(trunks.routable_trunks)
    assert routed.target.dial_string(US) == "PJSIP/0012125550100@carrier-b"
    assert routed.account_ids == frozenset({ids["acme"]}) and routed.max_cps == 5
    resp = await client.delete(f"/api/trunks/{made['id']}", headers=h["system"])
    assert resp.status == 200 and await store.run(trunks.routable_trunks) == ()
    kinds = await store.run(lambda: [(e.before is None, e.after is None) for e in AuditEntry
                                     .select().where(AuditEntry.kind == "trunk")
                                     .order_by(AuditEntry.id)])
    assert kinds == [(True, False), (False, False), (False, True)]  # made, changed, gone


async def test_an_account_reads_the_trunks_open_to_it_only(env):
    client, _, h, ids = env
    shared = await _create(client, h["system"], name="shared", target="carrier")
    ours = await _create(client, h["system"], name="ours", target="ours",
                         account_ids=[ids["acme"]])
    theirs = await _create(client, h["system"], name="theirs", target="theirs",
                           account_ids=[ids["other"]])
    listed = await (await client.get("/api/trunks", headers=h["manager"])).json()
    assert {t["name"] for t in listed["items"]} == {"shared", "ours"}
    listed = await (await client.get("/api/trunks", headers=h["stranger"])).json()
    assert {t["name"] for t in listed["items"]} == {"shared", "theirs"}
    everything = await (await client.get("/api/trunks", headers=h["system"])).json()
    assert everything["total"] == 3
    assert everything["items"][0]["health"] == {"state": "closed", "failures": 0,
                                                "offline": False, "healthy": True}
    for trunk, status in ((shared, 200), (ours, 200), (theirs, 403)):
        resp = await client.get(f"/api/trunks/{trunk['id']}", headers=h["manager"])
        assert resp.status == status, (trunk["name"], await resp.text())
    assert_error(await (await client.get(f"/api/trunks/{theirs['id']}",
                                         headers=h["manager"])).json(), "account")
    resp = await client.get(f"/api/trunks/{ours['id']}", headers=h["agent"])
    assert resp.status == 403


@pytest.mark.parametrize("role", ["supervisor", "manager", "agent", "stranger"])
async def test_only_the_system_defines_or_changes_trunks(env, role):
    client, store, h, _ = env
    made = await _create(client, h["system"], name="carrier", target="carrier")
    attempts = [client.post("/api/trunks", headers=h[role],
                            json={"name": "mine", "target": "PJSIP/evil"}),
                client.patch(f"/api/trunks/{made['id']}", headers=h[role],
                             json={"target": "PJSIP/evil", "account_ids": None}),
                client.delete(f"/api/trunks/{made['id']}", headers=h[role])]
    for attempt in attempts:
        resp = await attempt
        assert resp.status == 403
        assert_error(await resp.json(), "privilege")
    [left] = await store.run(trunks.routable_trunks)
    assert left.target.endpoint == "carrier"


@pytest.mark.parametrize("target", [
    "carrier&PJSIP/+15550001111@evil", "Local/666@default", "PJSIP/{e164}@carrier,30,D(1)",
    "PJSIP/carrier/sip:+15550001111@evil.example", "PJSIP/+15550001111@carrier",
    "PJSIP/{e164}@carrier&Local/1@x", "carrier\r\nAction: Originate", 42, None, ["carrier"],
])
async def test_a_target_that_would_dial_something_else_is_refused(env, target):
    client, store, h, _ = env
    resp = await client.post("/api/trunks", headers=h["system"],
                             json={"name": "evil", "target": target})
    assert resp.status == 400
    assert_error(await resp.json(), "target")
    assert await store.run(trunks.routable_trunks) == ()


@pytest.mark.parametrize("field, value", [
    ("priority", -1), ("weight", 0), ("max_channels", 0), ("max_cps", "2"),
    ("destinations", ["44"]), ("destinations", "US"), ("destinations", ["ZZ"]),
    ("cost_per_minute", "-1"), ("cost_per_minute", "NaN"), ("cost_per_minute", True),
    ("account_ids", []), ("account_ids", [999]), ("account_ids", [True]), ("enabled", "yes"),
    ("name", ""), ("colour", "red"),
])
async def test_bad_fields_are_named(env, field, value):
    client, _, h, _ = env
    resp = await client.post("/api/trunks", headers=h["system"],
                             json={"name": "t", "target": "carrier", field: value})
    assert resp.status == 400, await resp.text()
    assert_error(await resp.json(), field)


class OfflineEndpoints:
    """ARI saying every endpoint is offline (its AOR stopped answering OPTIONS)."""

    async def request(self, method: str, path: str) -> dict:
        return {"technology": "PJSIP", "resource": path.rsplit("/", 1)[1], "state": "offline"}


async def test_the_health_is_the_breakers(env):
    client, store, h, _ = env
    made = await _create(client, h["system"], name="carrier", target="carrier")
    trunks = client.server.app[DIALER].trunks
    for _ in range(3):
        await trunks.leg_ended(made["id"], "gone", healthy=False)
    await trunks.read_endpoint_states(OfflineEndpoints())
    one = await (await client.get(f"/api/trunks/{made['id']}", headers=h["manager"])).json()
    assert one["health"] == {"state": "open", "failures": 3, "offline": True, "healthy": False}


async def test_names_are_unique(env):
    client, _, h, _ = env
    await _create(client, h["system"], name="carrier", target="carrier")
    resp = await client.post("/api/trunks", headers=h["system"],
                             json={"name": "carrier", "target": "other"})
    assert resp.status == 409
    assert_error(await resp.json(), "name")


async def test_the_wallboard_shows_the_trunks_open_to_the_account(env):
    client, _, h, ids = env
    trunks = client.server.app[DIALER].trunks
    await trunks.trunks()
    assert [t.name for t in trunks.health(ids["acme"])] == ["default"]  # the config's
    await _create(client, h["system"], name="ours", target="ours", account_ids=[ids["acme"]])
    await _create(client, h["system"], name="theirs", target="theirs", priority=1,
                  account_ids=[ids["other"]])  # read again at once: no wait
    assert [t.as_json()["name"] for t in trunks.health(ids["acme"])] == ["ours"]
    assert [t.name for t in trunks.health()] == ["theirs", "ours"]
