"""The console's object descriptions (dialer/web/objects.py) against the API they drive:
every path and method they name is a route of the app, the fields a path takes come from
the object, the lists that offer a search box take `?q=`, and the navigation shows each
user only the pages their privileges open."""

from __future__ import annotations

import re

import pytest

from dialer.core.privileges import PRIVILEGES
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, Agent, AgentGroup, AgentGroupMember, ServicePlan
from dialer.web.app import create_app
from dialer.web.objects import KINDS, NAVIGATION, navigation
from tests.unit.test_access import sign_in
from tests.web_dialer import FakeDialer


def canonical(path: str) -> str:
    """A path with its parameters unnamed ({account}, {id}, {row}, a field: all ids)."""
    return re.sub(r"\{\w+\}", "{}", path)


def _paths(kind) -> list[tuple[str | None, str]]:
    """Every (method, path) a kind's page calls."""
    wanted = [("GET", kind.list_path)]
    wanted += [("GET", kind.item_path)] if kind.item_path else []
    wanted += [("POST", kind.create_path)] if kind.create_path else []
    wanted += [(kind.update_method, kind.item_path)] if kind.update_method else []
    wanted += [(kind.removal.method, kind.removal.path)] if kind.removal else []
    wanted += [(a.method, a.path) for a in kind.actions]
    wanted += [("GET", r.path) for r in kind.related if r.path]
    wanted += [(r.action.method, r.action.path) for r in kind.related if r.action]
    wanted += [("GET", f.src) for f in kind.fields if f.type == "audio"]
    return wanted


def test_every_path_of_the_descriptions_is_a_route_of_the_app():
    app = create_app(FakeDialer(None))
    routes = {(r.method, canonical(r.resource.canonical)) for r in app.router.routes()}
    for kind in KINDS:
        for method, path in _paths(kind):
            assert (method, canonical(path)) in routes, (kind.slug, method, path)
        names = {f.name for f in kind.fields} | {"account", "id"}
        for path in filter(None, (kind.create_path, kind.removal and kind.removal.path)):
            assert set(re.findall(r"\{(\w+)\}", path)) <= names, (kind.slug, path)


class Viewer:
    def __init__(self, *privileges: str, agent_id: int | None = None,
                 campaigns: frozenset[int] | None = None):
        self.privileges, self.agent_id = frozenset(privileges), agent_id
        self.campaigns = campaigns

    def may(self, privilege: str) -> bool:
        return privilege in self.privileges or "manage_system" in self.privileges


def hrefs(who: Viewer) -> set[str]:
    return {href for _, links in navigation(who) for href, _ in links}


def test_the_navigation_follows_privileges():
    every = {href for _, links in NAVIGATION for href, _, _ in links}
    assert hrefs(Viewer("manage_system", agent_id=1)) == every
    assert "/agent" not in hrefs(Viewer("manage_system"))  # no agent: no agent desk
    assert hrefs(Viewer("take_calls", agent_id=3)) == {"/agent"}
    assert hrefs(Viewer("take_calls")) == set()
    assert navigation(Viewer("take_calls")) == []  # empty groups are left out
    users = hrefs(Viewer("manage_users"))
    assert {f"/manage/{s}" for s in ("users", "agents", "agent-groups", "roles", "profiles",
                                     "pause-reasons", "webhooks")} | {"/audit"} == users
    # webhooks carry every campaign's events: not for a profile narrowed to some
    assert "/manage/webhooks" not in hrefs(Viewer("manage_users", campaigns=frozenset({1})))
    inbound = hrefs(Viewer("manage_inbound"))
    assert {f"/manage/{s}" for s in ("voicemails", "inbound-calls", "action-calls")} | {
        "/ring-group"} == inbound
    campaigns = hrefs(Viewer("manage_campaigns"))
    assert "/manage/contacts" in campaigns and not campaigns & users
    assert {"/plans", "/manage/accounts"} & hrefs(Viewer(*PRIVILEGES[1:])) == set()


@pytest.fixture
async def client(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    account = Account.create(name="Acme", plan=ServicePlan.create(name="base"))
    auth.create_user(account.id, username="boss", password="password1", role="admin")
    for name, endpoint in (("ann", "PJSIP/desk7"), ("bob", "PJSIP/desk8")):
        user = auth.create_user(account.id, username=name, full_name=f"{name.title()} Smith",
                                role="agent")
        agent = Agent.create(user=user["id"], endpoint=endpoint)
        group = AgentGroup.create(account=account, name=f"team {name}")
        AgentGroupMember.create(group=group, agent=agent)
    roles.create_profile(account.id, "East coast", True, [])
    db.close()
    store = Store(db)
    web, csrf = await sign_in(aiohttp_client, create_app(FakeDialer(store)), "boss")
    web.csrf = csrf
    yield web, account.id
    await store.close()


async def names(web, path: str, key: str = "username") -> list[str]:
    resp = await web.get(path)
    assert resp.status == 200, await resp.text()
    return [item[key] for item in (await resp.json())["items"]]


async def test_the_searched_lists_take_q(client):
    web, account = client
    base = f"/api/accounts/{account}"
    assert await names(web, f"{base}/users?q=SMITH") == ["ann", "bob"]
    assert await names(web, f"{base}/users?q=bo") == ["boss", "bob"]
    assert await names(web, f"{base}/agents?q=desk8") == ["bob"]  # by desk phone
    assert await names(web, f"{base}/agents?q=ann%20s") == ["ann"]  # by full name
    assert await names(web, f"{base}/agent-groups?q=TEAM%20A", "name") == ["team ann"]
    assert await names(web, f"{base}/profiles?q=coast", "name") == ["East coast"]
    assert await names(web, "/api/roles?q=super", "name") == ["supervisor"]
    resp = await web.post(f"{base}/filters", json={"name": "Gold tier", "definition": {"all": []}},
                          headers={"X-CSRF-Token": web.csrf})
    assert resp.status == 201, await resp.text()
    assert await names(web, f"{base}/filters?q=GOLD", "name") == ["Gold tier"]
    resp = await web.get(f"{base}/users?q=smith&limit=1&offset=1")
    assert (await resp.json())["total"] == 2 and await names(
        web, f"{base}/users?q=smith&limit=1&offset=1") == ["bob"]
