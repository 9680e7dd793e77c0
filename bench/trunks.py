"""Trunks and caller-ID pools at load on the real lab PBX (issue 21): the originate rate and
the dialer's CPU with 4 trunks (two on each carrier simulator, one weighted choice, every
leg a `trunk_leg` row against the caps) and a 1,000-number caller-ID pool (local presence,
a daily count per call), against one trunk (the config's) and the campaign's plain caller
id (tests/campaign_seed.py's), at the same number of calls in flight.

    .venv/bin/python -m bench.trunks             # 500 in flight, 30 s ring (about 5 min)
    .venv/bin/python -m bench.trunks --quick     # 200 in flight, 15 s ring (about 2 min)

Each setup runs in its own child process and database (trunks are system-wide): a
predictive campaign of never-answering numbers in 280 US area codes (they ring until the
dialer's ring timeout), `max_lines_per_agent` set for the target, pacing statistics seeded
so the policy dials up to it at once. Measured as bench/lab_overhead.py does: the burst
(ChannelCreated of the dialer's `out-*` channels while filling the target), calls up, the
steady originates per second and the dialer's CPU (/proc/<pid>/stat) in the window after
the first calls ring out.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from bench.child import spawn_child, stop_child
from bench.lab_overhead import AGENT_PHONES, Watch, child, cpu_seconds, set_status
from dialer.lab import Lab

SETUPS = ("one trunk, plain caller ids", "4 trunks, 1,000-number pool")
TRUNKS = {"A1": "carrier", "A2": "PJSIP/{digits}@carrier", "B1": "carrier-b",
          "B2": "PJSIP/{digits}@carrier-b"}  # the two simulators, two ways each


def seed(db_url: str, level: int, ring: int, phase: float, pooled: bool) -> dict:
    from dialer.callerids import store as pools
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from dialer.db.models import (Attempt, Campaign, CampaignContact, Contact, ContactPhone,
                                  Trunk)
    from tests.campaign_seed import seed_campaign
    from tests.lab_calls import untimed_areas

    db = open_database(db_url)
    migrate(db)
    areas = untimed_areas(201, 1000)
    with db.atomic():
        ids = seed_campaign([], agents=AGENT_PHONES, campaign={
            "name": "load", "mode": "predictive", "bcw_seconds": 0, "amd_enabled": True,
            "max_attempts": 1, "ring_timeout_seconds": ring,
            "max_lines_per_agent": (level + 0.01) / len(AGENT_PHONES),
            "abandon_target_percent": 100, "regulated": False,
            "unregulated_reason": "load test against the lab's simulators"})
        camp = Campaign.get_by_id(ids["campaign_id"])
        first = None
        for i in range(int(level * (1 + phase / ring)) + 50):  # never answers: ...4xxx
            contact = Contact.create(account=camp.account, name=f"n{i}")
            area = areas[i % len(areas)]
            ContactPhone.create(contact=contact, number=f"+1{area}{600 + i // 1000:03d}4{i % 1000:03d}")
            CampaignContact.create(campaign=camp, contact=contact)
            first = first or contact
        old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
        Attempt.insert_many([{"campaign": camp, "contact": first, "phone": "+12126004000",
                              "channel_id": f"seed-{k}", "started_at": old,
                              "ended_at": old + dt.timedelta(seconds=ring),
                              "outcome": "no_answer"} for k in range(300)]).execute()
        if pooled:
            for name, target in TRUNKS.items():
                Trunk.create(name=name, target=target, priority=1)
            pool = pools.create_pool(camp.account_id, {"name": "local"})
            numbers = [f"+1{areas[i % len(areas)]}555{i // len(areas):04d}"
                       for i in range(1000)]
            pools.add_numbers(pool["id"], {"numbers": numbers}, old)
    db.close()
    return {"campaign": camp.id, "agents": ids["agent_ids"]}


async def run_setup(info: dict, pooled: bool, level: int, ring: int, phase: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-trunks-"))
    db_url = f"sqlite:///{tmp}/d.sqlite3"
    ids = seed(db_url, level, ring, phase, pooled)
    side = info["pbx"]
    proc, log_path = spawn_child("bench.trunks", tmp, side | {"db": db_url, "agents": ids["agents"]})
    watch = Watch(side)
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch.run(ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        line = await asyncio.to_thread(proc.stdout.readline)
        assert line.strip() == "ready", f"the dialer did not start; see {log_path}"
        return await measure(watch, proc.pid, db_url, ids["campaign"], level, ring, phase,
                             log_path)
    finally:
        await watch.hang_up_all()
        stop_child(proc)
        watcher.cancel()


async def measure(watch: Watch, pid: int, db_url: str, campaign_id: int, level: int,
                  ring: int, phase: float, log_path: Path) -> dict:
    set_status(db_url, campaign_id, "running")
    t0, peak, samples, cpu = time.time(), 0, [], {}
    while (elapsed := time.time() - t0) < ring + 5 + phase:
        await asyncio.sleep(1)
        peak = max(peak, len(watch.live))
        if elapsed >= ring + 5:
            samples.append(len(watch.live))
            cpu = cpu or {"t": time.time(), "dialer": cpu_seconds(pid)}
    wall, used = time.time() - cpu["t"], cpu_seconds(pid) - cpu["dialer"]
    set_status(db_url, campaign_id, "suspended")
    created = sorted(watch.created.values())
    in_window = sum(1 for t in created if t >= cpu["t"] - 0.5)
    burst = created[:level]
    log = log_path.read_text()
    return {"peak": peak, "mean_up": sum(samples) / max(1, len(samples)),
            "burst": len(burst),
            "rate": (len(burst) - 1) / (burst[-1] - burst[0]) if len(burst) > 1 else 0.0,
            "steady": in_window / wall, "cpu100": 100 * used / max(1, in_window),
            "cpu%": 100 * used / wall, "causes": dict(watch.causes),
            "warnings": log.count(" WARNING "), "errors": log.count(" ERROR "),
            "log": str(log_path)}


async def main_run(args) -> None:
    level, ring, phase = (200, 15, 15.0) if args.quick else (args.level, 30, 40.0)
    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    rows = []
    try:
        for pooled in (False, True):
            rows.append(await run_setup(info, pooled, level, ring, phase))
            await asyncio.sleep(3)
    finally:
        if not was_up:
            lab.down()
    print(f"trunks benchmark: {level} calls in flight targeted, ring timeout {ring} s, "
          f"{len(AGENT_PHONES)} agents, {os.cpu_count()} CPUs\n")
    print("| setup | calls up (peak / mean in window) | burst: first N originates "
          "| originates/s steady | dialer CPU s / 100 calls | dialer CPU | other causes "
          "| warnings / errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in zip(SETUPS, rows, strict=True):
        causes = ", ".join(f"{k} {v}" for k, v in r["causes"].items()) or "none"
        print(f"| {name} | {r['peak']} / {r['mean_up']:.0f} | {r['burst']} at "
              f"{r['rate']:.1f}/s | {r['steady']:.1f} | {r['cpu100']:.2f} | "
              f"{r['cpu%']:.0f}% | {causes} | {r['warnings']} / {r['errors']} |")
    print("\n(CPU % of one core; logs: " + ", ".join(r["log"] for r in rows) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--level", type=int, default=500)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(child(args.child) if args.child else main_run(args))


if __name__ == "__main__":
    main()
