"""Soak: a real Dialer keeps a few hundred lab calls up for a long time; memory stays flat
and nothing leaks (channels, bridges, attempts, tasks).

    .venv/bin/python -m bench.soak                       # 30 min, 250 calls in flight
    .venv/bin/python -m bench.soak --minutes 60 --calls 300
    .venv/bin/python -m bench.soak --quick               # 3 min, 60 calls, 10 s samples
    DIALER_LAB_NAME=soak DIALER_LAB_PBX_IP=127.0.0.7 DIALER_LAB_SIM_IP=127.0.0.8 \\
        .venv/bin/python -m bench.soak                   # another lab (or --lab-name ...)

A child process runs the same `Dialer` as `dialer serve` (without the web server) on a
SQLite database it seeds: one predictive campaign whose `max_lines_per_agent` gives
`--calls` calls in flight (not yet with an agent), its policy out of the way
(abandonment target 100%), a contact list of the simulator's number plan in a fixed mix
(`MIX`: humans who talk some seconds and are bridged to logged-in agents, machines, busy,
no answer, congestion, hang-ups during AMD), and one rule that calls every
contact again a minute after each attempt (each contact is dialled many times). Agents:
the lab's desk phones `agent1`..`agent6`, then its benchmark phones `agent101`.. (an agent's
endpoint is a PBX endpoint, never a trunk: dialer/core/asterisk_input.py; the simulator
answers any `agent...` number and stays off-hook).

Every `--interval` seconds: the child's RSS, open fds, asyncio tasks, calls it tracks and
ARI event workers (it prints them on SIGUSR1), the PBX's and the simulator's channels and
the PBX's bridges (ARI), attempts written, calls/min, CPU of the dialer, PBX, simulator.

At the end the campaign is suspended, calls drain, and the checks (`Checks`) say what
failed (exit status 1): PBX channels and bridges back to what they were once the agents
had logged in (the agents' legs and their `dialer-agent-<id>` bridges; listed), the
simulator's channels too, and after logout and stop back to the baseline before the run;
nothing left in the dialer (tracked calls, spawned tasks, tasks); every attempt closed
with an outcome, no contact claimed, no contact with two overlapping attempts; the load
held (mean calls up at least 80% of the target); RSS growth over the second half (a
least-squares slope, MB/hour) within `--max-rss-mb-per-hour`; no error in the dialer's log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import inspect
import datetime as dt
import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import aiohttp

from dialer.ari import AriClient
from dialer.lab import Lab, LabConfig
from dialer.lab.instances import BENCH_PHONES

TICKS = os.sysconf("SC_CLK_TCK")
DESK_PHONES = 6  # agent1..agent6 answer (agent7 never answers, agent8 declines)

# Share of contacts by behaviour: the simulator's number plan (4th digit from the end).
# No `...8xxx` (silence): AMD calls some of them NOTSURE, they go to an agent, and the
# simulator keeps the line for an hour; nothing here plays the agent who would hang up.
MIX = {"no_answer": 0.40, "human": 0.12, "machine": 0.20, "busy": 0.12,
       "congestion": 0.06, "hangup_in_amd": 0.10}
DIGIT = {"human": 1, "machine": 2, "busy": 3, "no_answer": 4, "congestion": 5,
         "hangup_in_amd": 7}
AMD_AND_WAIT = 10  # s: at most from answer to an agent (AMD's total analysis 8 s + 2 s)


@dataclasses.dataclass
class Profile:
    seconds: float
    calls: int
    agents: int
    interval: float
    ring: int
    talk: tuple[int, int]
    warmup: float            # samples before this are not in the RSS slope
    max_rss_mb_per_hour: float
    min_load: float = 0.8    # mean calls up in the second half / target
    redial_minutes: float = 1.0  # a contact is called again this long after each attempt

    @property
    def check_rss(self) -> bool:
        """A slope over less than 10 minutes says little: printed, not checked."""
        return self.seconds - self.warmup >= 600


def profile(minutes: float, calls: int, *, quick: bool, agents: int | None = None,
            interval: float | None = None, max_rss: float | None = None) -> Profile:
    seconds = minutes * 60
    return Profile(seconds=seconds, calls=calls,
                   agents=agents or max(DESK_PHONES, round(calls / 8)),
                   interval=interval or (10 if quick or seconds < 600 else 30),
                   ring=20 if quick else 30, talk=(3, 10) if quick else (10, 40),
                   warmup=seconds / 2, max_rss_mb_per_hour=max_rss or 20.0,
                   redial_minutes=0.25 if quick else 1.0)


# ---- the child: a real Dialer ------------------------------------------------------------
def seed(db_url: str, p: dict) -> dict:
    """Plan, account, agents, the campaign, its contacts (in the child: models bind here)."""
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from dialer.db.models import Campaign
    from tests.campaign_seed import seed_campaign

    rng = random.Random(p["seed"])
    kinds = list(MIX)
    numbers = []
    for i in range(p["contacts"]):
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        tail = rng.randint(p["talk"][0], p["talk"][1]) if kind == "human" else rng.randint(0, 99)
        numbers.append(f"+1212{200 + i // 100:03d}{DIGIT[kind]}{i % 10}{tail:02d}")
    agents = [f"PJSIP/agent{i}" for i in range(1, min(p["agents"], DESK_PHONES) + 1)]
    more = p["agents"] - len(agents)
    if more > len(BENCH_PHONES):
        raise SystemExit(f"--agents: the lab has {DESK_PHONES + len(BENCH_PHONES)} desk phones")
    agents += [f"PJSIP/agent{i}" for i in BENCH_PHONES[:more]]
    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        ids = seed_campaign(numbers, agents=agents, campaign={
            "name": "soak", "mode": "predictive", "bcw_seconds": 0,
            "ring_timeout_seconds": p["ring"], "max_attempts": 1_000_000,
            "max_lines_per_agent": (p["calls"] + 0.01) / p["agents"],
            "abandon_target_percent": 100,  # the policy dials up to the cap: a load test
            "regulated": False, "unregulated_reason": "load test against the lab's simulator"},
            rules=[{"condition": {}, "action": "call_again",
                    "params": {"after_minutes": p["redial_minutes"]}}])
        Campaign.update(status="suspended").where(Campaign.id == ids["campaign_id"]).execute()
    db.close()
    return ids


async def child(spec_path: str) -> None:
    import gc
    import logging

    from bench.child import start_dialer, stop_on_signal

    spec = json.loads(Path(spec_path).read_text())
    ids = seed(spec["db"], spec)
    d = await start_dialer(spec, "soak", ids["agent_ids"])
    loop = asyncio.get_running_loop()
    stop = stop_on_signal()

    def sample() -> None:
        status = Path("/proc/self/status").read_text()
        rss_kb = int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS:")).split()[1])
        states = Counter(s.state for s in d.agents.sessions.values())
        fds = open_fds()
        disp = d.ari.dispatcher
        print("sample " + json.dumps({
            "rss_mb": rss_kb / 1024, "fds": sum(fds.values()), "fd_kinds": dict(fds),
            "tasks": len(asyncio.all_tasks()), "calls": len(d.calls.calls),
            "spawned": len(d.calls._tasks), "ari_workers": disp.active_keys,
            "ari_queues": len(disp._queues), "handler_errors": disp.handler_errors,
            "objects": len(gc.get_objects()), "agents": dict(states),
            "sessions": len(d.agents.sessions)}), flush=True)

    if spec.get("tracemalloc"):  # --tracemalloc: where memory grows, in the dialer's log
        import tracemalloc

        tracemalloc.start(8)
        first = []

        def sample_and_trace() -> None:
            sample()
            snap = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)])
            if not first:
                first.append(snap)
                return
            for stat in snap.compare_to(first[0], "traceback")[:8]:
                logging.getLogger("soak.tracemalloc").info(
                    "%+.1f KiB in %d blocks (%+d): %s", stat.size_diff / 1024, stat.count,
                    stat.count_diff, " <- ".join(str(f) for f in stat.traceback[:4]))

        loop.add_signal_handler(signal.SIGUSR1, sample_and_trace)
    else:
        loop.add_signal_handler(signal.SIGUSR1, sample)
    while not all(d.agents.describe(a).state == "available" for a in ids["agent_ids"]):
        await asyncio.sleep(0.2)
    print("ready " + json.dumps(ids), flush=True)
    await stop.wait()
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()
    print("stopped", flush=True)


# ---- the parent: what the PBX and the simulator hold -------------------------------------
@dataclasses.dataclass
class Snapshot:
    pbx_channels: dict[str, str]            # id -> name
    sim_channels: dict[str, str]
    bridges: dict[str, list[str]]           # id -> channel ids

    def out_calls(self) -> int:
        return sum(1 for c in self.pbx_channels if c.startswith("out-"))

    def crowded_agent_bridges(self) -> dict[str, list[str]]:
        """Agents' bridges with more than their leg and one customer."""
        return {b: ch for b, ch in self.bridges.items()
                if b.startswith("dialer-agent-") and len(ch) > 2}


# the most connections AriClient's session keeps: its connector's, aiohttp's default
ARI_POOL: int = inspect.signature(aiohttp.TCPConnector).parameters["limit"].default


def fds_to_ari(sample: dict, port: int) -> int:
    """The sample's sockets to ARI's HTTP port (the events websocket and the request pool)."""
    return sum(n for kind, n in sample["fd_kinds"].items() if kind.endswith(f"to port {port}"))


def open_fds() -> Counter[str]:
    """This process's open descriptors by kind: a socket by protocol and far end (so an idle
    connection kept alive is told from a leak), a file by path, else readlink's word."""
    sockets: dict[str, str] = {}
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/self/net/{proto}").read_text().splitlines()[1:]:
                cols = line.split()
                port = int(cols[2].rsplit(":", 1)[1], 16)
                sockets[cols[9]] = f"{proto} to port {port}" if port else f"{proto} listening"
    kinds: Counter[str] = Counter()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.startswith("socket:["):
            kinds[sockets.get(target[8:-1], "unix socket")] += 1
        else:
            kinds[target.split(":[")[0] if ":[" in target else target] += 1
    return kinds


async def snapshot(pbx: AriClient, sim: AriClient) -> Snapshot:
    pbx_ch, sim_ch, bridges = await asyncio.gather(pbx.list_channels(), sim.list_channels(),
                                                   pbx.list_bridges())
    return Snapshot({c["id"]: c["name"] for c in pbx_ch}, {c["id"]: c["name"] for c in sim_ch},
                    {b["id"]: sorted(b.get("channels", [])) for b in bridges})


def check_lab(expected: Snapshot, now: Snapshot, when: str) -> list[str]:
    """What the PBX and the simulator hold now that they did not hold in `expected`."""
    problems = []
    extra = {c: n for c, n in now.pbx_channels.items() if c not in expected.pbx_channels}
    if extra:
        problems.append(f"{when}: {len(extra)} PBX channel(s) left: "
                        + ", ".join(f"{c} ({n})" for c, n in list(extra.items())[:10]))
    gone = [c for c in expected.pbx_channels if c not in now.pbx_channels]
    if gone:
        problems.append(f"{when}: {len(gone)} PBX channel(s) lost: {', '.join(gone[:10])}")
    if len(now.sim_channels) != len(expected.sim_channels):
        problems.append(f"{when}: simulator holds {len(now.sim_channels)} channel(s), "
                        f"expected {len(expected.sim_channels)}: "
                        + ", ".join(sorted(now.sim_channels.values())[:10]))
    for bridge, members in now.bridges.items():
        if bridge not in expected.bridges:
            problems.append(f"{when}: bridge {bridge} left (channels {members})")
        elif members != expected.bridges[bridge]:
            problems.append(f"{when}: bridge {bridge} holds {members}, "
                            f"expected {expected.bridges[bridge]}")
    return problems


# ---- the parent: what the database says --------------------------------------------------
def db_connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def db_counts(path: str, campaign_id: int) -> dict:
    with db_connect(path) as db:
        total, closed = db.execute(
            "SELECT count(*), count(ended_at) FROM attempt WHERE campaign_id = ?",
            (campaign_id,)).fetchone()
    return {"attempts": total, "closed": closed}


def check_attempts(path: str, campaign_id: int) -> tuple[dict, list[str]]:
    """Every attempt closed with an outcome; no contact claimed; no contact with two
    attempts that overlap in time. Returns the outcome counts and the problems."""
    problems = []
    with db_connect(path) as db:
        outcomes = Counter(dict(db.execute(
            "SELECT coalesce(outcome, '(none)'), count(*) FROM attempt WHERE campaign_id = ? "
            "GROUP BY 1", (campaign_id,)).fetchall()))
        open_ = db.execute("SELECT id, channel_id, started_at FROM attempt WHERE campaign_id = ? "
                           "AND (ended_at IS NULL OR outcome IS NULL)", (campaign_id,)).fetchall()
        claimed = db.execute("SELECT count(*) FROM campaign_contact WHERE campaign_id = ? AND "
                             "(state = 'in_progress' OR claimed_by IS NOT NULL)",
                             (campaign_id,)).fetchone()[0]
        rows = db.execute("SELECT contact_id, started_at, ended_at, id FROM attempt "
                          "WHERE campaign_id = ? ORDER BY contact_id, started_at, id",
                          (campaign_id,)).fetchall()
        # Two customers with one agent at once: both were connected by their answer
        # + AMD_AND_WAIT, so a later answer + that before the other's end is an overlap.
        shared = db.execute(
            "SELECT a.agent_id, a.id, b.id FROM attempt a JOIN attempt b "
            "ON a.agent_id = b.agent_id AND b.id > a.id "
            "WHERE a.campaign_id = ? AND b.campaign_id = a.campaign_id "
            "AND a.outcome = 'human' AND b.outcome = 'human' "
            "AND max(julianday(a.answered_at), julianday(b.answered_at)) + ? / 86400.0 "
            "< min(julianday(a.ended_at), julianday(b.ended_at))",
            (campaign_id, AMD_AND_WAIT)).fetchall()
    if open_:
        problems.append(f"{len(open_)} attempt(s) not closed with an outcome, e.g. "
                        + ", ".join(f"#{i} {ch}" for i, ch, _ in open_[:5]))
    if claimed:
        problems.append(f"{claimed} campaign contact(s) still in progress or claimed")
    overlaps = []
    when = dt.datetime.fromisoformat
    for prev, row in itertools.pairwise(rows):
        if prev[0] == row[0] and (prev[2] is None or when(row[1]) < when(prev[2])):
            overlaps.append(f"contact {row[0]}: attempts #{prev[3]} and #{row[3]}")
    if overlaps:
        problems.append(f"{len(overlaps)} overlapping attempt pair(s): " + "; ".join(overlaps[:5]))
    if shared:
        problems.append(f"{len(shared)} pair(s) of customers with one agent at once, e.g. "
                        + "; ".join(f"agent {g}: attempts #{a} and #{b}" for g, a, b in shared[:5]))
    return dict(outcomes), problems


def set_status(path: str, campaign_id: int, status: str) -> None:
    with sqlite3.connect(path, timeout=30) as db:
        db.execute("UPDATE campaign SET status = ? WHERE id = ?", (status, campaign_id))


# ---- figures ------------------------------------------------------------------------------
def cpu_seconds(pid: int | None) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / TICKS


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value), per hour."""
    if len(points) < 3:
        return float("nan")
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    return 3600 * sum((t - mx) * (v - my) for t, v in points) / sxx if sxx else float("nan")


@dataclasses.dataclass
class Result:
    profile: Profile
    samples: list[dict]
    outcomes: dict
    failures: list[str]
    notes: list[str]
    figures: dict
    db_path: str
    log_path: str
    campaign_id: int


# ---- the run ------------------------------------------------------------------------------
class Child:
    def __init__(self, spec_path: Path, log_path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.soak", "--child", str(spec_path)],
            stdout=subprocess.PIPE, stderr=open(log_path, "w"), stdin=subprocess.DEVNULL,
            text=True, cwd=Path(__file__).resolve().parents[1])
        self.lock = asyncio.Lock()

    async def line(self, timeout: float) -> str:
        line = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), timeout)
        if not line:
            raise RuntimeError(f"the dialer exited ({self.proc.poll()})")
        return line.strip()

    async def sample(self) -> dict:
        async with self.lock:
            self.proc.send_signal(signal.SIGUSR1)
            while not (line := await self.line(30)).startswith("sample "):
                pass
            return json.loads(line.split(" ", 1)[1])

    async def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 60)
            except asyncio.TimeoutError:
                self.proc.kill()


async def run_soak(info: dict, p: Profile, *, pids: dict | None = None, workdir: Path | None = None,
                   say=print, tracemalloc: bool = False) -> Result:
    """The soak on a running lab (`Lab.up()`'s info); `pids` of the PBX and the simulator
    for their CPU. Never raises on a failed check: see `Result.failures`."""
    pids = pids or {}
    tmp = workdir or Path(tempfile.mkdtemp(prefix="soak-"))
    db_path = str(tmp / "d.sqlite3")
    side = info["pbx"]
    # a contact is busy for its call, then rests `redial_minutes`: about 1.3 (quick) to 2
    # times what it takes at the mix's mean call time (8 s quick, 15 s full)
    contacts = p.calls * (4 if p.redial_minutes < 1 else 15)
    (tmp / "child.json").write_text(json.dumps(side | {
        "db": f"sqlite:///{db_path}", "calls": p.calls, "agents": p.agents, "ring": p.ring,
        "talk": p.talk, "contacts": contacts, "seed": 1, "redial_minutes": p.redial_minutes,
        "tracemalloc": tracemalloc}))
    log_path = tmp / "dialer.log"
    pbx = AriClient(side["ari_url"], side["ari_user"], side["ari_password"], "soak-watch")
    sim = AriClient(info["sim"]["ari_url"], info["sim"]["ari_user"], info["sim"]["ari_password"],
                    "soak-watch")
    failures, notes, samples = [], [], []
    figures: dict = {"contacts": contacts}
    baseline = await snapshot(pbx, sim)
    child = Child(tmp / "child.json", log_path)
    campaign_id = 0
    try:
        ready = await child.line(120 + p.agents)
        assert ready.startswith("ready "), f"the dialer did not start ({ready}); see {log_path}"
        ids = json.loads(ready.split(" ", 1)[1])
        campaign_id = ids["campaign_id"]
        await asyncio.sleep(1)
        with_agents = await snapshot(pbx, sim)
        at_ready = await child.sample()
        figures["agents_legs"] = sorted(with_agents.pbx_channels.values())
        figures["agent_bridges"] = sorted(with_agents.bridges)
        say(f"soak: {p.calls} calls in flight, {p.agents} agents, {contacts} contacts, "
            f"{p.seconds / 60:g} min, samples every {p.interval:g} s; dialer log {log_path}")
        say(f"  at ready: RSS {at_ready['rss_mb']:.1f} MB, {at_ready['fds']} fds, "
            f"{at_ready['tasks']} tasks; PBX {len(with_agents.pbx_channels)} channels, "
            f"{len(with_agents.bridges)} bridges")
        set_status(db_path, campaign_id, "running")
        t0 = time.monotonic()
        cpu0 = {k: cpu_seconds(v) for k, v in (("dialer", child.proc.pid), *pids.items())}
        prev = {"t": 0.0, "attempts": 0, "cpu": cpu0}
        peak_up, crowded, up = 0, {}, []  # up: (t, calls up) every few seconds
        next_sample = p.interval
        while (elapsed := time.monotonic() - t0) < p.seconds + 0.5:
            # calls up peak: a cheap look every few seconds between samples
            await asyncio.sleep(min(5.0, max(0.1, next_sample - elapsed)))
            if child.proc.poll() is not None:
                raise RuntimeError(f"the dialer exited ({child.proc.poll()}); see {log_path}")
            elapsed = time.monotonic() - t0
            if elapsed < next_sample:
                snap = await snapshot(pbx, sim)
                peak_up = max(peak_up, snap.out_calls())
                up.append((elapsed, snap.out_calls()))
                crowded.update(snap.crowded_agent_bridges())
                continue
            next_sample += p.interval
            inner, snap = await child.sample(), await snapshot(pbx, sim)
            counts = await asyncio.to_thread(db_counts, db_path, campaign_id)
            cpu = {k: cpu_seconds(v) for k, v in (("dialer", child.proc.pid), *pids.items())}
            dt_ = elapsed - prev["t"]
            row = {"t": elapsed, **inner, "pbx_channels": len(snap.pbx_channels),
                   "calls_up": snap.out_calls(), "sim_channels": len(snap.sim_channels),
                   "bridges": len(snap.bridges), **counts,
                   "per_min": 60 * (counts["attempts"] - prev["attempts"]) / dt_,
                   **{f"{k}%": 100 * (cpu[k] - prev["cpu"][k]) / dt_ for k in cpu}}
            peak_up = max(peak_up, row["calls_up"])
            up.append((elapsed, row["calls_up"]))
            crowded.update(snap.crowded_agent_bridges())
            samples.append(row)
            prev = {"t": elapsed, "attempts": counts["attempts"], "cpu": cpu}
            say(f"  {elapsed:6.0f} s  RSS {row['rss_mb']:6.1f} MB  fds {row['fds']:3d}  "
                f"tasks {row['tasks']:4d}  calls up {row['calls_up']:3d}  sim ch "
                f"{row['sim_channels']:3d}  bridges {row['bridges']:3d}  "
                f"{row['per_min']:5.0f}/min  attempts {row['attempts']}  "
                f"CPU dialer/PBX/sim {row['dialer%']:.0f}/{row.get('pbx%', float('nan')):.0f}/"
                f"{row.get('sim%', float('nan')):.0f}%")
        figures["run_seconds"] = time.monotonic() - t0
        figures["peak_up"] = peak_up
        loaded = [n for t, n in up if t >= p.warmup]
        figures["mean_up"] = sum(loaded) / len(loaded) if loaded else 0.0
        figures["up_looks"] = len(loaded)
        if crowded:
            failures.append(f"{len(crowded)} agent bridge(s) seen with two customers, e.g. "
                            + "; ".join(f"{b}: {ch}" for b, ch in list(crowded.items())[:3]))
        # ---- stop and drain
        set_status(db_path, campaign_id, "suspended")
        t_stop = time.monotonic()
        drain_limit = p.ring + p.talk[1] + 30
        while time.monotonic() - t_stop < drain_limit:
            await asyncio.sleep(1)
            inner = await child.sample()
            snap = await snapshot(pbx, sim)
            if inner["calls"] == 0 and snap.out_calls() == 0 and not inner["spawned"]:
                break
        figures["drain_seconds"] = time.monotonic() - t_stop
        await asyncio.sleep(2)  # the last events of the last calls
        after = await child.sample()
        drained = await snapshot(pbx, sim)
        figures["after_drain"] = after
        say(f"  open fds at ready {at_ready['fd_kinds']}, after the drain {after['fd_kinds']}")
        figures["at_ready"] = at_ready
        if after["calls"] or after["spawned"]:
            failures.append(f"after {drain_limit} s the dialer still tracks {after['calls']} "
                            f"call(s), {after['spawned']} call task(s)")
        failures += check_lab(with_agents, drained, "after the drain")
        if after["tasks"] > at_ready["tasks"] + 3:
            failures.append(f"asyncio tasks {after['tasks']} after the drain, "
                            f"{at_ready['tasks']} at ready")
        # Connections to ARI are aiohttp's pool: kept alive 15 s after the peak's requests,
        # at most its connector's limit, so they are bounded apart from the rest.
        ari_port = urllib.parse.urlsplit(side["ari_url"]).port or 80
        to_ari = fds_to_ari(after, ari_port), fds_to_ari(at_ready, ari_port)
        if after["fds"] - to_ari[0] > at_ready["fds"] - to_ari[1] + 5 or to_ari[0] > ARI_POOL + 1:
            failures.append(f"open fds {after['fds']} after the drain, {at_ready['fds']} at ready: "
                            f"{after['fd_kinds']} against {at_ready['fd_kinds']}")
        if after["handler_errors"]:
            failures.append(f"{after['handler_errors']} ARI handler error(s)")
        # ---- agents log out, the dialer stops
        await child.stop()
        await asyncio.sleep(2)
        final = await snapshot(pbx, sim)
        stays = [b for b in final.bridges if b not in baseline.bridges]
        figures["stays_after_stop"] = {"channels": sorted(final.pbx_channels.values()),
                                       "bridges": sorted(final.bridges)}
        failures += check_lab(baseline, final, "after logout and stop")
        if stays:
            notes.append(f"bridges left after stop: {stays}")
    except Exception as exc:  # noqa: BLE001 - a soak that could not run says why
        failures.append(f"the soak did not complete: {type(exc).__name__}: {exc}")
    finally:
        await child.stop()
        await pbx.close()
        await sim.close()
    # ---- the database, memory, the log
    outcomes = {}
    if campaign_id:
        outcomes, problems = await asyncio.to_thread(check_attempts, db_path, campaign_id)
        failures += problems
    second_half = [s for s in samples if s["t"] >= p.warmup]
    figures["rss_slope"] = slope_per_hour([(s["t"], s["rss_mb"]) for s in second_half])
    figures["objects_slope"] = slope_per_hour([(s["t"], s["objects"]) for s in second_half])
    figures.setdefault("mean_up", 0.0)
    if len(second_half) >= 3 and p.check_rss:
        if not figures["rss_slope"] <= p.max_rss_mb_per_hour:
            failures.append(f"RSS grows {figures['rss_slope']:.1f} MB/hour over the second half "
                            f"(limit {p.max_rss_mb_per_hour:g})")
    else:
        notes.append("second half under 10 min: the RSS slope is printed, not checked")
    if samples and figures["mean_up"] < p.min_load * p.calls:
        failures.append(f"load not held: {figures['mean_up']:.0f} calls up on average over the "
                        f"second half, target {p.calls}")
    log_text = log_path.read_text() if log_path.exists() else ""
    errors = [ln for ln in log_text.splitlines() if " ERROR " in ln or ln.startswith("Traceback")]
    figures["warnings"] = log_text.count(" WARNING ")
    if errors:
        failures.append(f"{len(errors)} error(s) in the dialer's log, first: {errors[0]}")
    return Result(p, samples, outcomes, failures, notes, figures, db_path, str(log_path),
                  campaign_id)


# ---- the report ---------------------------------------------------------------------------
def report(r: Result, wall: float, say=print) -> None:
    p, f = r.profile, r.figures
    say(f"\nsoak: {p.calls} calls in flight target, {p.agents} agents, {f['contacts']} contacts "
        f"(mix {', '.join(f'{k} {v:.0%}' for k, v in MIX.items())}; humans talk "
        f"{p.talk[0]}-{p.talk[1]} s; ring timeout {p.ring} s; each contact called again "
        f"{p.redial_minutes:g} min after each attempt), "
        f"{f.get('run_seconds', 0) / 60:.1f} min loaded, "
        f"{wall:.0f} s wall clock, {os.cpu_count()} CPUs\n")
    say("| t (min) | dialer RSS MB | fds | asyncio tasks | tracked calls | gc objects "
        "| calls up (PBX out-*) | PBX channels | sim channels | PBX bridges | calls/min "
        "| attempts written (closed) | CPU dialer / PBX / sim |")
    say("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in r.samples:
        say(f"| {s['t'] / 60:.1f} | {s['rss_mb']:.1f} | {s['fds']} | {s['tasks']} | {s['calls']} "
            f"| {s['objects']} | {s['calls_up']} | {s['pbx_channels']} | {s['sim_channels']} "
            f"| {s['bridges']} | {s['per_min']:.0f} | {s['attempts']} ({s['closed']}) "
            f"| {s['dialer%']:.0f}% / {s.get('pbx%', float('nan')):.0f}% / "
            f"{s.get('sim%', float('nan')):.0f}% |")
    total = sum(r.outcomes.values())
    say(f"\nattempts: {total}; outcomes: "
        + ", ".join(f"{k} {v} ({v / max(1, total):.0%})" for k, v in
                    sorted(r.outcomes.items(), key=lambda kv: -kv[1])))
    if r.samples:
        loaded = [s for s in r.samples if s["t"] >= p.warmup]
        mean = lambda key: sum(s[key] for s in loaded) / max(1, len(loaded))  # noqa: E731
        say(f"calls up: peak {f.get('peak_up', 0)}, mean over the second half "
            f"{f['mean_up']:.0f} ({f.get('up_looks', 0)} looks, every 5 s); calls/min over "
            f"the second half {mean('per_min'):.0f}; "
            f"CPU over the second half: dialer {mean('dialer%'):.0f}%, "
            f"PBX {mean('pbx%') if 'pbx%' in loaded[0] else float('nan'):.0f}%, "
            f"sim {mean('sim%') if 'sim%' in loaded[0] else float('nan'):.0f}% (of one core)")
        first, last = r.samples[0], r.samples[-1]
        say(f"RSS: {first['rss_mb']:.1f} MB at the first sample, {last['rss_mb']:.1f} MB at the "
            f"last, slope over the second half {f['rss_slope']:+.1f} MB/hour (limit "
            f"{p.max_rss_mb_per_hour:g}); gc objects slope {f['objects_slope']:+.0f}/hour")
    if "after_drain" in f:
        a, b = f["at_ready"], f["after_drain"]
        say(f"drain: {f['drain_seconds']:.0f} s; at ready / after the drain: RSS "
            f"{a['rss_mb']:.1f} / {b['rss_mb']:.1f} MB, fds {a['fds']} / {b['fds']}, tasks "
            f"{a['tasks']} / {b['tasks']}, tracked calls {a['calls']} / {b['calls']}, ARI "
            f"event workers {a['ari_workers']} / {b['ari_workers']}")
        say(f"left by design while agents are logged in: {len(f['agents_legs'])} agent legs, "
            f"bridges {', '.join(f['agent_bridges'])}")
    if "stays_after_stop" in f:
        st = f["stays_after_stop"]
        say(f"after logout and stop: PBX channels {st['channels'] or 'none'}, bridges "
            f"{st['bridges'] or 'none'}")
    say(f"dialer warnings logged: {f.get('warnings', 0)}; log {r.log_path}; db {r.db_path}")
    for note in r.notes:
        say(f"note: {note}")
    if r.failures:
        say("\nFAILED:")
        for failure in r.failures:
            say(f"  - {failure}")
    else:
        say("\nall checks passed: channels and bridges back to baseline, every attempt closed, "
            "no overlapping attempts, nothing left in the dialer, "
            + ("RSS slope within the limit, " if p.check_rss else "")
            + "load held, no errors logged")


async def main_async(args) -> int:
    t_start = time.monotonic()
    cfg = LabConfig.from_env()
    cfg = dataclasses.replace(cfg, **{k: v for k, v in (("name", args.lab_name),
                                                        ("pbx_ip", args.pbx_ip),
                                                        ("sim_ip", args.sim_ip)) if v})
    lab = Lab(cfg)
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    p = profile(args.minutes or (3 if args.quick else 30),
                args.calls or (60 if args.quick else 250),
                quick=args.quick, agents=args.agents, interval=args.interval,
                max_rss=args.max_rss_mb_per_hour)
    try:
        result = await run_soak(info, p, pids={"pbx": lab.pbx.pid(), "sim": lab.sim.pid()},
                                tracemalloc=args.tracemalloc)
    finally:
        if not was_up:
            lab.down()
    report(result, time.monotonic() - t_start)
    return 1 if result.failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, help="loaded time (default 30; --quick 3)")
    parser.add_argument("--calls", type=int, help="calls in flight (default 250; --quick 60)")
    parser.add_argument("--agents", type=int, help="agents logged in (default calls/8, min 6)")
    parser.add_argument("--interval", type=float, help="seconds between samples (30; 10 if short)")
    parser.add_argument("--max-rss-mb-per-hour", type=float, help="RSS slope limit (20)")
    parser.add_argument("--quick", action="store_true", help="3 min, 60 calls, ring 20 s, "
                        "short talk")
    parser.add_argument("--lab-name", help="lab name (default $DIALER_LAB_NAME or default)")
    parser.add_argument("--pbx-ip", help="default $DIALER_LAB_PBX_IP or 127.0.0.1")
    parser.add_argument("--sim-ip", help="default $DIALER_LAB_SIM_IP or 127.0.0.2")
    parser.add_argument("--tracemalloc", action="store_true", help="log where the dialer's "
                        "memory grew at each sample (slower)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
        return
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
