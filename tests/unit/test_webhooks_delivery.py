"""The sender against a real HTTP receiver on 127.0.0.1: signed deliveries, retries after
a 500 and after a receiver that never answers (on a simulated clock), a slow receiver
holding up nothing else, and deliveries left by a stopped process sent after a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from dialer.config import WebhooksConfig
from dialer.db import Store, migrate, open_database
from dialer.db.models import Account, WebhookDelivery, WebhookEndpoint, WebhookTry
from dialer.webhooks import events, outbox, store as hooks
from dialer.webhooks.shell import GuardedResolver, Webhooks
from tests.campaign_driver import wait_until
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.timeout(60)
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)
EVENT = events.DispositionSaved(attempt_id=1, campaign_id=2, contact_id=3, agent_id=4,
                                disposition="sale", saved_at=T0)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def rig(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    account = Account.create(name="acme").id
    db.close()
    store = Store(db)
    receiver = await Receiver().start()
    clock, senders = Clock(), []

    async def endpoint(path: str, kinds=("disposition.saved",)) -> dict:
        return await store.run(hooks.create_endpoint, account,
                               {"url": receiver.url + path, "events": list(kinds)},
                               allow_private=True, now=clock())

    def sender(node: str = "n1", timeout: int = 10) -> Webhooks:
        s = Webhooks(store, WebhooksConfig(allow_private=True, timeout_seconds=timeout),
                     node=node, now=clock, poll_seconds=0.02)
        senders.append(s)
        return s

    async def emit(event=EVENT) -> int:
        return await store.run(outbox.record, account, event, clock())

    yield store, receiver, clock, endpoint, sender, emit
    for s in senders:
        await s.stop()
    await receiver.stop()
    await store.close()


async def deliveries(store) -> list[dict]:
    return await store.run(lambda: list(WebhookDelivery.select().order_by(WebhookDelivery.id)
                                        .dicts()))


async def test_a_delivery_is_signed_and_its_try_logged(rig):
    store, receiver, clock, endpoint, sender, emit = rig
    hook = await endpoint("/in")
    assert await emit() == 1
    await sender().start()
    [got] = await receiver.wait_for(1)
    assert got.verifies(hook["secret"], int(time.time()))
    assert not got.verifies("whsec_someone-else", int(time.time()))
    assert got.headers["Dialer-Event"] == "disposition.saved"
    assert got.headers["Content-Type"] == "application/json"
    body = got.json
    assert got.headers["Dialer-Event-Id"] == body["id"] and body["id"].startswith("evt_")
    assert body["data"] == {"attempt_id": 1, "campaign_id": 2, "contact_id": 3, "agent_id": 4,
                            "disposition": "sale", "saved_at": "2026-03-02T15:00:00+00:00"}
    await wait_until(lambda: _status(store, "delivered"), 5, step=0.02)
    log = await store.run(hooks.get_delivery, hook["id"], int(got.headers["Dialer-Delivery-Id"]))
    assert log["status"] == "delivered" and log["attempts"] == 1 and log["body"] == got.body.decode()
    [one] = log["tries"]
    assert one["status_code"] == 200 and one["error"] is None and one["duration_ms"] >= 0


async def _status(store, status: str, count: int = 1) -> bool:
    return sum(d["status"] == status for d in await deliveries(store)) >= count


async def test_only_subscribed_and_enabled_endpoints_get_an_event(rig):
    store, receiver, clock, endpoint, sender, emit = rig
    await endpoint("/wants")
    await endpoint("/other-kind", kinds=("voicemail.left",))
    off = await endpoint("/off")
    await store.run(hooks.update_endpoint, off["id"], {"enabled": False}, allow_private=True)
    assert await emit() == 1
    assert [d["endpoint"] for d in await deliveries(store)] == [1]


async def test_a_500_is_tried_again_on_the_schedule(rig):
    store, receiver, clock, endpoint, sender, emit = rig
    await endpoint("/in")
    receiver.answers["/in"] = [500, 200]
    await emit()
    await sender().start()
    await receiver.wait_for(1)
    await wait_until(lambda: _tried(store, 1), 5, step=0.02)
    [d] = await deliveries(store)
    assert d["status"] == "pending" and d["last_status_code"] == 500
    wait = (d["next_attempt_at"] - T0.replace(tzinfo=None)).total_seconds()
    assert 8 <= wait <= 10, wait  # the first retry: 10 s, less up to 20% jitter
    await asyncio.sleep(0.2)
    assert len(receiver.received) == 1  # not before its time
    clock.now += dt.timedelta(seconds=10)
    second = (await receiver.wait_for(2))[1]
    assert second.json["id"] == receiver.received[0].json["id"]  # the same event
    await wait_until(lambda: _status(store, "delivered"), 5, step=0.02)
    [d] = await deliveries(store)
    assert d["attempts"] == 2 and d["last_status_code"] == 200


async def _tried(store, attempts: int, index: int = 0) -> bool:
    """Has the `index`-th delivery had `attempts` tries?"""
    return (await deliveries(store))[index]["attempts"] >= attempts


async def test_a_receiver_that_never_answers_holds_up_nothing_and_is_tried_again(rig):
    store, receiver, clock, endpoint, sender, emit = rig
    await endpoint("/slow")
    receiver.answers["/slow"] = ["hang"]
    await emit()
    await sender(timeout=1).start()
    await receiver.wait_for(1, "/slow")
    # while the slow receiver holds its request: new changes queue their events and
    # another endpoint's deliveries go out
    await endpoint("/fast")
    assert await emit() == 2
    await receiver.wait_for(1, "/fast")
    assert receiver.held == 1
    await wait_until(lambda: _tried(store, 1), 5, step=0.05)
    slow = (await deliveries(store))[0]
    assert slow["status"] == "pending" and slow["last_error"] == "no answer within 1 s"
    assert slow["last_status_code"] is None and slow["last_duration_ms"] >= 1000
    clock.now += dt.timedelta(seconds=10)
    await receiver.wait_for(2, "/slow")
    await wait_until(lambda: _status(store, "delivered", 3), 5, step=0.02)


async def test_deliveries_left_by_a_stopped_dialer_are_sent_after_its_restart(rig):
    store, receiver, clock, endpoint, sender, emit = rig
    await endpoint("/in")
    receiver.answers["/in"] = ["hang"]
    await emit()
    first = sender(timeout=30)
    await first.start()
    await receiver.wait_for(1)
    await first.stop()  # mid-send: its claim is left in the database
    [d] = await deliveries(store)
    assert d["status"] == "pending" and d["claimed_by"] == "n1"
    await emit()  # queued while no dialer runs
    receiver.release()
    await sender().start()  # the same node, restarted
    await wait_until(lambda: _status(store, "delivered", 2), 5, step=0.02)
    assert len({r.json["id"] for r in receiver.received}) == 2


async def test_a_refused_address_is_not_connected_to(rig):
    """The configuration changed since the endpoint was registered: private addresses are
    no longer allowed, and the delivery is refused before any connection."""
    store, receiver, clock, endpoint, sender, emit = rig
    await endpoint("/in")
    await emit()
    strict = Webhooks(store, WebhooksConfig(allow_private=False), node="n1", now=clock,
                      poll_seconds=0.02)
    await strict.start()
    try:
        await wait_until(lambda: _tried(store, 1), 5, step=0.02)
    finally:
        await strict.stop()
    [d] = await deliveries(store)
    assert d["last_error"].startswith("refused: 127.0.0.1 is a loopback or private address")
    assert receiver.received == []


async def test_names_are_resolved_to_allowed_addresses_only():
    """DNS is checked at connection time (a name may point anywhere later): `localhost`
    resolves to loopback, refused without allow_private."""
    with pytest.raises(OSError, match="no address webhooks may reach"):
        await GuardedResolver(allow_private=False).resolve("localhost", 80)
    found = await GuardedResolver(allow_private=True).resolve("localhost", 80)
    assert found and all(r["host"] in ("127.0.0.1", "::1") for r in found)


def test_old_deliveries_done_with_are_pruned_pending_ones_kept(db):
    account = Account.create(name="acme")
    hook = WebhookEndpoint.create(account=account, url="https://crm.example.com/",
                                  secret="whsec_x", events=["voicemail.left"])
    old, new = T0 - dt.timedelta(days=31), T0 - dt.timedelta(days=1)
    rows = {(status, at): WebhookDelivery.create(endpoint=hook, event_id="evt", kind="k",
                                                 body="{}", status=status, created_at=at)
            for status in ("delivered", "failed", "pending") for at in (old, new)}
    for d in rows.values():
        WebhookTry.create(delivery=d, node="n1", status_code=200, duration_ms=1)
    assert outbox.prune(T0 - dt.timedelta(days=30)) == 2
    left = {(d.status, d.created_at) for d in WebhookDelivery.select()}
    assert left == {(s, at.replace(tzinfo=None)) for s, at in rows} - {
        ("delivered", old.replace(tzinfo=None)), ("failed", old.replace(tzinfo=None))}
    assert WebhookTry.select().count() == 4  # the pruned deliveries' tries went with them
