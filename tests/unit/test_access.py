"""Sign-in, CSRF, privileges and profiles over the real app (dialer.web.access)."""

from __future__ import annotations

import pytest

from dialer.core.tz import utc_now
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, Agent, Campaign, ServicePlan, User
from dialer.web.access import rule_for
from dialer.web.app import create_app
from dialer.web.common import DIALER
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer


def test_every_route_has_an_access_rule():
    app = create_app(FakeDialer(None))
    missing = [(r.method, r.resource.canonical) for r in app.router.routes()
               if r.resource.canonical.startswith("/api/") and r.method != "HEAD"
               and rule_for(r.method, r.resource.canonical) is None]
    assert missing == []


def test_rules_for_some_routes():
    assert rule_for("GET", "/api/health") == "public"
    assert rule_for("POST", "/api/plans") == "manage_system"
    assert rule_for("GET", "/api/campaigns/{id}/progress") == "manage_campaigns"
    assert rule_for("GET", "/api/accounts/{id}") == "member"
    assert rule_for("POST", "/api/campaigns/{id}/start") == "manage_campaigns"
    assert rule_for("POST", "/api/accounts/{id}/agents") == "manage_users"
    assert rule_for("PUT", "/api/accounts/{id}/ring-group") == "manage_inbound"
    assert rule_for("POST", "/api/agents/{id}/login") == "own_agent|manage_users"
    assert rule_for("GET", "/api/agents/{id}") == "own_agent|manage_users|manage_campaigns"
    assert rule_for("PUT", "/api/attempts/{id}/disposition") == "call_agent"
    assert rule_for("POST", "/api/nowhere") is None


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan)
    other = Account.create(name="Other", plan=plan)
    spring = Campaign.create(account=acme, name="spring")
    autumn = Campaign.create(account=acme, name="autumn")
    elsewhere = Campaign.create(account=other, name="theirs")
    narrow = roles.create_profile(acme.id, "spring only", False, [spring.id])
    auth.create_user(acme.id, username="boss", password="password1", role="admin")
    auth.create_user(acme.id, username="nopass", role="agent")  # no password: no sign-in
    auth.create_user(acme.id, username="manager", password="password1",
                     role="campaign manager", profile_id=narrow["id"])
    for name in ("ann", "bob"):
        user = auth.create_user(acme.id, username=name, password="password1", role="agent")
        Agent.create(user=user["id"], endpoint=f"PJSIP/{name}")
    ids = {"acme": acme.id, "spring": spring.id, "autumn": autumn.id,
           "elsewhere": elsewhere.id,
           "ann": Agent.get(Agent.endpoint == "PJSIP/ann").id,
           "bob": Agent.get(Agent.endpoint == "PJSIP/bob").id}
    db.close()
    store = Store(db)
    dialer = FakeDialer(store)
    yield aiohttp_client, create_app(dialer), ids
    await store.close()


async def sign_in(aiohttp_client, app, username):
    client = await aiohttp_client(app)
    resp = await client.post("/api/session", json={"username": username,
                                                   "password": "password1"})
    assert resp.status == 200, await resp.text()
    return client, (await resp.json())["csrf"]


async def test_sign_in_sessions_and_csrf(env):
    aiohttp_client, app, ids = env
    client = await aiohttp_client(app)
    assert (await client.get("/api/plans")).status == 401
    resp = await client.post("/api/session", json={"username": "boss", "password": "nope"})
    assert resp.status == 400
    assert_error(await resp.json(), "password")
    resp = await client.post("/api/session", json={"username": "ghost", "password": "nope"})
    assert_error(await resp.json(), "password")  # the same answer for an unknown user
    for password in ("", "!", None):
        resp = await client.post("/api/session", json={"username": "nopass",
                                                       "password": password})
        assert resp.status == 400

    client, csrf = await sign_in(aiohttp_client, app, "boss")
    me = await (await client.get("/api/session")).json()
    assert me["username"] == "boss" and "manage_system" in me["privileges"]
    resp = await client.post("/api/plans", json={"name": "gold"})
    assert resp.status == 403
    assert_error(await resp.json(), "csrf")  # a change without the token is refused
    resp = await client.post("/api/plans", json={"name": "gold"}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 201
    resp = await client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert resp.status == 200
    assert (await client.get("/api/plans")).status == 401


async def test_passwords_are_stored_as_argon2id_hashes(env):
    aiohttp_client, app, ids = env
    stored = await app[DIALER].store.run(
        lambda: User.get(User.username == "boss").password_hash)
    assert stored.startswith("$argon2id$") and "password1" not in stored


async def test_a_profile_hides_campaigns_outside_it(env):
    aiohttp_client, app, ids = env
    client, csrf = await sign_in(aiohttp_client, app, "manager")
    listed = await (await client.get(f"/api/accounts/{ids['acme']}/campaigns")).json()
    assert [c["name"] for c in listed["items"]] == ["spring"]
    assert (await client.get(f"/api/campaigns/{ids['spring']}")).status == 200
    resp = await client.get(f"/api/campaigns/{ids['autumn']}")
    assert resp.status == 403
    assert_error(await resp.json(), "campaign")
    resp = await client.post(f"/api/campaigns/{ids['autumn']}/suspend",
                             headers={"X-CSRF-Token": csrf})
    assert resp.status == 403
    resp = await client.get(f"/api/campaigns/{ids['elsewhere']}")
    assert resp.status == 403
    assert_error(await resp.json(), "account")
    assert (await client.get("/api/campaigns/999999")).status == 404
    resp = await client.post("/api/plans", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 403
    assert_error(await resp.json(), "privilege")

    boss, _ = await sign_in(aiohttp_client, app, "boss")  # no profile: every campaign
    listed = await (await boss.get(f"/api/accounts/{ids['acme']}/campaigns")).json()
    assert {c["name"] for c in listed["items"]} == {"spring", "autumn"}


async def test_agents_act_on_their_own_agent_only(env):
    aiohttp_client, app, ids = env
    client, csrf = await sign_in(aiohttp_client, app, "ann")
    resp = await client.get(f"/api/agents/{ids['ann']}/followups")
    assert resp.status == 200
    resp = await client.get(f"/api/agents/{ids['bob']}/followups")
    assert resp.status == 403
    assert_error(await resp.json(), "agent")
    resp = await client.post(f"/api/campaigns/{ids['spring']}/start",
                             headers={"X-CSRF-Token": csrf})
    assert resp.status == 403
    assert_error(await resp.json(), "privilege")


async def test_api_tokens_need_no_csrf_and_inactive_users_are_out(env):
    aiohttp_client, app, ids = env
    store = app[DIALER].store
    boss_id = await store.run(lambda: User.get(User.username == "boss").id)
    token = (await store.run(auth.create_api_token, boss_id))["token"]
    client = await aiohttp_client(app, headers={"Authorization": f"Bearer {token}"})
    assert (await client.post("/api/plans", json={"name": "api"})).status == 201
    await store.run(auth.update_user, boss_id, active=False)
    assert (await client.get("/api/plans")).status == 401
    assert await store.run(auth.identify, token, "api", utc_now()) is None


def test_report_cells_are_never_spreadsheet_formulas():
    from dialer.web.console import spreadsheet_safe
    assert spreadsheet_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("-cmd") == "'-cmd" and spreadsheet_safe("+x") == "'+x"
    assert spreadsheet_safe("+12125550100") == "+12125550100"  # E.164 stays a number
    assert spreadsheet_safe("Ann Lee") == "Ann Lee" and spreadsheet_safe("") == ""
