"""Webhook deliveries claimed by several nodes on one real PostgreSQL: claims made in
transactions open at the same time take different rows (SELECT ... FOR UPDATE SKIP
LOCKED: without it the second claim would wait for the first, or take the same rows), and
two senders on one database send each delivery exactly once.

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter

import pytest

from dialer.config import WebhooksConfig
from dialer.db import Store
from dialer.db.models import Account, WebhookDelivery, WebhookTry, database_proxy
from dialer.webhooks import events, outbox, store as hooks
from dialer.webhooks.shell import Webhooks
from tests.campaign_driver import wait_until
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture
from tests.webhook_receiver import Receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(60),
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)
LEASE = dt.timedelta(seconds=40)


def _queue(url: str, count: int) -> None:
    account = Account.create(name="acme").id
    hooks.create_endpoint(account, {"url": url, "events": ["voicemail.left"]},
                          allow_private=True, now=T0)
    for n in range(count):
        outbox.record(account, events.VoicemailLeft(n, "+12125550100", None, f"vm-{n}"), T0)


def test_claims_in_transactions_open_together_take_different_rows(pg):  # noqa: F811
    _queue("http://127.0.0.1:9/in", 20)
    held, done = threading.Barrier(2, timeout=10), threading.Barrier(2, timeout=10)
    claimed: dict[str, list[int]] = {}

    def first():
        with database_proxy.atomic():
            claimed["n1"] = [o.delivery_id for o in outbox.claim_due("n1", T0, 12, LEASE)]
            held.wait()   # n2 claims while this transaction still holds its rows
            done.wait()

    def second():
        held.wait()
        with database_proxy.atomic():
            claimed["n2"] = [o.delivery_id for o in outbox.claim_due("n2", T0, 20, LEASE)]
        done.wait()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert len(claimed["n1"]) == 12 and len(claimed["n2"]) == 8
    assert not set(claimed["n1"]) & set(claimed["n2"])
    owners = Counter(d.claimed_by for d in WebhookDelivery.select())
    assert owners == {"n1": 12, "n2": 8}
    assert outbox.claim_due("n3", T0, 20, LEASE) == []  # all claimed, none expired yet
    assert len(outbox.claim_due("n3", T0 + LEASE + dt.timedelta(seconds=1), 20, LEASE)) == 20


async def test_two_senders_on_one_database_send_each_delivery_once(pg):  # noqa: F811
    receiver = await Receiver().start()
    stores = [Store(pg), Store(pg)]
    senders = [Webhooks(store, WebhooksConfig(allow_private=True), node=f"n{i}",
                        now=lambda: T0, poll_seconds=0.01, concurrency=3)
               for i, store in enumerate(stores, start=1)]
    try:
        await stores[0].run(_queue, receiver.url + "/in", 60)
        await asyncio.gather(*(s.start() for s in senders))
        await receiver.wait_for(60, timeout=30)
        await wait_until(lambda: _all_delivered(stores[0]), 10, step=0.05)
        await asyncio.sleep(0.3)  # anything sent twice would have arrived by now
        ids = Counter(r.headers["Dialer-Delivery-Id"] for r in receiver.received)
        assert len(ids) == 60 and set(ids.values()) == {1}
        nodes = await stores[0].run(lambda: Counter(t.node for t in WebhookTry.select()))
        assert set(nodes) == {"n1", "n2"} and sum(nodes.values()) == 60, nodes
    finally:
        for s in senders:
            await s.stop()
        await receiver.stop()
        for store in stores:
            await store.close()


async def _all_delivered(store: Store) -> bool:
    return await store.run(lambda: not WebhookDelivery.select().where(
        WebhookDelivery.status != "delivered").exists())
