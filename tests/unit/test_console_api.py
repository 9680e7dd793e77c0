"""The API the console's newer pages need (issue 19): filters changed and deleted, the
voicemail inbox (newest first, marked handled and back, audited), agents, agent groups
(membership) and roles changed and deleted with their validation, refusals and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db import Store, accounts, contacts, migrate, open_database, roles
from dialer.db.models import (Account, Agent, Attempt, AuditEntry, Campaign, Contact,
                              ServicePlan, User, Voicemail)
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


def _seed() -> dict:
    plan = ServicePlan.create(name="base")
    acme, other = (Account.create(name=n, plan=plan) for n in ("Acme", "Other"))
    group = accounts.create_agent_group(acme.id, name="sales")
    ann = accounts.create_agent(acme.id, username="ann", endpoint="PJSIP/ann",
                                group_ids=[group["id"]])
    bob = accounts.create_agent(acme.id, username="bob", endpoint="PJSIP/bob")
    stranger = accounts.create_agent(other.id, username="zed", endpoint="PJSIP/zed")
    Contact.create(account=acme, name="Ann Gold", email="ann@gold.example")
    Contact.create(account=acme, name="Bob Plain", email="bob@example.com")
    flt = contacts.create_filter(acme.id, "gold", {"all": [
        {"field": "email", "op": "contains", "value": "gold"}]})
    old, new = (Voicemail.create(account=acme, caller=c, recording_name=f"vm-{c}",
                                 created_at=T0 + dt.timedelta(minutes=n), duration_seconds=n)
                for n, c in ((1, "+12125550001"), (2, "+12125550002")))
    theirs = Voicemail.create(account=other, caller="+12125550003", recording_name="vm-x")
    return {"acme": acme.id, "other": other.id, "group": group["id"], "ann": ann["id"],
            "bob": bob["id"], "stranger": stranger["id"], "filter": flt["id"],
            "old_vm": old.id, "new_vm": new.id, "their_vm": theirs.id,
            "admin": bearer(acme.id, "admin", "boss"),
            "supervisor": bearer(acme.id, "supervisor", "sup"),
            "agent": bearer(acme.id, "agent", "agent-user")}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    ids = _seed()
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, clock=lambda: T0)))
    yield client, ids, store
    await store.close()


async def call(client, method, url, headers, status, body=None):
    resp = await client.request(method, url, headers=headers, json=body)
    answer = await resp.json()
    assert resp.status == status, answer
    return answer


def _field(answer: dict) -> str:
    return answer["error"]["field"]


def _audit(kind: str) -> list[tuple[str, dict | None, dict | None]]:
    return [(e.action, e.before, e.after) for e in
            AuditEntry.select().where(AuditEntry.kind == kind).order_by(AuditEntry.id)]


async def test_filters_renamed_redefined_matched_and_deleted(env):
    client, ids, store = env
    admin, url = ids["admin"], f"/api/filters/{ids['filter']}"
    bad = await call(client, "PATCH", url, admin, 400, {"definition": {"all": [
        {"field": "shoe_size", "op": "eq", "value": 9}]}})
    assert _field(bad) == "definition" and "shoe_size" in bad["error"]["message"]
    assert _field(await call(client, "PATCH", url, admin, 400, {"name": " "})) == "name"
    assert _field(await call(client, "PATCH", url, admin, 400, {"colour": "red"})) == "colour"
    changed = await call(client, "PATCH", url, admin, 200, {"name": "examples", "definition": {
        "any": [{"field": "email", "op": "contains", "value": "example"}]}})
    assert changed["name"] == "examples"
    matched = await call(client, "GET", f"{url}/contacts", admin, 200)
    assert matched["count"] == 2
    assert [c["name"] for c in matched["contacts"]] == ["Ann Gold", "Bob Plain"]
    found = await call(client, "GET", f"/api/accounts/{ids['acme']}/filters?q=EXAM", admin, 200)
    assert [f["name"] for f in found["items"]] == ["examples"]
    assert await call(client, "DELETE", url, admin, 200) == {"id": ids["filter"], "deleted": True}
    assert _field(await call(client, "GET", url, admin, 404)) == "id"
    actions = [(a, (b or {}).get("name"), (c or {}).get("name"))
               for a, b, c in await store.run(_audit, "filter")]
    assert actions[-2:] == [("update", "gold", "examples"), ("delete", "examples", None)]


async def test_the_voicemail_inbox_marks_handled_and_back(env):
    client, ids, store = env
    admin, inbox = ids["admin"], f"/api/accounts/{ids['acme']}/voicemails"
    page = await call(client, "GET", inbox, admin, 200)
    assert [v["id"] for v in page["items"]] == [ids["new_vm"], ids["old_vm"]]  # newest first
    assert page["items"][0]["duration_seconds"] == 2 and page["items"][0]["handled"] is False
    one = f"{inbox}/{ids['old_vm']}"
    assert _field(await call(client, "PATCH", one, admin, 400, {})) == "handled"
    assert _field(await call(client, "PATCH", one, admin, 400, {"handled": "yes"})) == "handled"
    marked = await call(client, "PATCH", one, admin, 200, {"handled": True})
    assert (marked["handled"], marked["handled_by_name"]) == (True, "boss")
    assert marked["handled_at"].startswith("2026-03-02T15:00:00")
    assert (await call(client, "GET", one, admin, 200)) == marked
    handled = await call(client, "GET", f"{inbox}?handled=yes", admin, 200)
    assert [v["id"] for v in handled["items"]] == [ids["old_vm"]]
    waiting = await call(client, "GET", f"{inbox}?handled=no", admin, 200)
    assert [v["id"] for v in waiting["items"]] == [ids["new_vm"]]
    back = await call(client, "PATCH", one, ids["supervisor"], 200, {"handled": False})
    assert (back["handled"], back["handled_by"], back["handled_at"]) == (False, None, None)
    entries = await store.run(_audit, "voicemail")
    assert [(a, b["handled_at"] is None, c["handled_at"] is None) for a, b, c in entries] == [
        ("update", True, False), ("update", False, True)]
    # another account's voicemail is not found in this one; agents may not touch the inbox
    theirs = f"{inbox}/{ids['their_vm']}"
    assert _field(await call(client, "PATCH", theirs, admin, 404, {"handled": True})) \
        == "voicemail_id"
    assert _field(await call(client, "PATCH", one, ids["agent"], 403, {"handled": True})) \
        == "privilege"


async def test_agents_changed_and_deleted(env):
    client, ids, store = env
    admin = ids["admin"]
    bob = f"/api/agents/{ids['bob']}"
    assert _field(await call(client, "PATCH", bob, admin, 400,
                             {"endpoint": "PJSIP/nosuch"})) == "endpoint"
    assert _field(await call(client, "PATCH", bob, admin, 400, {"group_ids": [999]})) \
        == "group_ids"
    assert _field(await call(client, "PATCH", bob, admin, 400, {"username": "x"})) == "username"
    changed = await call(client, "PATCH", bob, admin, 200,
                         {"endpoint": "PJSIP/bob2", "group_ids": [ids["group"]]})
    assert (changed["endpoint"], changed["group_ids"]) == ("PJSIP/bob2", [ids["group"]])
    # a logged-in agent keeps its desk phone; an agent with history stays
    await store.run(lambda: Agent.update(state="available").where(
        Agent.id == ids["bob"]).execute())
    assert _field(await call(client, "PATCH", bob, admin, 409,
                             {"endpoint": "PJSIP/bob3"})) == "endpoint"
    assert _field(await call(client, "DELETE", bob, admin, 409)) == "state"
    await store.run(lambda: Agent.update(state="logged_out").where(
        Agent.id == ids["bob"]).execute())
    await call(client, "DELETE", bob, admin, 200)
    assert _field(await call(client, "GET", bob, admin, 404)) == "id"
    entries = await store.run(_audit, "agent")
    assert [(a, (c or {}).get("endpoint")) for a, b, c in entries[-2:]] == [
        ("update", "PJSIP/bob2"), ("delete", None)]
    # another account's agent (the admin holds manage_system: a supervisor here)
    theirs = await call(client, "PATCH", f"/api/agents/{ids['stranger']}", ids["supervisor"],
                        403, {"endpoint": "PJSIP/x"})
    assert _field(theirs) == "account"


async def test_an_agent_with_calls_is_kept(env):
    client, ids, store = env

    def give_a_call():
        acme = Account.get_by_id(ids["acme"])
        campaign = Campaign.create(account=acme, name="c")
        contact = Contact.select().first()
        Attempt.create(campaign=campaign, contact=contact, phone="+12125550100",
                       channel_id="c1", agent=ids["ann"], started_at=T0)
    await store.run(give_a_call)
    refused = await call(client, "DELETE", f"/api/agents/{ids['ann']}", ids["admin"], 409)
    assert _field(refused) == "id" and "attempt" in refused["error"]["message"]


async def test_agent_groups_membership_changed_and_deleted(env):
    client, ids, store = env
    admin, url = ids["admin"], f"/api/agent-groups/{ids['group']}"
    await call(client, "POST", f"/api/accounts/{ids['acme']}/agent-groups", admin, 201,
               {"name": "support"})
    assert _field(await call(client, "PATCH", url, admin, 409, {"name": "support"})) == "name"
    assert _field(await call(client, "PATCH", url, admin, 400,
                             {"agent_ids": [ids["stranger"]]})) == "agent_ids"
    assert _field(await call(client, "PATCH", url, admin, 400,
                             {"wrap_up_seconds": "soon"})) == "wrap_up_seconds"
    changed = await call(client, "PATCH", url, admin, 200, {
        "name": "sales east", "wrap_up_seconds": 20, "agent_ids": [ids["bob"]]})
    assert (changed["name"], changed["wrap_up_seconds"], changed["agent_ids"]) == (
        "sales east", 20, [ids["bob"]])
    ann = await call(client, "GET", f"/api/agents/{ids['ann']}", admin, 200)
    assert ann["group_ids"] == []
    await store.run(lambda: Campaign.create(account=ids["acme"], name="c",
                                             agent_group=ids["group"]))
    refused = await call(client, "DELETE", url, admin, 409)
    assert _field(refused) == "id" and "campaign" in refused["error"]["message"]
    support = (await call(client, "GET", f"/api/accounts/{ids['acme']}/agent-groups?q=supp",
                          admin, 200))["items"][0]
    await call(client, "DELETE", f"/api/agent-groups/{support['id']}", admin, 200)
    entries = await store.run(_audit, "agent_group")
    assert [(a, (b or {}).get("agents"), (c or {}).get("agents")) for a, b, c in entries[-2:]] == [
        ("update", [ids["ann"]], [ids["bob"]]), ("delete", [], None)]
    assert _field(await call(client, "PATCH", url, ids["agent"], 403, {"name": "x"})) \
        == "privilege"


async def test_roles_changed_within_the_callers_privileges_and_deleted(env):
    client, ids, store = env
    admin, sup = ids["admin"], ids["supervisor"]
    builtin = await store.run(lambda: roles.role_named(ids["acme"], "agent").id)
    assert _field(await call(client, "PATCH", f"/api/roles/{builtin}", admin, 409,
                             {"name": "x"})) == "built_in"
    # a built-in role is no account's: only manage_system (the admin) reaches it at all
    assert _field(await call(client, "DELETE", f"/api/roles/{builtin}", sup, 403)) == "account"
    made = await call(client, "POST", f"/api/accounts/{ids['acme']}/roles", admin, 201,
                      {"name": "dialler", "privileges": ["take_calls"]})
    url = f"/api/roles/{made['id']}"
    assert _field(await call(client, "PATCH", url, admin, 409, {"name": "admin"})) == "name"
    assert _field(await call(client, "PATCH", url, admin, 400,
                             {"privileges": ["fly"]})) == "privileges"
    refused = await call(client, "PATCH", url, sup, 403, {"privileges": ["manage_system"]})
    assert _field(refused) == "privileges"
    changed = await call(client, "PATCH", url, admin, 200,
                         {"name": "senior", "privileges": ["take_calls", "manage_system"]})
    assert changed == await call(client, "GET", url, admin, 200)
    # the supervisor may not change (nor strip) a role beyond their own privileges
    assert _field(await call(client, "PATCH", url, sup, 403, {"name": "junior"})) == "privileges"
    await call(client, "POST", f"/api/accounts/{ids['acme']}/users", admin, 201,
               {"username": "holder", "role": "senior", "password": "long-enough-pass"})
    assert _field(await call(client, "DELETE", url, admin, 409)) == "id"
    await store.run(lambda: User.update(role=builtin).where(User.username == "holder").execute())
    await call(client, "DELETE", url, admin, 200)
    entries = await store.run(_audit, "role")
    assert [a for a, _, _ in entries] == ["create", "update", "delete"]
