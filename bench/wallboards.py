"""Wallboards during a soak (issue 18): the dialer's CPU and the AMD HUMAN -> agent bridge
p99 with no wallboard open, then with 50 open (each a server-sent events stream of
/api/accounts/{id}/floor/stream, read as a browser would).

    .venv/bin/python -m bench.wallboards                 # 250 calls in flight, 3 + 3 min
    .venv/bin/python -m bench.wallboards --calls 60 --phase 60 --quick
    DIALER_LAB_NAME=h1 DIALER_LAB_PBX_IP=127.0.0.11 DIALER_LAB_SIM_IP=127.0.0.12 \\
        .venv/bin/python -m bench.wallboards ...         # another lab

The child is bench.soak's: the same seeded predictive campaign and contact mix (soak.seed),
the same Dialer (bench.child), plus its web server and an admin's API token. HUMAN ->
bridge is timed from Asterisk's own event timestamps (bench.lab_overhead.Watch).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.lab_overhead import Watch, pct
from bench.reads import _free_port
from bench.soak import cpu_seconds, profile, seed, set_status

WALLBOARDS = 50


async def child(spec_path: str) -> None:
    """A Dialer and its web server on the soak's seeded database."""
    from bench.child import start_dialer, stop_on_signal
    from dialer.db import auth
    from dialer.db.database import open_database
    from dialer.db.models import Campaign
    from dialer.web.app import create_app

    spec = json.loads(Path(spec_path).read_text())
    ids = seed(spec["db"], spec)
    db = open_database(spec["db"])
    account_id = Campaign.get_by_id(ids["campaign_id"]).account_id
    # soak.seed's 100% abandonment target is above the legal limit (issue 17): not dialled
    Campaign.update(abandon_target_percent=3.0).where(Campaign.id == ids["campaign_id"]).execute()
    user = auth.create_user(account_id, username="floor", password="floor-pass-1", role="admin")
    token = auth.create_api_token(user["id"])["token"]
    db.close()
    d = await start_dialer(spec, "bench", ids["agent_ids"])
    runner = web.AppRunner(create_app(d))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", spec["port"]).start()
    stop = stop_on_signal()
    while not all(d.agents.describe(a).state == "available" for a in ids["agent_ids"]):
        await asyncio.sleep(0.2)
    print("ready " + json.dumps(ids | {"account_id": account_id, "token": token}), flush=True)
    await stop.wait()
    await runner.cleanup()
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()


async def wallboard(url: str, token: str, stop: asyncio.Event, counts: dict) -> None:
    """One open wallboard: reads the stream until `stop`, counting its events."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"},
                                     timeout=aiohttp.ClientTimeout(total=None)) as http:
        async with http.get(url) as resp:
            resp.raise_for_status()
            reading = asyncio.ensure_future(_count(resp, counts))
            await stop.wait()
            reading.cancel()


async def _count(resp: aiohttp.ClientResponse, counts: dict) -> None:
    async for line in resp.content:
        if line.startswith(b"event: "):
            kind = line[7:].decode().strip()
            counts[kind] = counts.get(kind, 0) + 1


async def run(args) -> None:
    from dialer.lab import Lab

    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    p = profile(args.phase * 2 / 60, args.calls, quick=args.quick)
    tmp = Path(tempfile.mkdtemp(prefix="bench-wallboards-"))
    db_path = tmp / "d.sqlite3"
    port = _free_port()
    side = info["pbx"]
    (tmp / "child.json").write_text(json.dumps(side | {
        "db": f"sqlite:///{db_path}", "calls": p.calls, "agents": p.agents, "ring": p.ring,
        "talk": p.talk, "contacts": p.calls * (4 if p.redial_minutes < 1 else 15), "seed": 1,
        "redial_minutes": p.redial_minutes, "port": port}))
    log_path = tmp / "dialer.log"
    proc = subprocess.Popen([sys.executable, "-m", "bench.wallboards", "--child",
                             str(tmp / "child.json")], stdout=subprocess.PIPE,
                            stderr=log_path.open("w"), text=True,
                            cwd=Path(__file__).resolve().parents[1])
    watch = Watch(side)
    watched = asyncio.Event()
    watcher = asyncio.create_task(watch.run(watched))
    windows: dict[str, tuple[float, float, float]] = {}  # name -> (from, to, CPU seconds)
    counts: dict[str, int] = {}
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 120 + p.agents)
        assert line.startswith("ready "), f"the dialer did not start: {line!r}; see {log_path}"
        ids = json.loads(line.split(" ", 1)[1])
        await asyncio.wait_for(watched.wait(), 10)
        set_status(str(db_path), ids["campaign_id"], "running")
        await asyncio.sleep(args.warmup)

        async def phase(name: str) -> None:
            t0, cpu0 = time.time(), cpu_seconds(proc.pid)
            await asyncio.sleep(args.phase)
            windows[name] = (t0, time.time(), cpu_seconds(proc.pid) - cpu0)

        await phase("no wallboard")
        stop = asyncio.Event()
        url = f"http://127.0.0.1:{port}/api/accounts/{ids['account_id']}/floor/stream"
        boards = [asyncio.create_task(wallboard(url, ids["token"], stop, counts))
                  for _ in range(WALLBOARDS)]
        await asyncio.sleep(2)  # the streams open, each with its snapshot
        await phase(f"{WALLBOARDS} wallboards open")
        stop.set()
        await asyncio.gather(*boards)
        set_status(str(db_path), ids["campaign_id"], "suspended")
        await asyncio.sleep(p.talk[1] + 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 60)
        watcher.cancel()
        await watch.hang_up_all()
        if not was_up:
            lab.down()
    print(f"\nwallboards bench: {p.calls} calls in flight target, {p.agents} agents, "
          f"{args.phase:.0f} s per phase after {args.warmup:.0f} s warm-up\n")
    print("| phase | dialer CPU | humans bridged | HUMAN -> bridge p50 | p99 | max |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (t0, t1, cpu) in windows.items():
        got = [(watch.bridged[c] - t) * 1000 for c, t in watch.human_stasis.items()
               if t0 <= t < t1 and c in watch.bridged]
        humans = sum(t0 <= t < t1 for t in watch.human_stasis.values())
        print(f"| {name} | {100 * cpu / (t1 - t0):.0f}% | {len(got)} of {humans} | "
              f"{pct(got, 0.5):.1f} ms | {pct(got, 0.99):.1f} ms | "
              f"{max(got, default=float('nan')):.1f} ms |")
    print(f"\nevents the {WALLBOARDS} streams received: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    errors = [ln for ln in log_path.read_text().splitlines() if " ERROR " in ln]
    print(f"(dialer log: {log_path}; errors: {len(errors)})")
    for ln in errors[:5]:
        print("  ", ln)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=250, help="calls in flight (250)")
    parser.add_argument("--phase", type=float, default=180.0, help="seconds per phase (180)")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before (30)")
    parser.add_argument("--quick", action="store_true", help="ring 20 s, short talk (soak's)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
