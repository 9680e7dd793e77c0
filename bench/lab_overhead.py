"""The dialer's own overhead on the real lab PBX (issue 7): a real `Dialer` (SQLite in a
temp dir) runs in a child process against the lab; this process seeds its database, steers
its campaigns through the database (the runner reads them every tick) and watches the
PBX through its own ARI app subscribed to every channel and bridge.

    .venv/bin/python -m bench.lab_overhead            # full run (about 6 min)
    .venv/bin/python -m bench.lab_overhead --quick    # shorter phases (about 2.5 min)

1. Overhead: a progressive campaign of simulator humans (talk 6 s) on the lab's answering
   desk phones; per connected call, from the customer channel entering Stasis with its AMD
   verdict (ChannelDialplan Stasis(dialer,amd,HUMAN,..)) to its ChannelEnteredBridge into
   `dialer-agent-*`, both by Asterisk's own event timestamps.
2./3. Load: predictive campaigns of never-answering numbers (they ring until the dialer's
   ring timeout), `max_lines_per_agent` set so that 50 / 200 / 500 calls are in flight;
   their pacing statistics are seeded with 300 finished no-answer attempts so the policy
   dials up to the cap at once. Burst originations per second (ChannelCreated of the
   dialer's `out-*` channels while filling the cap), calls up at once, the child's CPU
   (/proc/<pid>/stat) per 100 calls placed in the steady-state window, and the PBX's and
   the simulator's CPU, the causes of calls that ended otherwise than by the ring timeout,
   the dialer's warnings.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench.child import spawn_child, stop_child
from dialer.lab import Lab

AGENT_PHONES = ["PJSIP/agent1", "PJSIP/agent2", "PJSIP/agent3", "PJSIP/agent4",
                "PJSIP/agent5", "PJSIP/agent6"]  # agent7 never answers, agent8 declines
LEVELS = (50, 200, 500)
TICKS = os.sysconf("SC_CLK_TCK")


# ---- the child: a real Dialer ------------------------------------------------------------
async def child(cfg_path: str) -> None:
    from bench.child import start_dialer, stop_on_signal

    spec = json.loads(Path(cfg_path).read_text())
    d = await start_dialer(spec, "bench", spec["agents"])
    stop = stop_on_signal()
    while not all(d.agents.describe(a).state == "available" for a in spec["agents"]):
        await asyncio.sleep(0.2)
    print("ready", flush=True)
    await stop.wait()
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()


# ---- seeding -----------------------------------------------------------------------------
def seed(db_url: str, ring: int, phase_b: float) -> dict:
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from dialer.db.models import (Attempt, Campaign, CampaignContact, CallerIdNumber, Contact,
                                  ContactPhone)
    from tests.campaign_seed import seed_campaign

    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        talk = 6
        humans = [f"+1212{700 + i // 10:03d}1{i % 10}{talk:02d}" for i in range(400)]
        ids = seed_campaign(humans, agents=AGENT_PHONES, campaign={
            "name": "overhead", "mode": "progressive", "bcw_seconds": 0,
            "ring_timeout_seconds": 15})
        base = Campaign.get_by_id(ids["campaign_id"])
        levels, offset = {}, 0
        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
        for level in LEVELS:
            camp = Campaign.create(account=base.account, agent_group=base.agent_group,
                                   name=f"load-{level}", mode="predictive", amd_enabled=True,
                                   max_attempts=1, ring_timeout_seconds=ring,
                                   max_lines_per_agent=(level + 0.01) / len(AGENT_PHONES),
                                   abandon_target_percent=100,  # the policy out of the way
                                   regulated=False,  # a load test, against the simulator
                                   unregulated_reason="load test against the lab's simulator")
            CallerIdNumber.create(campaign=camp, number="+12125550100")
            count = int(level * (1 + phase_b / ring)) + 50
            first = None
            for i in range(offset, offset + count):  # never answers: ...4xxx
                contact = Contact.create(account=base.account, name=f"n{i}", client_id=f"n{i}")
                ContactPhone.create(contact=contact, number=f"+1212{600 + i // 1000:03d}4{i % 1000:03d}")
                CampaignContact.create(campaign=camp, contact=contact)
                first = first or contact
            offset += count
            Attempt.insert_many([
                {"campaign": camp, "contact": first, "phone": "+12126004000",
                 "channel_id": f"seed-{camp.id}-{k}", "started_at": old,
                 "ended_at": old + dt.timedelta(seconds=ring), "outcome": "no_answer"}
                for k in range(300)]).execute()
            levels[level] = camp.id
    db.close()
    return {"overhead": ids["campaign_id"], "levels": levels, "agents": ids["agent_ids"]}


def set_status(db_url: str, campaign_id: int, status: str) -> None:
    from dialer.db.database import open_database
    from dialer.db.models import Campaign

    db = open_database(db_url)
    Campaign.update(status=status).where(Campaign.id == campaign_id).execute()
    db.close()


# ---- watching the PBX --------------------------------------------------------------------
def _ts(event: dict) -> float:
    return dt.datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def cpu_seconds(pid: int | None) -> float:
    if not pid:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


class Watch:
    """Every channel and bridge event of the PBX, as the `bench` ARI app."""

    def __init__(self, side: dict):
        self.side = side
        self.created: dict[str, float] = {}       # out-* channel -> ChannelCreated time
        self.human_stasis: dict[str, float] = {}  # -> entered Stasis with AMD HUMAN
        self.bridged: dict[str, float] = {}       # -> entered a dialer-agent-* bridge
        self.live: set[str] = set()
        self.causes: Counter = Counter()
        self.errors = 0

    def auth(self) -> dict:
        token = base64.b64encode(f"{self.side['ari_user']}:{self.side['ari_password']}".encode())
        return {"Authorization": "Basic " + token.decode()}

    async def run(self, ready: asyncio.Event) -> None:
        url = self.side["ari_url"] + "/ari"
        async with aiohttp.ClientSession(headers=self.auth()) as http:
            async with http.ws_connect(url + "/events", params={"app": "bench"}) as ws:
                async with http.post(url + "/applications/bench/subscription",
                                     params={"eventSource": "channel:,bridge:"}) as resp:
                    resp.raise_for_status()
                ready.set()
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        self.on(json.loads(msg.data))

    def on(self, e: dict) -> None:
        cid = e.get("channel", {}).get("id", "")
        if not cid.startswith("out-"):
            return
        kind = e["type"]
        if kind == "ChannelCreated":
            self.created[cid] = _ts(e)
            self.live.add(cid)
        elif kind == "ChannelDestroyed":
            self.live.discard(cid)
            if e.get("cause") not in (16, 19):  # normal clearing; no answer (ring timeout)
                self.causes[e.get("cause_txt", e.get("cause"))] += 1
        elif (kind == "ChannelDialplan" and e.get("dialplan_app") == "Stasis"
              and e.get("dialplan_app_data", "").startswith("dialer,amd,HUMAN")):
            self.human_stasis[cid] = _ts(e)
        elif kind == "ChannelEnteredBridge" and e["bridge"]["id"].startswith("dialer-agent-"):
            self.bridged.setdefault(cid, _ts(e))

    async def hang_up_all(self) -> None:
        async with aiohttp.ClientSession(headers=self.auth()) as http:
            for cid in list(self.live):
                async with http.delete(f"{self.side['ari_url']}/ari/channels/{cid}"):
                    pass


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# ---- the run -----------------------------------------------------------------------------
async def measure(args) -> None:
    t_start = time.monotonic()
    ring, phase_a, phase_b = (15, 20.0, 12.0) if args.quick else (30, 60.0, 50.0)
    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    pids = {"pbx": lab.pbx.pid(), "sim": lab.sim.pid()}
    tmp = Path(tempfile.mkdtemp(prefix="lab-overhead-"))
    db_url = f"sqlite:///{tmp}/d.sqlite3"
    ids = seed(db_url, ring, phase_b)
    side = info["pbx"]
    proc, log_path = spawn_child("bench.lab_overhead", tmp,
                                 side | {"db": db_url, "agents": ids["agents"]})
    watch = Watch(side)
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch.run(ready))
    await asyncio.wait_for(ready.wait(), 10)
    line = await asyncio.to_thread(proc.stdout.readline)
    assert line.strip() == "ready", f"the dialer did not start; see {log_path}"
    rows = []
    try:
        # 1. overhead, AMD HUMAN -> agent's bridge
        set_status(db_url, ids["overhead"], "running")
        await asyncio.sleep(phase_a)
        set_status(db_url, ids["overhead"], "suspended")
        await asyncio.sleep(8)  # the last calls end (talk 6 s)
        overhead = [1000 * (watch.bridged[c] - t) for c, t in watch.human_stasis.items()
                    if c in watch.bridged]
        humans_answered = len(watch.human_stasis)
        # 2./3. load levels
        for level in LEVELS:
            await watch.hang_up_all()
            await asyncio.sleep(2)
            before = set(watch.created)
            watch.causes.clear()
            warn_before = log_path.read_text().count(" WARNING ")
            set_status(db_url, ids["levels"][level], "running")
            t0 = time.time()
            peak, samples, cpu = 0, [], {}
            while (elapsed := time.time() - t0) < ring + 5 + phase_b:
                await asyncio.sleep(1)
                up = len(watch.live)
                peak = max(peak, up)
                if elapsed >= ring + 5:
                    samples.append(up)
                    if not cpu:  # the steady-state window starts
                        cpu = {"t": time.time(), "dialer": cpu_seconds(proc.pid),
                               **{k: cpu_seconds(p) for k, p in pids.items()}}
            wall = time.time() - cpu["t"]
            used = {k: cpu_seconds(p) - cpu[k] for k, p in
                    (("dialer", proc.pid), ("pbx", pids["pbx"]), ("sim", pids["sim"]))}
            set_status(db_url, ids["levels"][level], "suspended")
            mine = sorted(t for c, t in watch.created.items() if c not in before)
            in_window = sum(1 for t in mine if t >= cpu["t"] - 0.5)
            burst = mine[:level]
            rate = (len(burst) - 1) / (burst[-1] - burst[0]) if len(burst) > 1 else float("nan")
            causes = dict(watch.causes)
            rows.append({"level": level, "peak": peak,
                         "mean_up": sum(samples) / max(1, len(samples)),
                         "burst": len(burst), "rate": rate, "calls": in_window,
                         "steady_rate": in_window / wall,
                         "cpu100": 100 * used["dialer"] / max(1, in_window),
                         "dialer%": 100 * used["dialer"] / wall, "pbx%": 100 * used["pbx"] / wall,
                         "sim%": 100 * used["sim"] / wall, "causes": causes,
                         "warnings": log_path.read_text().count(" WARNING ") - warn_before})
        await watch.hang_up_all()
    finally:
        stop_child(proc)
        watcher.cancel()
        if not was_up:
            lab.down()
    errors = [line for line in log_path.read_text().splitlines() if " ERROR " in line]
    report(args, overhead, humans_answered, rows, errors, log_path, time.monotonic() - t_start,
           ring)


def report(args, overhead, humans, rows, errors, log_path, runtime, ring) -> None:
    print(f"lab overhead benchmark ({'quick' if args.quick else 'full'}), "
          f"{len(AGENT_PHONES)} agents, {runtime:.0f} s wall clock, {os.cpu_count()} CPUs\n")
    print(f"1. AMD HUMAN (Stasis) -> customer in the agent's bridge: {len(overhead)} of "
          f"{humans} humans bridged; p50 {pct(overhead, 0.5):.1f} ms, "
          f"p99 {pct(overhead, 0.99):.1f} ms, max {max(overhead, default=float('nan')):.1f} ms\n")
    print(f"2./3. never-answering numbers, ring timeout {ring} s; steady-state window after "
          f"{ring + 5} s\n")
    print("| target in flight | calls up (peak / mean in window) | burst: first N originates "
          "| originates/s steady | dialer CPU s / 100 calls | dialer CPU | PBX CPU | sim CPU "
          "| other causes | dialer warnings |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        causes = ", ".join(f"{k} {v}" for k, v in r["causes"].items()) or "none"
        print(f"| {r['level']} | {r['peak']} / {r['mean_up']:.0f} | {r['burst']} at "
              f"{r['rate']:.1f}/s | {r['steady_rate']:.1f} | {r['cpu100']:.2f} | "
              f"{r['dialer%']:.0f}% | {r['pbx%']:.0f}% | {r['sim%']:.0f}% | {causes} | "
              f"{r['warnings']} |")
    print(f"\n(CPU % of one core; dialer log: {log_path}; errors logged: {len(errors)})")
    for line in errors[:5]:
        print("  ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
    else:
        asyncio.run(measure(args))


if __name__ == "__main__":
    main()
