"""Issue 14, privileges: the exact attack of the issue, account roles, API tokens (expiry,
list, revoke), what agents read, and profiles wherever a campaign's object is named.

The app over a real SQLite database on a simulated clock, driven from the attacker's side.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.core import privileges as rules
from dialer.db import Store, auth, migrate, open_database, roles, suppression
from dialer.db.migrate import router
from dialer.db.models import (Account, Agent, Attempt, AuthToken, Campaign,
                              CampaignSuppression, Contact, Followup, Role, ServicePlan, User)
from dialer.web.app import create_app
from dialer.web.common import DIALER
from tests.unit.test_access import sign_in as access_sign_in
from tests.unit.test_api_admin import assert_error
from tests.unit.test_security import T0, Clock
from dialer.agents.previews import FollowupPreview, InboundCaller
from tests.web_dialer import FakeDialer, live_agents, put_on_call

SUPERVISOR = frozenset(roles.BUILTIN_ROLES["supervisor"])


# ---- the pure rule ------------------------------------------------------------------------
def reach(privileges, campaigns=None, account=1):
    return rules.Reach(account, frozenset(privileges), campaigns)


def test_the_rule_never_lets_anybody_reach_beyond_the_actor():
    boss = rules.Actor(1, reach(SUPERVISOR))
    admin = reach(["manage_system"])
    # the issue's attack: raise one's own role
    assert rules.user_change(boss, 1, reach(SUPERVISOR), admin, frozenset({"role"})) \
        == rules.Refusal("role", "you may only give roles whose privileges you hold")
    # act on a user who holds more: refused whatever the change
    for fields in ({"password"}, {"active"}, {"full_name"}):
        refused = rules.user_change(boss, 2, admin, admin, frozenset(fields))
        assert refused is not None and refused.field == "id"
    assert rules.token_action(boss, 2, admin).field == "id"
    # lower someone, change one's own name or password: fine
    assert rules.user_change(boss, 3, reach(["take_calls"]), reach([]),
                             frozenset({"role"})) is None
    assert rules.user_change(rules.Actor(4, reach(["take_calls"])), 4, reach(["take_calls"]),
                             reach(["take_calls"]), frozenset({"password"})) is None
    # ...but not one's own role without manage_users, even to lower it
    assert rules.user_change(rules.Actor(4, reach(["take_calls"])), 4, reach(["take_calls"]),
                             reach([]), frozenset({"role"})).field == "privilege"
    # profiles: a narrowed actor gives no wider profile, to others or to themselves
    narrow = rules.Actor(5, reach(SUPERVISOR, frozenset({7})))
    assert rules.user_change(narrow, 5, narrow.reach, reach(SUPERVISOR),
                             frozenset({"profile_id"})).field == "profile_id"
    assert rules.user_change(narrow, None, None, reach(["take_calls"], frozenset({7, 8})),
                             frozenset({"username"})).field == "profile_id"
    assert rules.profile_change(narrow.reach, frozenset({7}), None, is_new=False).field \
        == "campaign_ids"
    assert rules.profile_change(narrow.reach, None, frozenset({7}), is_new=False).field == "id"
    assert rules.profile_change(boss.reach, None, frozenset({7}), is_new=False,
                                holders=(admin,)).field == "id"  # narrowing the admin's
    assert rules.profile_change(boss.reach, None, frozenset({7}), is_new=False,
                                holders=(reach(["take_calls"]),)) is None
    # another account: only manage_system
    assert not rules.covers(reach(SUPERVISOR), reach([], account=2))
    assert rules.covers(admin, reach(SUPERVISOR, account=2))
    assert rules.role_grant(reach(SUPERVISOR), frozenset({"manage_system"})).field \
        == "privileges"


# ---- the app ------------------------------------------------------------------------------
@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme, other = (Account.create(name=n, plan=plan) for n in ("Acme", "Other"))
    spring, autumn = (Campaign.create(account=acme, name=n) for n in ("spring", "autumn"))
    narrow = roles.create_profile(acme.id, "spring only", False, [spring.id])
    ids = {"acme": acme.id, "other": other.id, "spring": spring.id, "autumn": autumn.id,
           "narrow": narrow["id"],
           "wide": roles.create_profile(acme.id, "everything", True, [])["id"]}
    for name, role, profile in (("root", "admin", None), ("sup", "supervisor", None),
                                ("nsup", "supervisor", narrow["id"]),
                                ("cm", "campaign manager", None), ("ann", "agent", None),
                                ("bob", "agent", None)):
        ids[name] = auth.create_user(acme.id, username=name, password="password1",
                                     role=role, profile_id=profile)["id"]
    ids["theirs"] = auth.create_user(other.id, username="theirs", role="supervisor")["id"]
    ids["cy"] = auth.create_user(acme.id, username="cy", role="agent")["id"]
    for name in ("ann", "bob", "cy"):
        ids[f"{name}_agent"] = Agent.create(user=ids[name], endpoint=f"PJSIP/{name}").id
    dee = Contact.create(account=acme, name="Dee")
    ids["dee"] = dee.id
    for campaign, agent in ((spring, ids["ann_agent"]), (autumn, ids["bob_agent"])):
        attempt = Attempt.create(campaign=campaign, contact=dee, phone="+12125550100",
                                 agent=agent, channel_id=f"c-{campaign.name}", started_at=T0,
                                 script_answers={"q": campaign.name})
        Followup.create(account=acme, agent=agent, contact=dee, campaign=campaign,
                        scheduled_at=T0, timezone="UTC")
    ids["bob_autumn_attempt"] = attempt.id
    hidden_list = suppression.create_list(acme.id, name="autumn dnc", kind="device")["id"]
    CampaignSuppression.create(campaign=autumn, suppression_list=hidden_list)
    ids["hidden_list"] = hidden_list
    db.close()
    store = Store(db)
    clock = Clock()
    # live: ann has a spring contact in preview, bob is on an autumn call, cy on an
    # inbound call (no campaign)
    agents = live_agents(store, (ids["ann_agent"], ids["bob_agent"], ids["cy_agent"]))
    await agents.offer_preview(ids["ann_agent"], FollowupPreview(0, {"name": "Dee (spring)"}),
                               spring.id)
    await put_on_call(agents, ids["bob_agent"], "customer-autumn", ids["bob_autumn_attempt"],
                      campaign_id=autumn.id)
    await put_on_call(agents, ids["cy_agent"], "caller-inbound",
                      details=InboundCaller(None, None, "Eve"))
    app = create_app(FakeDialer(store, clock, agents))
    yield aiohttp_client, app, store, clock, ids
    await store.close()


async def sign_in(aiohttp_client, app, username):
    """A browser session of the user that sends its CSRF token with every request."""
    client, csrf = await access_sign_in(aiohttp_client, app, username)
    client.session.headers["X-CSRF-Token"] = csrf
    return client


async def test_the_issue_s_attack_fails(env):
    """A supervisor raised their own role to admin, read another account, minted a token for
    the admin and reset the admin's password. Each step is refused now."""
    aiohttp_client, app, store, _clock, ids = env
    sup = await sign_in(aiohttp_client, app, "sup")
    resp = await sup.patch(f"/api/users/{ids['sup']}", json={"role": "admin"})
    assert resp.status == 403
    assert_error(await resp.json(), "role")
    me = await (await sup.get("/api/session")).json()
    assert "manage_system" not in me["privileges"]
    assert (await sup.get(f"/api/accounts/{ids['other']}")).status == 403
    resp = await sup.post(f"/api/users/{ids['root']}/api-tokens", json={})
    assert resp.status == 403
    assert_error(await resp.json(), "id")
    for change in ({"password": "new password 1"}, {"active": False}, {"full_name": "x"},
                   {"role": "agent"}):
        resp = await sup.patch(f"/api/users/{ids['root']}", json=change)
        assert resp.status == 403, change
    assert (await sup.get(f"/api/users/{ids['root']}/api-tokens")).status == 403
    # nor through a new user: an admin, or a role with manage_system, cannot be made
    resp = await sup.post(f"/api/accounts/{ids['acme']}/users",
                          json={"username": "puppet", "password": "password1", "role": "admin"})
    assert resp.status == 403
    resp = await sup.post(f"/api/accounts/{ids['acme']}/roles",
                          json={"name": "root2", "privileges": ["manage_system"]})
    assert resp.status == 403
    assert_error(await resp.json(), "privileges")
    # nothing changed: the admin still signs in with their password
    await sign_in(aiohttp_client, app, "root")
    assert await store.run(lambda: User.get_by_id(ids["sup"]).role.name) == "supervisor"


async def test_users_change_their_own_details_but_not_their_reach(env):
    aiohttp_client, app, _store, _clock, ids = env
    cm = await sign_in(aiohttp_client, app, "cm")  # no manage_users
    resp = await cm.patch(f"/api/users/{ids['cm']}", json={"full_name": "Cam",
                                                           "email": "cam@example.com"})
    assert resp.status == 200, await resp.text()
    for change in ({"role": "supervisor"}, {"role": "agent"}, {"profile_id": ids["wide"]},
                   {"username": "cam"}):
        resp = await cm.patch(f"/api/users/{ids['cm']}", json=change)
        assert resp.status == 403, change
        assert_error(await resp.json(), "privilege")
    assert (await cm.patch(f"/api/users/{ids['ann']}", json={"full_name": "x"})).status == 403
    resp = await cm.patch(f"/api/users/{ids['cm']}", json={"password": "another one 2"})
    assert resp.status == 200  # (which signs them out everywhere)
    # a narrowed supervisor gives no wider profile, to themselves or anybody else
    nsup = await sign_in(aiohttp_client, app, "nsup")
    resp = await nsup.patch(f"/api/users/{ids['nsup']}", json={"profile_id": None})
    assert resp.status == 403
    assert_error(await resp.json(), "profile_id")
    resp = await nsup.patch(f"/api/profiles/{ids['narrow']}", json={"all_campaigns": True})
    assert resp.status == 403
    resp = await nsup.patch(f"/api/profiles/{ids['narrow']}",
                            json={"campaign_ids": [ids["spring"], ids["autumn"]]})
    assert resp.status == 403
    resp = await nsup.post(f"/api/accounts/{ids['acme']}/users",
                           json={"username": "wide", "role": "agent"})  # no profile: all
    assert resp.status == 403
    assert_error(await resp.json(), "profile_id")
    resp = await nsup.post(f"/api/accounts/{ids['acme']}/users",
                           json={"username": "fine", "role": "agent",
                                 "profile_id": ids["narrow"]})
    assert resp.status == 201, await resp.text()
    agent = {"username": "agent7", "endpoint": "PJSIP/agent7"}
    resp = await nsup.post(f"/api/accounts/{ids['acme']}/agents", json=agent)
    assert resp.status == 403  # an agent without a profile would see every campaign
    assert_error(await resp.json(), "profile_id")
    resp = await nsup.post(f"/api/accounts/{ids['acme']}/agents",
                           json={**agent, "profile_id": ids["narrow"]})
    assert resp.status == 201, await resp.text()
    # nor acts on a user who sees more campaigns than they do
    assert (await nsup.patch(f"/api/users/{ids['ann']}", json={"full_name": "x"})).status == 403
    # the profile is unchanged (a refused change is rolled back)
    me = await (await nsup.get("/api/session")).json()
    assert me["privileges"] == sorted(SUPERVISOR)
    listed = await (await nsup.get(f"/api/accounts/{ids['acme']}/campaigns")).json()
    assert [c["id"] for c in listed["items"]] == [ids["spring"]]


async def test_roles_belong_to_the_account_that_made_them(env):
    aiohttp_client, app, store, _clock, ids = env
    sup = await sign_in(aiohttp_client, app, "sup")
    resp = await sup.post(f"/api/accounts/{ids['acme']}/roles",
                          json={"name": "caller", "privileges": ["take_calls"]})
    assert resp.status == 201, await resp.text()
    role = await resp.json()
    assert role["account_id"] == ids["acme"] and role["built_in"] is False
    for name in ("admin", "caller"):  # built-in names and the account's own are taken
        resp = await sup.post(f"/api/accounts/{ids['acme']}/roles",
                              json={"name": name, "privileges": []})
        assert resp.status == 409
    assert (await sup.post(f"/api/accounts/{ids['other']}/roles",
                           json={"name": "x", "privileges": []})).status == 403
    resp = await sup.patch(f"/api/users/{ids['ann']}", json={"role": "caller"})
    assert resp.status == 200 and (await resp.json())["role"] == "caller"
    names = {r["name"] for r in (await (await sup.get("/api/roles")).json())["items"]}
    assert names == set(roles.BUILTIN_ROLES) | {"caller"}
    # another account sees only the built-in roles, and cannot give this one
    root = await sign_in(aiohttp_client, app, "root")
    resp = await root.patch(f"/api/users/{ids['theirs']}", json={"role": "caller"})
    assert resp.status == 400
    assert_error(await resp.json(), "role")
    theirs = await store.run(auth.identify, (await store.run(
        auth.create_api_token, ids["theirs"]))["token"], "api", T0)
    assert {r["name"] for r in await store.run(roles.list_roles, theirs)} == \
        set(roles.BUILTIN_ROLES)
    # a campaign manager (no manage_users) makes no role
    cm = await sign_in(aiohttp_client, app, "cm")
    assert (await cm.post(f"/api/accounts/{ids['acme']}/roles",
                          json={"name": "y", "privileges": []})).status == 403


async def test_api_tokens_expire_are_listed_and_revoked(env):
    aiohttp_client, app, store, clock, ids = env
    ann = await sign_in(aiohttp_client, app, "ann")
    resp = await ann.post(f"/api/users/{ids['ann']}/api-tokens", json={"name": "laptop"})
    assert resp.status == 201, await resp.text()
    made = await resp.json()
    assert made["expires_at"] == (T0 + dt.timedelta(days=auth.API_TOKEN_DAYS)).isoformat()
    for days in (0, auth.API_TOKEN_MAX_DAYS + 1, "30", None):
        resp = await ann.post(f"/api/users/{ids['ann']}/api-tokens",
                              json={"expires_in_days": days})
        assert resp.status == 400, days
        assert_error(await resp.json(), "expires_in_days")
    short = await (await ann.post(f"/api/users/{ids['ann']}/api-tokens",
                                  json={"name": "short", "expires_in_days": 1})).json()
    api = await aiohttp_client(app, headers={"Authorization": f"Bearer {made['token']}"})
    assert (await api.get("/api/session")).status == 200
    listed = (await (await ann.get(f"/api/users/{ids['ann']}/api-tokens")).json())["items"]
    assert [t["name"] for t in listed] == ["laptop", "short"]
    assert listed[0]["last_used_at"] == T0.isoformat() and listed[1]["last_used_at"] is None
    for t in listed:
        assert set(t) == {"id", "name", "created_at", "expires_at", "last_used_at"}
        assert made["token"] not in str(t)
    # another agent neither lists nor revokes them
    bob = await sign_in(aiohttp_client, app, "bob")
    assert (await bob.get(f"/api/users/{ids['ann']}/api-tokens")).status == 403
    assert (await bob.delete(f"/api/users/{ids['ann']}/api-tokens/{made['id']}")).status == 403
    assert (await bob.delete(f"/api/users/{ids['bob']}/api-tokens/{made['id']}")).status == 400
    # expiry: past its day the short one is refused (and gone)
    clock.now = T0 + dt.timedelta(days=1)
    short_api = await aiohttp_client(app, headers={"Authorization": f"Bearer {short['token']}"})
    assert (await short_api.get("/api/session")).status == 401
    # revoke through the route; DELETE /api/session with a bearer token revokes it
    ann = await sign_in(aiohttp_client, app, "ann")  # (her session is over too)
    resp = await ann.delete(f"/api/users/{ids['ann']}/api-tokens/{made['id']}")
    assert resp.status == 200
    assert (await api.get("/api/session")).status == 401
    third = (await store.run(auth.create_api_token, ids["ann"]))["token"]
    api = await aiohttp_client(app, headers={"Authorization": f"Bearer {third}"})
    assert (await api.delete("/api/session")).status == 200
    assert (await api.get("/api/session")).status == 401
    assert await store.run(lambda: AuthToken.select().where(
        (AuthToken.user == ids["ann"]) & (AuthToken.kind == "api")).count()) == 0


async def test_a_token_acts_with_its_user_s_privileges_of_the_moment(env):
    aiohttp_client, app, store, _clock, ids = env
    token = (await store.run(auth.create_api_token, ids["cm"]))["token"]
    api = await aiohttp_client(app, headers={"Authorization": f"Bearer {token}"})
    assert (await api.get(f"/api/accounts/{ids['acme']}/contacts")).status == 200
    root = await sign_in(aiohttp_client, app, "root")
    assert (await root.patch(f"/api/users/{ids['cm']}", json={"role": "agent"})).status == 200
    assert (await api.get(f"/api/accounts/{ids['acme']}/contacts")).status == 403


async def test_what_an_agent_reads(env):
    aiohttp_client, app, store, _clock, ids = env
    ann = await sign_in(aiohttp_client, app, "ann")
    sessions = (await (await ann.get("/api/agents/sessions")).json())["items"]
    assert [s["agent_id"] for s in sessions] == [ids["ann_agent"]]  # not bob's screen
    sup = await sign_in(aiohttp_client, app, "sup")
    sessions = (await (await sup.get("/api/agents/sessions")).json())["items"]
    assert {s["agent_id"] for s in sessions} == {ids["ann_agent"], ids["bob_agent"],
                                                 ids["cy_agent"]}
    # the contact of her call, not the directory
    assert (await ann.get(f"/api/contacts/{ids['dee']}")).status == 200
    for url in (f"/api/accounts/{ids['acme']}/contacts", f"/api/contacts/{ids['dee']}/timeline",
                f"/api/accounts/{ids['acme']}/users", f"/api/accounts/{ids['acme']}/voicemails",
                f"/api/campaigns/{ids['spring']}/recordings", f"/api/users/{ids['bob']}"):
        assert (await ann.get(url)).status == 403, url
    # her own answers, nobody else's
    mine = await ann.get(f"/api/script-answers?agent_id={ids['ann_agent']}")
    assert [a["answers"] for a in (await mine.json())["items"]] == [{"q": "spring"}]
    assert (await ann.get(f"/api/script-answers?agent_id={ids['bob_agent']}")).status == 403
    assert (await ann.get(f"/api/script-answers?contact_id={ids['dee']}")).status == 403
    carl = await store.run(lambda: Contact.create(account=ids["acme"], name="Carl").id)
    assert (await ann.get(f"/api/contacts/{carl}")).status == 403  # never on her screen


async def test_profiles_hold_wherever_a_campaign_s_object_is_named(env):
    aiohttp_client, app, _store, _clock, ids = env
    nsup = await sign_in(aiohttp_client, app, "nsup")  # sees spring, not autumn
    timeline = await (await nsup.get(f"/api/contacts/{ids['dee']}/timeline")).json()
    assert {e.get("campaign_id") for e in timeline["events"] if e["kind"] == "attempt"} == \
        {ids["spring"]}
    assert len([e for e in timeline["events"] if e["kind"] == "followup_scheduled"]) == 1
    answers = await (await nsup.get(f"/api/contacts/{ids['dee']}/answers")).json()
    assert [a["campaign_id"] for a in answers["items"]] == [ids["spring"]]
    for url in (f"/api/contacts/{ids['dee']}/followups",
                f"/api/agents/{ids['bob_agent']}/followups"):
        items = (await (await nsup.get(url)).json())["items"]
        assert {f["campaign_id"] for f in items} <= {ids["spring"]}, url
    search = await nsup.get(f"/api/script-answers?agent_id={ids['bob_agent']}")
    assert (await search.json())["items"] == []
    resp = await nsup.get(f"/api/script-answers?campaign_id={ids['autumn']}")
    assert resp.status == 403
    assert_error(await resp.json(), "campaign_id")
    # ids in bodies and queries: as in URLs
    resp = await nsup.post(f"/api/agents/{ids['ann_agent']}/followups",
                           json={"local_time": "2026-03-03T10:00", "contact_id": ids["dee"],
                                 "campaign_id": ids["autumn"]})
    assert resp.status == 403
    assert_error(await resp.json(), "campaign_id")
    resp = await nsup.post(f"/api/accounts/{ids['acme']}/contacts/import",
                           json={"csv": "Name,Phone\nZed,+12125550111\n",
                                 "mapping": {"Name": "name", "Phone": "phone"},
                                 "campaign_id": ids["autumn"]})
    assert resp.status == 403
    assert_error(await resp.json(), "campaign_id")
    resp = await nsup.get(f"/api/accounts/{ids['acme']}/suppression-check?phone=2125550100"
                          f"&campaign_id={ids['autumn']}")
    assert resp.status == 403
    # the filters of the attempt listings too: another account's agent, a missing campaign
    theirs_agent = await app[DIALER].store.run(
        lambda: Agent.create(user=ids["theirs"], endpoint="PJSIP/theirs").id)
    for query, status, field in ((f"campaign_id={ids['autumn']}", 403, "campaign_id"),
                                 ("campaign_id=999", 404, "campaign_id"),
                                 (f"agent_id={theirs_agent}", 403, "agent_id")):
        resp = await nsup.get(f"/api/accounts/{ids['acme']}/attempts?{query}")
        assert resp.status == status, query
        assert_error(await resp.json(), field)
    resp = await nsup.get(f"/api/campaigns/{ids['spring']}/attempts?agent_id={theirs_agent}")
    assert resp.status == 403
    # a suppression list attached to autumn: neither listed nor reachable
    lists = (await (await nsup.get(f"/api/accounts/{ids['acme']}/suppression-lists")).json())
    assert ids["hidden_list"] not in [sl["id"] for sl in lists["items"]]
    for method in ("GET", "PATCH", "DELETE"):
        resp = await nsup.request(method, f"/api/suppression-lists/{ids['hidden_list']}",
                                  json={"name": "x"})
        assert resp.status == 403, method
    sup = await sign_in(aiohttp_client, app, "sup")  # no profile: all of them
    lists = (await (await sup.get(f"/api/accounts/{ids['acme']}/suppression-lists")).json())
    assert ids["hidden_list"] in [sl["id"] for sl in lists["items"]]


async def test_profiles_hold_for_live_sessions_previews_and_calls(env):
    """A supervisor narrowed to spring sees the agents on spring contacts and those on no
    campaign (cy, with an inbound caller), never bob's autumn call: not in the list, not
    his screen, and no acting on his session (dial, skip, log out, ready, manual dial)."""
    aiohttp_client, app, _store, _clock, ids = env
    nsup = await sign_in(aiohttp_client, app, "nsup")
    sessions = (await (await nsup.get("/api/agents/sessions")).json())["items"]
    assert {s["agent_id"]: s["campaign_id"] for s in sessions} == {
        ids["ann_agent"]: ids["spring"], ids["cy_agent"]: None}
    assert "autumn" not in str(sessions) and "customer-autumn" not in str(sessions)
    shown = await (await nsup.get(f"/api/agents/{ids['ann_agent']}/preview")).json()
    assert shown == {"preview": {"name": "Dee (spring)"}}
    bob = ids["bob_agent"]
    for method, url, body in (("GET", f"/api/agents/{bob}/preview", None),
                              ("POST", f"/api/agents/{bob}/preview/skip", None),
                              ("POST", f"/api/agents/{bob}/preview/dial", None),
                              ("POST", f"/api/agents/{bob}/logout", None),
                              ("POST", f"/api/agents/{bob}/not-ready", None),
                              ("POST", f"/api/agents/{bob}/manual-dial",
                               {"number": "+12125550123"})):
        resp = await nsup.request(method, url, json=body)
        assert resp.status == 403, (method, url)
        assert_error(await resp.json(), "campaign")
    assert app[DIALER].agents.sessions[bob].state == "on_call"  # nothing happened to him
    # the agent sees their own screen whatever anybody's profile; the wide supervisor all
    bob_user = await sign_in(aiohttp_client, app, "bob")
    mine = (await (await bob_user.get("/api/agents/sessions")).json())["items"]
    assert [(s["agent_id"], s["campaign_id"], s["attempt_id"]) for s in mine] == [
        (bob, ids["autumn"], ids["bob_autumn_attempt"])]
    sup = await sign_in(aiohttp_client, app, "sup")
    assert (await sup.get(f"/api/agents/{bob}/preview")).status == 200
    logged_out = await app[DIALER].store.run(
        lambda: Agent.create(user=ids["root"], endpoint="PJSIP/root").id)
    assert await (await nsup.get(f"/api/agents/{logged_out}/preview")).json() == {
        "preview": None}
    # once bob's call is over and he is offered a spring contact, the narrowed one sees him
    await app[DIALER].agents.call_ended(bob, 0)
    await app[DIALER].agents.offer_preview(bob, FollowupPreview(0, {"name": "Fay"}), ids["spring"])
    assert (await (await nsup.get(f"/api/agents/{bob}/preview")).json()) == {
        "preview": {"name": "Fay"}}


def test_migration_010_makes_old_roles_built_in_and_old_api_tokens_expire(tmp_path):
    database = open_database(f"sqlite:///{tmp_path}/old.db")
    router(database).run("009_action_call_node")
    sql = database.execute_sql
    sql("INSERT INTO account (name, timezone, voicemail_enabled, created_at) "
        "VALUES ('a', 'UTC', 0, '2025-01-01')")
    sql("""INSERT INTO role (name, privileges) VALUES ('helpdesk', '["manage_users"]')""")
    sql("INSERT INTO users (account_id, username, password_hash, full_name, active, "
        "role_id, created_at) VALUES (1, 'u', '!', '', 1, 1, '2025-01-01')")
    sql("INSERT INTO auth_token (user_id, kind, token_hash, name, created_at) "
        "VALUES (1, 'api', 'h', 'old', '2025-01-01 10:00:00')")
    assert migrate(database)[0] == "010_account_roles_token_expiry"
    role = Role.get_by_id(1)
    assert role.account_id is None and role.name == "helpdesk"  # read-only, for everyone
    assert AuthToken.get_by_id(1).expires_at == dt.datetime(2025, 4, 1, 10, 0)
    assert roles.role_named(1, "helpdesk").id == 1
