"""Failover inside one attempt, on the scripted fake PBX (tests/unit/test_nothing_stuck.py):
carrier A answers every call with a 503 (cause 34), so each call moves to carrier B on the
same attempt record, one channel at a time; A's breaker opens after three failures and the
later calls go straight to B. A busy callee is not retried on another trunk."""

from __future__ import annotations

import pytest

from dialer.db import campaigns
from dialer.db.models import Attempt, Trunk, TrunkLeg
from dialer.trunks.breaker import BreakerState
from tests.campaign_driver import wait_until
from tests.unit.test_nothing_stuck import (BUSY, CAMPAIGN, ScriptedPbx, check_nothing_stuck,
                                           dialer_on_fake_pbx, done)

pytestmark = pytest.mark.timeout(60)


class CarrierADown(ScriptedPbx):
    """Every call through endpoint carrier-a fails at once with a 503 (cause 34)."""

    def __init__(self, ari):
        super().__init__(ari)
        self.live_per_attempt: dict[str, int] = {}
        self.most_at_once = 0

    async def on_request(self, req) -> None:
        endpoint = req.query.get("endpoint", "")
        if req.method == "POST" and endpoint.endswith("@carrier-a"):
            channel_id = req.query["channelId"]
            self.ari.channels.append({"id": channel_id, "name": f"PJSIP/carrier-a-{channel_id}",
                                      "state": "Down"})
            self._later(0.02, self.destroy, channel_id, 34)
        else:
            await super().on_request(req)
        first = {c["id"].split("-")[2] for c in self.ari.channels if c["id"].startswith("out-")}
        for attempt_channel in first:  # channels of one attempt: out-<node>-<hex>[-<leg>]
            live = sum(1 for c in self.ari.channels if c["id"].split("-")[2] == attempt_channel
                       and c["id"].startswith("out-"))
            self.most_at_once = max(self.most_at_once, live)


async def test_carrier_a_fails_every_call_goes_through_b_on_the_same_attempt(tmp_path):
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d, seed = rig.d, rig.seed
        pbx = CarrierADown(rig.ari)
        a, b = await d.store.run(lambda: [
            Trunk.create(name="A", target="carrier-a", priority=1).id,
            Trunk.create(name="B", target="carrier-b", priority=2).id])
        await d.trunks.reload()
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await wait_until(lambda: done(d, pbx), 20, step=0.05)
        outcomes = await check_nothing_stuck(d, seed, pbx)
        assert outcomes == ["busy", "human", "human", "human", "machine"]  # none lost
        rows = await d.store.run(lambda: list(Attempt.select().dicts()))
        assert len(rows) == len(CAMPAIGN)  # one attempt per contact, failover or not
        legs = await d.store.run(lambda: list(TrunkLeg.select().order_by(TrunkLeg.id).dicts()))
        assert all(leg["ended_at"] is not None for leg in legs)
        through_b = {leg["attempt_id"] for leg in legs if leg["trunk"] == b}
        assert through_b == {r["id"] for r in rows}  # every call ended up on B
        on_a = [leg for leg in legs if leg["trunk"] == a]
        assert len(on_a) == 3 and not any(leg["healthy"] for leg in on_a)  # then A is out
        assert d.calls.trunks.breakers[a].state is BreakerState.OPEN
        assert pbx.most_at_once == 1  # never two channels to one contact
        failed_over = [r for r in rows if r["id"] in {leg["attempt_id"] for leg in on_a}]
        assert all(r["channel_id"].endswith("-1") for r in failed_over)
        busy = [r for r in rows if r["phone"] == BUSY]
        assert busy[0]["outcome"] == "busy"
        assert sum(1 for leg in legs if leg["attempt_id"] == busy[0]["id"]
                   and leg["trunk"] == b) == 1  # a busy callee: not tried on another trunk
