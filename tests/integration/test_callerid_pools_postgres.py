"""A caller-ID pool's daily cap is global (issue 21): two nodes sharing one real
PostgreSQL pick numbers of one pool at once, and no number passes its cap (the count is
raised by the statement that checks it); once all are spent, both nodes say exhausted.

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest

from dialer.callerids import store as pools
from dialer.callerids.choice import Chosen, Exhausted
from dialer.db import Store
from dialer.db.models import Account, Campaign, PoolNumber
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(90),
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
NUMBERS = ["+13125550150", "+13125550151", "+13125550152"]


async def test_a_daily_cap_of_5_holds_over_two_nodes(pg):  # noqa: F811
    stores = [Store(pg), Store(pg)]

    def seed() -> tuple[int, int]:
        account = Account.create(name="Acme")
        campaign = Campaign.create(account=account, name="spring")
        pool = pools.create_pool(account.id, {"name": "local", "daily_cap": 5})
        pools.add_numbers(pool["id"], {"numbers": NUMBERS}, NOW)
        return account.id, campaign.id
    try:
        account_id, campaign_id = await stores[0].run(seed)
        picks = await asyncio.gather(*(
            stores[n % 2].run(pools.pick, campaign_id, account_id, "+13125550199", NOW)
            for n in range(24)))
        chosen = Counter(p.number.number for p in picks if isinstance(p, Chosen))
        assert chosen == dict.fromkeys(NUMBERS, 5)  # every call counted, none past the cap
        assert sum(isinstance(p, Exhausted) for p in picks) == 24 - 15
        counts = await stores[1].run(lambda: sorted(n.calls for n in PoolNumber.select()))
        assert counts == [5, 5, 5]
        for store in stores:
            assert await store.run(pools.exhausted, campaign_id, account_id, NOW) is not None
    finally:
        for store in stores:
            await store.close()
