"""Issue 8, security: each promise has a test that fails without it.

Loopback by default (config, shipped http.conf); passwords only as Argon2id hashes and
tokens only as digests; sessions expire (simulated clock) and the expired token is
removed; changes need the session's CSRF token; every route refuses another account's
objects (table-driven over the router); secrets never reach the logs (DEBUG) nor
`dialer config`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest
import requests
from argon2 import PasswordHasher

from dialer import cli
from dialer.config import load_config
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, AuthToken, ServicePlan, User
from dialer.web.access import SESSION_COOKIE
from dialer.web import openapi
from dialer.web.app import create_app
from tests.objects import one_of_each
from tests.served import Served
from tests.web_dialer import FakeDialer

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


# ---- loopback by default -------------------------------------------------------------


def test_defaults_bind_loopback_only():
    cfg = load_config(None, env={})
    assert cfg.web.host == "127.0.0.1"
    assert re.match(r"https?://127\.0\.0\.1[:/]", cfg.ari.url)


def test_shipped_asterisk_http_binds_loopback():
    http = (ROOT / "asterisk-conf/http.conf").read_text()
    binds = re.findall(r"^\s*(bindaddr|tlsbindaddr)\s*=\s*(\S+)", http, re.M)
    assert binds and all(addr in ("127.0.0.1", "::1") for _, addr in binds)
    ari = (ROOT / "asterisk-conf/ari.conf").read_text()
    assert not re.search(r"^\s*allowed_origins\s*=\s*\*", ari, re.M)  # no CORS wildcard


# ---- the app over a real SQLite database, on a simulated clock ----------------------


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    ids = {}
    for name in ("a", "b"):
        account = Account.create(name=name, plan=plan)
        ids[name] = one_of_each(account, T0)
    # B's manager holds every privilege but manage_system (that one spans all accounts)
    roles.create_role(ids["b"]["accounts"], "all but system",
                     ["manage_campaigns", "manage_users", "manage_inbound", "take_calls"])
    auth.create_user(ids["b"]["accounts"], username="bob", password="correct horse 9",
                     role="all but system")
    db.close()
    store = Store(db)
    clock = Clock()
    app = create_app(FakeDialer(store, clock))
    yield aiohttp_client, app, store, clock, ids
    await store.close()


async def sign_in(aiohttp_client, app, username="bob", password="correct horse 9"):
    client = await aiohttp_client(app)
    resp = await client.post("/api/session", json={"username": username,
                                                   "password": password})
    assert resp.status == 200, await resp.text()
    return client, (await resp.json())["csrf"]


async def test_passwords_only_as_argon2id_and_tokens_only_as_digests(env):
    aiohttp_client, app, store, clock, ids = env
    client, csrf = await sign_in(aiohttp_client, app)
    resp = await client.post(f"/api/accounts/{ids['b']['accounts']}/users",
                             json={"username": "carol", "password": "s3cret pass 42",
                                   "role": "agent"}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 201, await resp.text()
    user_id = (await resp.json())["id"]
    resp = await client.post(f"/api/users/{user_id}/api-tokens", json={},
                             headers={"X-CSRF-Token": csrf})
    token = (await resp.json())["token"]

    def dump():
        rows = [json.dumps(list(r), default=str) for model in (User, AuthToken)
                for r in model.select().tuples()]
        return "\n".join(rows), User.get_by_id(user_id).password_hash

    everything, stored = await store.run(dump)
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "s3cret pass 42")
    for secret in ("s3cret pass 42", "correct horse 9", token,
                   client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value):
        assert secret not in everything


async def test_an_expired_session_is_refused_and_its_token_removed(env):
    aiohttp_client, app, store, clock, ids = env
    raw = await aiohttp_client(app)
    resp = await raw.post("/api/session", json={"username": "bob",
                                                "password": "correct horse 9"})
    cookie = resp.headers["Set-Cookie"]  # not readable by scripts, not sent cross-site
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={int(auth.SESSION_LIFETIME.total_seconds())}" in cookie
    client, csrf = await sign_in(aiohttp_client, app)
    assert (await client.get("/api/session")).status == 200
    clock.now = T0 + auth.SESSION_LIFETIME - dt.timedelta(seconds=1)
    assert (await client.get("/api/session")).status == 200
    sessions = lambda: AuthToken.select().where(AuthToken.kind == "session").count()  # noqa
    assert await store.run(sessions) == 2
    clock.now = T0 + auth.SESSION_LIFETIME
    resp = await client.get("/api/session")
    assert resp.status == 401
    assert (await resp.json())["error"]["field"] == "session"
    assert await store.run(sessions) == 1  # removed, not merely refused (the other one is
    # removed at the next sign-in, or when it is used)
    clock.now = T0  # and turning the clock back does not revive it
    assert (await client.get("/api/session")).status == 401


async def test_changes_need_the_session_s_csrf_token(env):
    aiohttp_client, app, store, clock, ids = env
    client, csrf = await sign_in(aiohttp_client, app)
    account = ids["b"]["accounts"]
    changes = [("POST", f"/api/accounts/{account}/agent-groups", {"name": "x"}),
               ("PATCH", f"/api/campaigns/{ids['b']['campaigns']}", {"name": "y"}),
               ("PUT", f"/api/accounts/{account}/business-hours",
                {"start": "09:00", "stop": "17:00"}),
               ("DELETE", f"/api/campaigns/{ids['b']['campaigns']}/rules/"
                          f"{ids['b']['rule_id']}", None)]
    for method, path, body in changes:
        for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""},
                        {"X-CSRF-Token": csrf.upper() if csrf != csrf.upper() else "x"}):
            resp = await client.request(method, path, json=body, headers=headers)
            assert resp.status == 403, (method, path, headers)
            assert (await resp.json())["error"]["field"] == "csrf"
        resp = await client.request(method, path, json=body, headers={"X-CSRF-Token": csrf})
        assert resp.status < 400, (method, path, await resp.text())
    # another session's token is no good either
    other, other_csrf = await sign_in(aiohttp_client, app)
    assert other_csrf != csrf
    resp = await client.post(f"/api/accounts/{account}/agent-groups", json={"name": "z"},
                             headers={"X-CSRF-Token": other_csrf})
    assert resp.status == 403


def _routes(app):
    """(method, path, {param: a valid enum value}) of every route with path parameters."""
    doc = openapi.document(app)
    for path, item in sorted(doc["paths"].items()):
        for method, op in item.items():
            enums = {p["name"]: p["schema"]["enum"][0] for p in op.get("parameters", [])
                     if p["in"] == "path" and "enum" in p["schema"]}
            if "{" in path:
                yield method.upper(), path, enums


PARAM_KINDS = {"filter_id": "filters", "list": "suppression-lists", "contact": "contacts",
               "followup": "followups", "contact_id": "contacts"}


def _fill(path: str, enums: dict, objects: dict, mine: dict) -> str | None:
    """The path with A's objects in it (the first named one A's, the rest the caller's);
    None if the route names no object of an account (plans, roles...)."""
    first = path.split("/")[2]
    out, foreign = path, False
    for name in re.findall(r"\{(\w+)\}", path):
        kind = first if name == "id" else PARAM_KINDS.get(name, name)
        if name in enums:
            value = enums[name]
        elif kind in objects:
            value, foreign = (objects if not foreign else mine)[kind], True
        else:
            return None
        out = out.replace("{" + name + "}", str(value), 1)
    return out if foreign else None


async def test_every_route_refuses_another_account_s_objects(env):
    aiohttp_client, app, store, clock, ids = env
    client, csrf = await sign_in(aiohttp_client, app)
    checked = []
    for method, template, enums in _routes(app):
        # A's objects only; and A's object first, the caller's own after it
        paths = {_fill(template, enums, ids["a"], ids["a"]),
                 _fill(template, enums, ids["a"], ids["b"])}
        if len(re.findall(r"\{(\w+)\}", template)) - len(enums) > 1:
            paths.add(_fill(template, enums, ids["b"], ids["a"]))  # own parent, A's child
        for path in paths:
            if path is None:
                continue
            resp = await client.request(method, path, json={}, headers={"X-CSRF-Token": csrf})
            assert resp.status in (403, 404), (method, template, path, resp.status,
                                               await resp.text())
            checked.append((method, template))
    # B's own objects in the same routes mostly work: the refusals above are about A
    own = await client.get(f"/api/campaigns/{ids['b']['campaigns']}")
    assert own.status == 200
    print(f"{len(checked)} requests over {len(set(checked))} routes refused")
    assert len(set(checked)) > 80, len(set(checked))



# ---- secrets never logged ------------------------------------------------------------


class Everything(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_secrets_never_reach_the_logs_even_at_debug(tmp_path):
    url = f"sqlite:///{tmp_path}/dialer.db"
    db = open_database(url)
    migrate(db)
    account = Account.create(name="Acme", plan=ServicePlan.create(name="base"))
    auth.create_user(account.id, username="boss", password="pw-Zebra-771", role="admin")
    db.close()
    root, handler = logging.getLogger(), Everything()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with Served(url) as app:  # start: migrate, ARI connect and resync
            base = app.base_url
            ari_password = app.ari.password
            web = requests.Session()
            resp = web.post(base + "/api/session",
                            json={"username": "boss", "password": "pw-Zebra-771"})
            assert resp.status_code == 200
            csrf, cookie = resp.json()["csrf"], web.cookies[SESSION_COOKIE]
            me = web.get(base + "/api/session").json()
            resp = web.post(f"{base}/api/users/{me['user_id']}/api-tokens", json={},
                            headers={"X-CSRF-Token": csrf})
            token = resp.json()["token"]
            api = {"Authorization": f"Bearer {token}"}
            assert requests.get(base + "/api/plans", headers=api).status_code == 200
            assert requests.get(base + "/api/plans", headers={
                "Authorization": "Bearer wrong-" + token}).status_code == 401
            web.post(base + "/api/session", json={"username": "boss", "password": "pw-Zebra-7"})
            web.delete(base + "/api/session", headers={"X-CSRF-Token": csrf})
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    logged = "\n".join(handler.lines)
    assert "ARI connected" in logged or "ari" in logged.lower()  # the capture did work
    for secret in (ari_password, "pw-Zebra-771", "pw-Zebra-7", token, cookie, csrf):
        assert secret not in logged, secret


def test_dialer_config_masks_every_secret(tmp_path, capsys, monkeypatch):
    conf = tmp_path / "dialer.toml"
    conf.write_text('[ari]\npassword = "file-ari-secret"\n'
                    '[database]\nurl = "postgresql://dialer:db-Secret-9@db.example/dialer"\n')
    assert cli.main(["config", "--config", str(conf)]) in (0, None)
    out = capsys.readouterr().out
    assert "file-ari-secret" not in out and "db-Secret-9" not in out
    assert "dialer:***@db.example" in out
    monkeypatch.setenv("DIALER_ARI_PASSWORD", "env-ari-secret")
    monkeypatch.setenv("DIALER_DATABASE_URL", "postgresql://u:env-db-pass@h:5432/d?x=1")
    assert cli.main(["config", "--config", str(conf)]) in (0, None)
    out = capsys.readouterr().out
    assert "env-ari-secret" not in out and "env-db-pass" not in out
    assert repr(load_config(conf)).count("file-ari-secret") == 0, "repr(Config) shows it"
