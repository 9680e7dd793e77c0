"""The webhooks' REST API with a running sender and a real receiver: register (the secret
shown once), the delivery log, replay, a new secret; URL checks; and from the attacker's
side: another account's admin, a campaign manager and an admin whose profile hides a
campaign can neither read, change nor replay an account's endpoints and deliveries."""

from __future__ import annotations

import json
import time

import pytest

from dialer.config import WebhooksConfig
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import Account, AuditEntry, Campaign, WebhookDelivery
from dialer.web.app import create_app
from dialer.webhooks import events, outbox
from dialer.webhooks.shell import Webhooks
from tests.campaign_driver import wait_until
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.timeout(60)
VOICEMAIL = events.VoicemailLeft(voicemail_id=9, caller="+12125550100", contact_id=None,
                                 recording_name="vm-9")


def bearer(account_id: int, role: str, name: str, **fields) -> dict:
    """A user without a password (no Argon2 hash to make: quick), and its token."""
    user = auth.create_user(account_id, username=name, role=role, **fields)
    return {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    acme, other = (Account.create(name=n) for n in ("acme", "other"))
    shown = Campaign.create(account=acme, name="shown")
    Campaign.create(account=acme, name="hidden")
    narrow = roles.create_profile(acme.id, "shown only", False, [shown.id])["id"]
    headers = {"admin": bearer(acme.id, "supervisor", "admin"),
               "manager": bearer(acme.id, "campaign manager", "manager"),
               "narrow": bearer(acme.id, "supervisor", "narrow", profile_id=narrow),
               "stranger": bearer(other.id, "supervisor", "stranger")}
    db.close()
    store = Store(db)
    receiver = await Receiver().start()
    dialer = FakeDialer(store)
    dialer.webhooks = Webhooks(store, WebhooksConfig(allow_private=True), node="n1",
                               now=dialer.now, poll_seconds=0.02)
    await dialer.webhooks.start()
    client = await aiohttp_client(create_app(dialer))
    yield client, dialer, receiver, headers, {"acme": acme.id, "other": other.id}
    await dialer.webhooks.stop()
    await receiver.stop()
    await store.close()


async def _register(client, h, account_id: int, url: str, kinds=("voicemail.left",)) -> dict:
    resp = await client.post(f"/api/accounts/{account_id}/webhooks", headers=h,
                             json={"url": url, "events": list(kinds), "description": "CRM"})
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_register_deliver_read_the_log_and_replay(env):
    client, dialer, receiver, h, ids = env
    hook = await _register(client, h["admin"], ids["acme"], receiver.url + "/crm")
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["voicemail.left"]
    listed = await (await client.get(f"/api/accounts/{ids['acme']}/webhooks",
                                     headers=h["admin"])).json()
    assert [e["id"] for e in listed["items"]] == [hook["id"]]
    assert "secret" not in listed["items"][0]
    one = await (await client.get(f"/api/webhooks/{hook['id']}", headers=h["admin"])).json()
    assert "secret" not in one and one["url"] == receiver.url + "/crm"
    await dialer.store.run(outbox.record, ids["acme"], VOICEMAIL, dialer.now())
    [first] = await receiver.wait_for(1)
    assert first.verifies(hook["secret"], int(time.time()))
    log = await _log(client, h["admin"], hook["id"], 1, "delivered")
    delivery_id = log[0]["id"]
    resp = await client.post(f"/api/webhooks/{hook['id']}/deliveries/{delivery_id}/replay",
                             headers=h["admin"])
    assert resp.status == 201
    replayed = await resp.json()
    assert replayed["replay_of"] == delivery_id and replayed["event_id"] == first.json["id"]
    second = (await receiver.wait_for(2))[1]
    assert second.body == first.body and second.verifies(hook["secret"], int(time.time()))
    assert second.headers["Dialer-Delivery-Id"] == str(replayed["id"])
    await _log(client, h["admin"], hook["id"], 2, "delivered")
    detail = await (await client.get(f"/api/webhooks/{hook['id']}/deliveries/{delivery_id}",
                                     headers=h["admin"])).json()
    assert json.loads(detail["body"])["type"] == "voicemail.left"
    assert [t["status_code"] for t in detail["tries"]] == [200]


async def _log(client, h, hook_id: int, count: int, status: str) -> list[dict]:
    """The endpoint's delivery log once `count` deliveries have `status`."""
    async def ready():
        resp = await client.get(f"/api/webhooks/{hook_id}/deliveries?status={status}",
                                headers=h)
        return len((await resp.json())["items"]) >= count
    await wait_until(ready, 5, step=0.02)
    resp = await client.get(f"/api/webhooks/{hook_id}/deliveries", headers=h)
    return (await resp.json())["items"]


async def test_a_new_secret_signs_what_follows(env):
    client, dialer, receiver, h, ids = env
    hook = await _register(client, h["admin"], ids["acme"], receiver.url + "/crm")
    resp = await client.post(f"/api/webhooks/{hook['id']}/secret", headers=h["admin"])
    fresh = (await resp.json())["secret"]
    assert fresh != hook["secret"]
    await dialer.store.run(outbox.record, ids["acme"], VOICEMAIL, dialer.now())
    [got] = await receiver.wait_for(1)
    assert got.verifies(fresh, int(time.time()))
    assert not got.verifies(hook["secret"], int(time.time()))
    audit = await dialer.store.run(lambda: [e.after for e in AuditEntry.select().where(
        AuditEntry.kind == "webhook_endpoint")])
    assert [after.get("secret") for after in audit] == [None, "(changed)"]  # never its value
    assert fresh not in json.dumps(audit) and hook["secret"] not in json.dumps(audit)


@pytest.mark.parametrize("url, private, message", [
    ("http://169.254.169.254/latest/meta-data/", True, "link-local"),
    ("https://user:secret@hooks.example.com/", True, "user name or password"),
    ("ftp://hooks.example.com/", True, "http"),
    ("http://127.0.0.1:9/", False, "allow_private"),
    ("http://10.0.0.5/", False, "allow_private"),
])
async def test_urls_refused_at_registration(env, url, private, message):
    client, dialer, receiver, h, ids = env
    dialer.webhooks.settings = WebhooksConfig(allow_private=private)
    resp = await client.post(f"/api/accounts/{ids['acme']}/webhooks", headers=h["admin"],
                             json={"url": url, "events": ["voicemail.left"]})
    assert resp.status == 400
    body = await resp.json()
    assert_error(body, "url")
    assert message in body["error"]["message"]


@pytest.mark.parametrize("body, field", [
    ({"url": "https://hooks.example.com/"}, "events"),
    ({"url": "https://hooks.example.com/", "events": []}, "events"),
    ({"url": "https://hooks.example.com/", "events": ["call.everything"]}, "events"),
    ({"events": ["voicemail.left"]}, "url"),
    ({"url": "https://hooks.example.com/", "events": ["voicemail.left"], "enabled": "yes"},
     "enabled"),
    ({"url": "https://hooks.example.com/", "events": ["voicemail.left"], "secret": "mine"},
     "secret"),
])
async def test_bad_bodies_name_their_field(env, body, field):
    client, dialer, receiver, h, ids = env
    resp = await client.post(f"/api/accounts/{ids['acme']}/webhooks", headers=h["admin"],
                             json=body)
    assert resp.status == 400
    assert_error(await resp.json(), field)


async def test_nobody_else_reads_changes_or_replays_an_accounts_webhooks(env):
    client, dialer, receiver, h, ids = env
    mine = await _register(client, h["admin"], ids["acme"], receiver.url + "/acme")
    theirs = await _register(client, h["stranger"], ids["other"], receiver.url + "/other")
    await dialer.store.run(outbox.record, ids["acme"], VOICEMAIL, dialer.now())
    delivery = (await _log(client, h["admin"], mine["id"], 1, "delivered"))[0]["id"]
    base = f"/api/webhooks/{mine['id']}"
    attacks = [("GET", f"/api/accounts/{ids['acme']}/webhooks", None),
               ("POST", f"/api/accounts/{ids['acme']}/webhooks",
                {"url": "https://evil.example.com/", "events": ["attempt.finished"]}),
               ("GET", base, None), ("PATCH", base, {"url": "https://evil.example.com/"}),
               ("POST", base + "/secret", None), ("GET", base + "/deliveries", None),
               ("GET", f"{base}/deliveries/{delivery}", None),
               ("POST", f"{base}/deliveries/{delivery}/replay", None), ("DELETE", base, None)]
    for who, field in (("stranger", "account"), ("manager", None), ("narrow", "profile_id")):
        for method, url, body in attacks:
            resp = await client.request(method, url, headers=h[who], json=body)
            assert resp.status == 403, (who, method, url, resp.status)
            if field:
                assert_error(await resp.json(), field)
    # another endpoint's delivery through one's own endpoint: not found
    resp = await client.post(f"/api/webhooks/{theirs['id']}/deliveries/{delivery}/replay",
                             headers=h["stranger"])
    assert resp.status == 404
    assert_error(await resp.json(), "delivery_id")
    resp = await client.get(f"/api/webhooks/{theirs['id']}/deliveries/{delivery}",
                            headers=h["stranger"])
    assert resp.status == 404
    # nothing changed, nothing sent again
    one = await (await client.get(base, headers=h["admin"])).json()
    assert one["url"] == receiver.url + "/acme"
    assert await dialer.store.run(WebhookDelivery.select().count) == 1
    assert len(receiver.received) == 1
    assert len(await _log(client, h["stranger"], theirs["id"], 0, "delivered")) == 0
