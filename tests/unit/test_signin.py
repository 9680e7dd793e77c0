"""Sign-in under attack, from the attacker's side, over the real app (SQLite): password
work never on the database thread, bounded, throttled; headers behind a proxy."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections import Counter

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from argon2 import PasswordHasher

from dialer.config import ConfigError, load_config
from dialer.db import Store, auth, migrate, open_database
from dialer.db.models import Account, ServicePlan
from dialer.web import signin
from dialer.web.app import create_app
from dialer.web.hardening import ClientView, client_view, parse_proxies
from tests.auth_helpers import bearer
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer

GOOD = "password1"


class RecordingHasher(PasswordHasher):
    """Argon2 as shipped, noting the thread of each check and hash; `gate` holds checks."""

    def __init__(self):
        super().__init__()
        self.threads: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    def verify(self, hash, password):
        self.threads.append(threading.current_thread().name)
        self.gate.wait(10)
        return super().verify(hash, password)

    def hash(self, password, **kwargs):
        self.threads.append(threading.current_thread().name)
        return super().hash(password, **kwargs)


@pytest.fixture(autouse=True)
def answer_at_once(monkeypatch):
    """Refused sign-ins are answered without being held (one test holds them), and the
    throttle's clock stands still (tests that need time to pass move it), so no wait runs
    out between two attempts on a loaded machine."""
    monkeypatch.setattr(signin, "MAX_HOLD_SECONDS", 0)
    monkeypatch.setattr(signin, "clock", lambda: 1000.0)


@pytest.fixture
async def env(tmp_path, aiohttp_client, monkeypatch):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    acme = Account.create(name="Acme", plan=ServicePlan.create(name="base"))
    auth.create_user(acme.id, username="boss", password=GOOD, role="admin")
    auth.create_user(acme.id, username="nopass", role="agent")
    admin = bearer(acme.id)
    db.close()
    store = Store(db)
    hasher = RecordingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)

    async def client(server_kwargs=None, **app_args):
        server = TestServer(create_app(FakeDialer(store), **app_args))
        await server.start_server(**(server_kwargs or {}))  # (TestServer drops them)
        return await aiohttp_client(server)
    yield client, hasher, admin, acme.id
    await store.close()


async def attempt(client, username, password="wrong-guess", **headers):
    return await client.post("/api/session", json={"username": username,
                                                   "password": password}, headers=headers)


async def test_password_work_runs_in_its_own_pool_once_per_attempt(env):
    client, hasher, admin, account_id = env
    http = await client()
    for username in ("boss", "ghost", "nopass"):  # wrong, unknown, without a password
        resp = await attempt(http, username)
        assert resp.status == 400
        assert_error(await resp.json(), "password")
    assert (await attempt(http, "boss", GOOD)).status == 200
    assert len(hasher.threads) == 4  # one verification each: no shortcut to time
    resp = await http.post(f"/api/accounts/{account_id}/users", headers=admin,
                           json={"username": "carol", "password": "new password 1"})
    assert resp.status == 201
    resp = await http.patch(f"/api/users/{(await resp.json())['id']}", headers=admin,
                            json={"password": "newer password 2"})
    assert resp.status == 200
    resp = await http.post(f"/api/accounts/{account_id}/agents", headers=admin,
                           json={"username": "dave", "endpoint": "PJSIP/dave",
                                 "password": "agent password 3"})
    assert resp.status == 201
    assert (await attempt(http, "carol", "newer password 2")).status == 200
    assert (await attempt(http, "dave", "agent password 3")).status == 200
    assert len(hasher.threads) == 9
    assert all(name.startswith("dialer-passwords") for name in hasher.threads), hasher.threads
    resp = await http.patch("/api/users/1", headers=admin, json={"password": "short"})
    assert resp.status == 400
    assert_error(await resp.json(), "password")
    assert len(hasher.threads) == 9  # refused before any hashing


async def test_the_database_answers_while_checks_hang(env):
    """Were a check on the database thread, this GET would wait for the gate."""
    client, hasher, admin, _ = env
    http = await client()
    hasher.gate.clear()
    pending = [asyncio.ensure_future(attempt(http, "boss")) for _ in range(3)]
    while not hasher.threads:
        await asyncio.sleep(0.01)
    plans = await asyncio.wait_for(http.get("/api/plans", headers=admin), 5)
    assert plans.status == 200
    assert not any(task.done() for task in pending)
    hasher.gate.set()
    assert [r.status for r in await asyncio.gather(*pending)] == [400, 400, 400]


async def test_a_full_pool_refuses_with_503_and_retry_after(env, monkeypatch):
    client, hasher, _, _ = env
    monkeypatch.setattr(signin, "MAX_WAITING", 1)
    http = await client()
    hasher.gate.clear()
    pending = [asyncio.ensure_future(attempt(http, name)) for name in ("a", "b")]
    while not hasher.threads:
        await asyncio.sleep(0.01)
    resp = await attempt(http, "c")
    assert resp.status == 503 and resp.headers["Retry-After"] == "1"
    assert_error(await resp.json(), "password")
    hasher.gate.set()
    assert [r.status for r in await asyncio.gather(*pending)] == [400, 400]
    assert (await attempt(http, "boss", GOOD)).status == 200  # the refusal cost no backoff


async def test_guessing_a_name_is_answered_429_with_retry_after(env):
    client, hasher, _, _ = env
    http = await client()
    answers = await asyncio.gather(*(attempt(http, "boss") for _ in range(20)))
    assert sorted(r.status for r in answers) == [400] * 4 + [429] * 16
    refused = next(r for r in answers if r.status == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert_error(await refused.json(), "password")
    assert len(hasher.threads) == 4  # the refused ones cost no password check
    assert (await attempt(http, "boss", GOOD)).status == 429  # even the right password
    assert (await attempt(http, "ghost")).status == 400  # another name: not yet held back


async def test_refused_sign_ins_are_logged_as_one_line_a_minute(env, monkeypatch, caplog):
    """A flood's refusals cost no log line each (event-loop time and disk); real checks
    and every other request are logged as aiohttp logs them."""
    client, _, _, _ = env
    now = [1000.0]
    monkeypatch.setattr(signin, "clock", lambda: now[0])
    monkeypatch.setattr(signin.AccessLog, "refused", Counter())
    monkeypatch.setattr(signin.AccessLog, "first_refused_at", None)
    http = await client(server_kwargs={"access_log_class": signin.AccessLog})
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    answers = [(await attempt(http, "boss")).status for _ in range(20)]
    assert answers == [400] * 4 + [429] * 16
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 4 and all('" 400 ' in line for line in lines), lines
    now[0] += 61  # the name may try once more, then is refused again
    assert [(await attempt(http, "boss")).status for _ in range(2)] == [400, 429]
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert '" 400 ' in lines[4]
    assert lines[5:] == ["sign-ins refused in the last 61 s: 17 x 429"]
    await http.get("/api/openapi.json")
    assert "GET /api/openapi.json" in caplog.records[-1].getMessage()


async def test_refusals_leave_no_garbage_for_the_collector(env):
    """A refused sign-in is freed when answered: raised on to aiohttp, each stayed in a
    reference cycle (exception, traceback, request) until a full collection, and a flood's
    piled up into pauses of the event loop of 140 ms (bench.signin_flood)."""
    client, _, _, _ = env
    http = await client()
    gc.collect()
    gc.disable()
    try:
        statuses = [(await attempt(http, "boss")).status for _ in range(30)]
        assert statuses.count(429) == 26
        assert [o for o in gc.get_objects() if isinstance(o, web.HTTPException)] == []
    finally:
        gc.enable()


async def test_public_routes_read_no_session_from_the_database(env, monkeypatch):
    """A sign-in flood that sends cookies or bearer tokens costs no lookup on the
    database's thread (which the calls use)."""
    client, _, _, _ = env
    lookups = []
    real = auth.identify
    monkeypatch.setattr(auth, "identify", lambda *a: lookups.append(a) or real(*a))
    http = await client()
    junk = {"Authorization": "Bearer junk", "Cookie": "dialer_session=junk"}
    for _ in range(5):
        assert (await attempt(http, "ghost", **junk)).status in (400, 429)
    assert (await http.get("/api/openapi.json", headers=junk)).status == 200
    assert lookups == []
    assert (await http.get("/api/session", headers=junk)).status == 401
    assert len(lookups) == 1


async def test_a_short_wait_is_held_not_refused(env, monkeypatch):
    """A client that re-sends at once is kept waiting for its turn: at most one attempt
    per wait reaches the throttle, and the flood's connections idle meanwhile."""
    client, hasher, _, _ = env
    now = [1000.0]
    monkeypatch.setattr(signin, "clock", lambda: now[0])
    monkeypatch.setattr(signin, "MAX_HOLD_SECONDS", 5)
    http = await client()
    for _ in range(4):
        assert (await attempt(http, "boss")).status == 400
    held = asyncio.ensure_future(attempt(http, "boss", GOOD))  # must wait 1 s
    await asyncio.sleep(0.3)
    assert not held.done() and http.app[signin.HELD].count == 1
    now[0] += 1
    assert (await held).status == 200  # its turn came: checked, signed in
    assert http.app[signin.HELD].count == 0


async def test_spraying_names_from_one_address_is_held_back(env):
    client, _, _, _ = env
    http = await client()
    statuses = [(await attempt(http, f"user{i}")).status for i in range(13)]
    assert statuses == [400] * 11 + [429] * 2


async def test_forwarded_headers_only_from_trusted_proxies(env):
    client, _, _, _ = env
    direct = await client()  # the test client connects from 127.0.0.1
    resp = await attempt(direct, "boss", GOOD, **{"X-Forwarded-Proto": "https"})
    assert "Secure" not in resp.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in resp.headers
    for i in range(11):
        await attempt(direct, f"user{i}", **{"X-Forwarded-For": f"198.51.100.{i}"})
    assert (await attempt(direct, "x", **{"X-Forwarded-For": "198.51.100.99"})).status == 429

    proxied = await client(trusted_proxies=("127.0.0.0/8",))
    for i in range(20):  # 20 clients behind the proxy: only the name holds them back
        resp = await attempt(proxied, f"someone{i % 2}",
                             **{"X-Forwarded-For": f"198.51.100.{i}, 127.0.0.2"})
        assert resp.status == (400 if i < 8 else 429)
    resp = await attempt(proxied, "boss", GOOD, **{"X-Forwarded-For": "203.0.113.5",
                                                   "X-Forwarded-Proto": "https"})
    assert resp.status == 200
    assert "Secure" in resp.headers["Set-Cookie"]
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_pages_send_the_security_headers(env):
    client, _, _, _ = env
    http = await client()
    for path in ("/login", "/static/console.js", "/api/health", "/api/nowhere"):
        resp = await http.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"


PROXIES = parse_proxies(["10.0.0.0/8", "2001:db8::1"])


@pytest.mark.parametrize("peer, xff, proto, expected", [
    ("192.0.2.1", "198.51.100.7", "https", ("192.0.2.1", "http")),  # untrusted peer: ignored
    ("10.1.2.3", "198.51.100.7", "https", ("198.51.100.7", "https")),
    ("10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9", "http", ("198.51.100.7", "http")),
    ("10.1.2.3", "junk, 198.51.100.7", None, ("198.51.100.7", "http")),
    ("10.1.2.3", "198.51.100.7, junk", None, ("10.1.2.3", "http")),
    ("10.1.2.3", None, "gopher", ("10.1.2.3", "http")),
    ("2001:db8::1", "2001:db8:1::5", "https", ("2001:db8:1::5", "https")),
    (None, "198.51.100.7", "https", (None, "http")),
])
def test_client_view_believes_only_trusted_proxies(peer, xff, proto, expected):
    assert client_view(peer, "http", xff, proto, PROXIES) == ClientView(*expected)


def test_trusted_proxies_from_the_file_or_the_environment(tmp_path):
    path = tmp_path / "dialer.toml"
    path.write_text('[web]\ntrusted_proxies = ["10.0.0.5", "fd00::/8"]\n')
    assert load_config(path, env={}).web.trusted_proxies == ("10.0.0.5", "fd00::/8")
    cfg = load_config(path, env={"DIALER_TRUSTED_PROXIES": "192.0.2.1, 192.0.2.0/28"})
    assert cfg.web.trusted_proxies == ("192.0.2.1", "192.0.2.0/28")
    assert load_config(None, env={}).web.trusted_proxies == ()
    path.write_text('[web]\ntrusted_proxies = ["proxy.example"]\n')
    with pytest.raises(ConfigError, match=r"trusted_proxies: 'proxy.example'"):
        load_config(path, env={})
