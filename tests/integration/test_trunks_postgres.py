"""A trunk's caps are global (issue 21): two nodes sharing one real PostgreSQL route legs
through one trunk at once, and its channel cap and calls-per-second cap hold over both
(the routing choice and the leg's row are one transaction under an advisory lock).

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialer.db import Store
from dialer.db.models import Trunk, TrunkLeg
from dialer.trunks.routing import Route
from dialer.trunks.shell import Trunks
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(90),
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]
US = "+12125550100"


async def _two_nodes(pg, **caps):  # noqa: F811
    stores = [Store(pg), Store(pg)]
    trunk_id = await stores[0].run(lambda: Trunk.create(name="A", target="carrier-a", **caps).id)
    return stores, [Trunks(store, default_endpoint="carrier", node=f"n{i}")
                    for i, store in enumerate(stores, start=1)], trunk_id


async def test_a_channel_cap_of_5_holds_over_two_nodes(pg):  # noqa: F811
    stores, nodes, trunk_id = await _two_nodes(pg, max_channels=5)
    live, most = 0, 0

    async def call(node: Trunks, n: int) -> None:
        nonlocal live, most
        channel = f"ch-{node.node}-{n}"
        route = await node.route(1, US, frozenset(), channel_id=channel, attempt_id=n)
        assert isinstance(route, Route) and route.trunk.id == trunk_id
        live += 1
        most = max(most, live)
        await asyncio.sleep(0.15)  # talking
        live -= 1  # counted off before its row is closed: never under the database's count
        await node.leg_ended(trunk_id, channel, healthy=True)

    try:
        await asyncio.gather(*(call(nodes[n % 2], n) for n in range(20)))
        assert most == 5  # the cap is reached, never passed, over both nodes
        legs = await stores[0].run(lambda: list(TrunkLeg.select().dicts()))
        assert len(legs) == 20 and all(leg["ended_at"] for leg in legs)
        assert {leg["node"] for leg in legs} == {"n1", "n2"}
    finally:
        for store in stores:
            await store.close()


async def test_a_cps_cap_of_2_holds_over_a_burst_from_two_nodes(pg):  # noqa: F811
    stores, nodes, trunk_id = await _two_nodes(pg, max_cps=2)
    try:
        await asyncio.gather(*(nodes[n % 2].route(1, US, frozenset(), channel_id=f"c{n}",
                                                  attempt_id=n) for n in range(8)))
        starts = sorted(await stores[0].run(
            lambda: [leg.started_at for leg in TrunkLeg.select()]))
        assert len(starts) == 8
        for i, start in enumerate(starts):  # any second holds two starts at most
            assert sum(1 for s in starts[i:] if s - start < dt.timedelta(seconds=1)) <= 2
        assert starts[-1] - starts[0] >= dt.timedelta(seconds=3)  # 8 calls at 2 per second
    finally:
        for store in stores:
            await store.close()
