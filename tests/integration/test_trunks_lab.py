"""Trunks on the real lab (issue 21): two carrier simulators, carrier A (sim, the PBX's
endpoint carrier) and carrier B (sim2, carrier-b).

- Carrier A starts answering every call with a 503 mid-campaign: each later call moves to
  B on the same attempt (none lost, none dialled twice at once), A's breaker takes it out,
  and once A works again a probe call brings it back in.
- A channel cap of 5 holds with 20 agents on a predictive campaign, as carrier B sees it
  (its own channels, polled through its ARI).
- A cap of 2 calls per second holds over a burst, as carrier B's own log times the calls'
  arrivals.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest

from dialer.ari import AriClient
from dialer.db import campaigns
from dialer.db.models import Trunk, TrunkLeg
from dialer.trunks.breaker import BreakerPolicy, BreakerState
from tests.campaign_driver import login_all, run_to_end, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human, untimed_areas

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]
ARRIVAL = re.compile(r"^\[(\S+ \S+)\].*Executing \[\+(\d+)@from-pbx:1\]")


def arrivals(instance, since: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """When each call reached the carrier simulator, from its own log (ms timestamps)."""
    found = []
    for line in (instance.dir / "log/messages.log").read_text(errors="replace").splitlines():
        match = ARRIVAL.match(line)
        if match:
            at = dt.datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S.%f")
            if at >= since:
                found.append((at, "+" + match[2]))
    return found


async def define(d, **trunks: dict) -> dict[str, int]:
    ids = await d.store.run(lambda: {name: Trunk.create(name=name, **values).id
                                     for name, values in trunks.items()})
    await d.trunks.reload()
    return ids


def legs() -> list[dict]:
    return list(TrunkLeg.select().order_by(TrunkLeg.id).dicts())


def desk_phones(count: int) -> list[str]:
    """The benches' desk phones (answered at once; agent4-8 have wills of their own)."""
    return [f"PJSIP/agent{n}" for n in range(101, 101 + count)]


def local_now() -> dt.datetime:
    return dt.datetime.now()  # the simulators log local time


async def test_carrier_a_fails_mid_campaign_calls_go_through_b_and_a_is_probed_back(dialer, lab):
    numbers = [human(1, area) for area in untimed_areas(201, 800)[:40]]
    seed = await dialer.store.run(seed_campaign, numbers, agents=lab.info["agents"][:4],
                                  campaign={"bcw_seconds": 0, "amd_enabled": False})
    ids = await define(dialer, A={"target": "carrier", "priority": 1},
                       B={"target": "carrier-b", "priority": 2})
    dialer.trunks.policy = BreakerPolicy(failures_to_open=3, cool_down=dt.timedelta(seconds=4))
    await login_all(dialer, seed["agent_ids"])
    cid = seed["campaign_id"]
    await dialer.store.run(campaigns.set_status, cid, "running")
    healthy_on = lambda trunk: lambda: dialer.store.run(lambda: sum(  # noqa: E731
        1 for leg in legs() if leg["trunk"] == ids[trunk] and leg["healthy"]))
    await wait_until(lambda: _at_least(healthy_on("A"), 3), 60)
    lab.sim.rx("dialplan set global FAILING 503")  # carrier A: 503 to every call from now
    await wait_until(lambda: dialer.trunks.breakers[ids["A"]].state is BreakerState.OPEN, 60)
    b_before = await healthy_on("B")()
    await wait_until(lambda: _at_least(healthy_on("B"), b_before + 3), 60)
    lab.sim.rx("dialplan set global FAILING 0")  # A works again: probed after the cool-down
    mended = dialer.now()
    await wait_until(lambda: dialer.trunks.breakers[ids["A"]].state is BreakerState.CLOSED, 60)
    rows = await run_to_end(dialer, cid, timeout=180, start=False)

    assert sorted(r["phone"] for r in rows) == sorted(numbers)  # one attempt per contact
    assert {r["outcome"] for r in rows} == {"human"}, [r["outcome"] for r in rows]  # none lost
    all_legs = await dialer.store.run(legs)
    failed = [leg for leg in all_legs if leg["trunk"] == ids["A"] and leg["healthy"] is False]
    assert len(failed) >= 3
    for leg in failed:  # each call A failed went on through B, on its attempt
        assert [x["trunk"] for x in all_legs if x["attempt_id"] == leg["attempt_id"]
                and x["started_at"] > leg["started_at"]] == [ids["B"]]
    probed = [leg for leg in all_legs if leg["trunk"] == ids["A"] and leg["healthy"]
              and leg["started_at"].replace(tzinfo=dt.UTC) > mended]
    assert probed, "A was never probed back in"
    assert dialer.trunks.breakers[ids["A"]].state is BreakerState.CLOSED
    # what the carriers themselves saw: B took every call A failed, A every other one
    by_b = {phone for _, phone in arrivals(lab.sim2, dt.datetime.min)}
    assert {r["phone"] for r in rows if r["id"] in {leg["attempt_id"] for leg in failed}} <= by_b


async def _at_least(count, wanted: int) -> bool:
    return await count() >= wanted


async def test_a_channel_cap_of_5_holds_with_20_agents_on_predictive(dialer, lab):
    numbers = [human(3, area) for area in untimed_areas(201, 800)[:40]]
    seed = await dialer.store.run(seed_campaign, numbers, agents=desk_phones(20),
                                  campaign={"mode": "predictive", "bcw_seconds": 0,
                                            "amd_enabled": False, "max_lines_per_agent": 2.0})
    await define(dialer, B={"target": "carrier-b", "max_channels": 5})
    side = lab.info["sim2"]
    carrier_b = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "sim")
    peak, samples = 0, 0

    async def watch():
        nonlocal peak, samples
        while True:
            peak = max(peak, len(await carrier_b.list_channels()))
            samples += 1
            await asyncio.sleep(0.05)
    await login_all(dialer, seed["agent_ids"])
    watcher = asyncio.create_task(watch())
    try:
        rows = await run_to_end(dialer, seed["campaign_id"], timeout=240)
    finally:
        watcher.cancel()
        await carrier_b.close()
    assert sorted(r["phone"] for r in rows) == sorted(numbers)
    assert {r["outcome"] for r in rows} <= {"human", "abandoned"}
    print(f"carrier B's channels: peak {peak} over {samples} samples")
    assert peak == 5  # the cap was reached, and never passed


async def test_a_cps_cap_of_2_holds_over_a_burst(dialer, lab):
    busy = [f"+1{area}5553000" for area in untimed_areas(201, 800)[:16]]  # 486 at once
    seed = await dialer.store.run(seed_campaign, busy, agents=desk_phones(8),
                                  campaign={"bcw_seconds": 0, "amd_enabled": False})
    await define(dialer, B={"target": "carrier-b", "max_cps": 2})
    await login_all(dialer, seed["agent_ids"])
    since = local_now()
    rows = await run_to_end(dialer, seed["campaign_id"], timeout=120)
    assert {r["outcome"] for r in rows} == {"busy"} and len(rows) == len(busy)
    seen = sorted(at for at, phone in arrivals(lab.sim2, since) if phone in busy)
    assert len(seen) == len(busy)  # carrier B saw each call once
    most = max(sum(1 for t in seen[i:] if t - start < dt.timedelta(seconds=1))
               for i, start in enumerate(seen))
    span = (seen[-1] - seen[0]).total_seconds()
    print(f"carrier B: {len(seen)} calls in {span:.2f} s, at most {most} in any second")
    assert most <= 2
    assert span >= 7  # 16 calls at 2 a second: the cap held them back
