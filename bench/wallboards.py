"""Wallboards during a soak (issue 18): the dialer's CPU and the AMD HUMAN -> agent bridge
p99 with no wallboard open, then with 50 open (each a server-sent events stream of
/api/accounts/{id}/floor/stream, read as a browser would).

    .venv/bin/python -m bench.wallboards                 # 250 calls in flight, 96 agents,
                                                         # 2 rounds of 3 + 3 min
    .venv/bin/python -m bench.wallboards --calls 60 --phase 60 --rounds 1 --quick
    DIALER_LAB_NAME=h1 DIALER_LAB_PBX_IP=127.0.0.11 DIALER_LAB_SIM_IP=127.0.0.12 \\
        .venv/bin/python -m bench.wallboards ...         # another lab

The child is bench.soak's: the same seeded predictive campaign and contact mix (soak.seed),
the same Dialer (bench.child), plus its web server and an admin's API token. HUMAN ->
bridge is timed from Asterisk's own event timestamps (bench.lab_overhead.Watch). The
machine's load over each phase (all its cores, whoever used them) is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.lab_overhead import Watch, pct
from bench.reads import _free_port
from bench.soak import cpu_seconds, profile, seed, set_status

WALLBOARDS = 50
KINDS = ("snapshot", "agent", "agent_hidden", "call", "monitor")  # the feed's events
# Enough agents that a human seldom waits for a free one (the soak's 31 for 250 calls keep
# them all busy, and HUMAN -> bridge then times the wait for an agent, up to the 2 s after
# which the call is abandoned, not the dialer): the lab's 6 desk phones and 90 of its 96
# benchmark phones.
AGENTS = 96


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
    # after the drain: calls the wallboards' hub still holds (none unless one leaked)
    print("drained " + json.dumps({"hub_calls": len(d.agents.floor.calls),
                                   "tracked_calls": len(d.calls.calls),
                                   "streams": len(d.agents.floor.subscribers)}), flush=True)
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
    """Counted by the kinds' names in each chunk read: the readers share the dialer's
    cores, so they spend as little as they can (a browser would parse each event, on the
    supervisor's own machine)."""
    names = [(kind, f"event: {kind}\n".encode()) for kind in KINDS]
    async for chunk in resp.content.iter_any():
        for kind, name in names:
            counts[kind] = counts.get(kind, 0) + chunk.count(name)


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every core since boot (/proc/stat): the machine's load
    over a phase, whoever caused it (other engineers' lab tests share these cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


@dataclass
class Phase:
    """One measured window: its times, CPU seconds per process, the machine's load."""
    name: str
    t0: float
    t1: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    machine: float = 0.0                       # share of all cores busy
    loadavg: str = ""                          # /proc/loadavg's 1-min figure at the end
    calls_up: list[int] = field(default_factory=list)  # out-* channels, sampled each second


async def measure(name: str, seconds: float, pids: dict[str, int | None],
                  watch: Watch) -> Phase:
    phase = Phase(name, time.time())
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    busy0, total0 = machine_busy()
    while time.time() - phase.t0 < seconds:
        await asyncio.sleep(1)
        phase.calls_up.append(len(watch.live))
    phase.t1 = time.time()
    phase.cpu = {k: (cpu_seconds(p) - cpu0[k]) / (phase.t1 - phase.t0) for k, p in pids.items()}
    busy1, total1 = machine_busy()
    phase.machine = (busy1 - busy0) / max(1, total1 - total0)
    phase.loadavg = Path("/proc/loadavg").read_text().split()[0]
    return phase


def start_child(tmp: Path, p, side: dict, port: int) -> tuple[subprocess.Popen, Path]:
    (tmp / "child.json").write_text(json.dumps(side | {
        "db": f"sqlite:///{tmp / 'd.sqlite3'}", "calls": p.calls, "agents": p.agents,
        "ring": p.ring, "talk": p.talk, "seed": 1,
        "contacts": p.calls * (4 if p.redial_minutes < 1 else 15),
        "redial_minutes": p.redial_minutes, "port": port}))
    log_path = tmp / "dialer.log"
    proc = subprocess.Popen([sys.executable, "-m", "bench.wallboards", "--child",
                             str(tmp / "child.json")], stdout=subprocess.PIPE,
                            stderr=log_path.open("w"), text=True,
                            cwd=Path(__file__).resolve().parents[1])
    return proc, log_path


async def phases(args, p, proc: subprocess.Popen, log_path: Path, port: int, watch: Watch,
                 pids: dict[str, int | None], counts: dict[str, int]) -> list[Phase]:
    """No wallboard, then WALLBOARDS open, `args.rounds` times, each phase `args.phase`
    seconds."""
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 120 + p.agents)
    assert line.startswith("ready "), f"the dialer did not start: {line!r}; see {log_path}"
    ids = json.loads(line.split(" ", 1)[1])
    db_path = str(log_path.parent / "d.sqlite3")
    set_status(db_path, ids["campaign_id"], "running")
    await asyncio.sleep(args.warmup)
    done = []
    url = f"http://127.0.0.1:{port}/api/accounts/{ids['account_id']}/floor/stream"
    for _ in range(args.rounds):  # alternated: the machine's other load drifts
        done.append(await measure("no wallboard", args.phase, pids, watch))
        stop = asyncio.Event()
        boards = [asyncio.create_task(wallboard(url, ids["token"], stop, counts))
                  for _ in range(WALLBOARDS)]
        await asyncio.sleep(2)  # the streams open, each with its snapshot
        done.append(await measure(f"{WALLBOARDS} wallboards open", args.phase, pids, watch))
        stop.set()
        await asyncio.gather(*boards)
    set_status(db_path, ids["campaign_id"], "suspended")
    await asyncio.sleep(p.talk[1] + 10)
    return done


async def run(args) -> None:
    from dialer.lab import Lab

    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    p = profile(args.phase * 2 * args.rounds / 60, args.calls, quick=args.quick,
                agents=args.agents)
    tmp = Path(tempfile.mkdtemp(prefix="bench-wallboards-"))
    port = _free_port()
    proc, log_path = start_child(tmp, p, info["pbx"], port)
    watch = Watch(info["pbx"])
    watched = asyncio.Event()
    watcher = asyncio.create_task(watch.run(watched))
    counts: dict[str, int] = {}
    pids = {"dialer": proc.pid, "pbx": lab.pbx.pid(), "sim": lab.sim.pid(),
            "bench": os.getpid()}  # the 50 wallboards' readers (and the PBX watch)
    try:
        await asyncio.wait_for(watched.wait(), 10)
        done = await phases(args, p, proc, log_path, port, watch, pids, counts)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 60)
        assert proc.stdout is not None
        drained = [ln for ln in proc.stdout.read().splitlines() if ln.startswith("drained ")]
        watcher.cancel()
        await watch.hang_up_all()
        if not was_up:
            lab.down()
    report(args, p, done, watch, counts, log_path)
    print("after the drain, in the dialer: " + (drained[0].split(" ", 1)[1] if drained
                                                else "(not reported)"))


def report(args, p, done: list[Phase], watch: Watch, counts: dict[str, int],
           log_path: Path) -> None:
    print(f"\nwallboards bench: {p.calls} calls in flight target, {p.agents} agents, "
          f"{args.phase:.0f} s per phase after {args.warmup:.0f} s warm-up; "
          f"{os.cpu_count()} cores\n")
    print("| phase | calls up mean / peak | dialer CPU | PBX / simulator CPU | bench (readers) "
          "CPU | machine busy (load avg) | humans bridged | HUMAN -> bridge p50 | p99 | max |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for ph in done:
        got = [(watch.bridged[c] - t) * 1000 for c, t in watch.human_stasis.items()
               if ph.t0 <= t < ph.t1 and c in watch.bridged]
        humans = sum(ph.t0 <= t < ph.t1 for t in watch.human_stasis.values())
        up = ph.calls_up or [0]
        print(f"| {ph.name} | {sum(up) / len(up):.0f} / {max(up)} | "
              f"{100 * ph.cpu['dialer']:.0f}% | {100 * ph.cpu['pbx']:.0f}% / "
              f"{100 * ph.cpu['sim']:.0f}% | {100 * ph.cpu['bench']:.0f}% | "
              f"{100 * ph.machine:.0f}% ({ph.loadavg}) | "
              f"{len(got)} of {humans} | {pct(got, 0.5):.1f} ms | {pct(got, 0.99):.1f} ms | "
              f"{max(got, default=float('nan')):.1f} ms |")
    for name in dict.fromkeys(ph.name for ph in done):  # each arm, its rounds together
        got = [(watch.bridged[c] - t) * 1000 for c, t in watch.human_stasis.items()
               if c in watch.bridged and any(ph.name == name and ph.t0 <= t < ph.t1
                                             for ph in done)]
        print(f"| {name}, all rounds | | | | | | {len(got)} bridged | {pct(got, 0.5):.1f} ms "
              f"| {pct(got, 0.99):.1f} ms | {max(got, default=float('nan')):.1f} ms |")
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
    parser.add_argument("--agents", type=int, default=AGENTS,
                        help=f"agents logged in ({AGENTS}: humans seldom wait for one)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="no wallboard / wallboards open, alternated this often (2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
