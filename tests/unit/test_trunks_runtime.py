"""The trunks' runtime (dialer/trunks/shell.py) on a real SQLite store: calls routed at the
same moment take one probe of a cooled-down trunk between them, not one each; legs of a
node's channels gone while it was away are closed on the resync; a call taken back after a
restart frees its trunk's channel when it ends."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialer.ari import AriError
from dialer.db import Store, migrate, open_database
from dialer.db.models import Trunk, TrunkLeg
from dialer.features import PbxSnapshot, ResyncHandover
from dialer.outbound import events as ev
from dialer.outbound.machine import adopted, transition
from dialer.trunks import breaker as b, store as trunks_store
from dialer.trunks.shell import Trunks
from tests.unit.test_outbound_machine import _settings

pytestmark = pytest.mark.timeout(30)
NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


class QuietAri:
    """An ARI whose endpoints are not on the PBX: the resync logs it and goes on."""

    async def request(self, method, path):
        raise AriError(404, method, path, "Endpoint not found")


@pytest.fixture
async def runtime(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/d.db")
    migrate(db)
    a = Trunk.create(name="A", target="carrier-a", priority=1).id
    bb = Trunk.create(name="B", target="carrier-b", priority=2).id
    db.close()
    store = Store(db)
    trunks = Trunks(store, default_endpoint="carrier", node="n1", now=lambda: NOW)
    yield trunks, store, a, bb
    await store.close()


async def test_one_probe_of_a_cooled_down_trunk_among_calls_routed_together(runtime):
    trunks, _, a, bb = runtime
    trunks.breakers[a] = b.Breaker(b.BreakerState.OPEN, 3, NOW - dt.timedelta(seconds=31))
    routes = await asyncio.gather(*(trunks.route(1, "+12125550100", frozenset(),
                                                 channel_id=f"c{n}", attempt_id=n)
                                    for n in range(4)))
    assert sorted(r.trunk.id for r in routes) == [a, bb, bb, bb]
    assert [r.probe for r in routes if r.trunk.id == a] == [True]
    assert trunks.breakers[a].state is b.BreakerState.HALF_OPEN


async def test_the_resync_closes_the_legs_of_channels_gone(runtime):
    trunks, store, a, _ = runtime
    for n in range(3):
        await trunks.route(1, "+12125550100", frozenset(), channel_id=f"c{n}", attempt_id=n)
    await trunks.feature().resync.run(QuietAri(), PbxSnapshot([{"id": "c1"}], [], False),
                                      ResyncHandover())
    still = await store.run(lambda: [leg.channel_id for leg in TrunkLeg.select().where(
        TrunkLeg.ended_at.is_null())])
    assert still == ["c1"]
    assert await store.run(trunks_store.live_trunk, "c1") == a
    assert await store.run(trunks_store.live_trunk, "c0") is None


def test_a_call_taken_back_frees_its_trunks_channel_when_it_ends():
    state = adopted(_settings(), 9, "c9", 0.0, agent_id=7, answered_at=NOW, recording=None,
                    trunk=2)
    _, effects = transition(state, ev.HungUp(16), 5.0)
    assert ev.ReleaseTrunk(2, "c9", True) in effects
