"""Sign-in flood vs. calls (issue 14): does a flood of wrong-password sign-ins delay the
calling path? A real Dialer with its web server (SQLite in a temp dir) runs in a child
process on the lab; a progressive campaign of simulator humans (hanging up `--talk` s
after their hello) on the lab's six answering desk phones runs twice, quiet and then under
the flood.

    .venv/bin/python -m bench.signin_flood                  # 180 s per phase, 200 clients
    .venv/bin/python -m bench.signin_flood --quick          # 15 s per phase
    .venv/bin/python -m bench.signin_flood --seconds 600    # a tighter p99
    .venv/bin/python -m bench.signin_flood --throttle off   # the password pool alone
    .venv/bin/python -m bench.signin_flood --profile        # py-spy the dialer per phase

A p99 needs calls: with n calls it is about the (n/100)-th slowest, so the report prints
n and a distribution-free 95% interval of the p99 (order statistics). Six agents and a
3 s talk give about 70 calls a minute.

Per phase: from the customer channel entering Stasis with AMD HUMAN to its entering the
agent's bridge (Asterisk's own event timestamps, as bench.lab_overhead), p50 / p99 / max;
abandoned calls (attempts the dialer closed as `abandoned`); a signed-in API client's
`GET /api/plans` every 0.2 s (p50 / max); the dialer's event-loop lag (how late a 10 ms
sleep wakes, sampled in the child: p99 / max); the machine's load average; during the
flood, the sign-in answers by status.
The flood: `--clients` concurrent connections from this process, each posting a wrong
password (for a real user or for made-up names) as fast as answers come, never honouring
Retry-After. Goal: p99 within 20 ms of the quiet run, no abandoned call added.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench.child import spawn_child, stop_child
from bench.lab_overhead import AGENT_PHONES, Watch, pct, set_status
from dialer.lab import Lab

USER, PASSWORD = "boss", "the right password 1"
LAG_TICK = 0.010


def record_gc_pauses(pauses: list[tuple[float, int, float]]) -> None:
    """(monotonic time, generation, ms) of every garbage collection of 1 ms or more."""
    started = [0.0]

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.monotonic()
        elif (ms := 1000 * (time.monotonic() - started[0])) >= 1:
            pauses.append((time.monotonic(), info["generation"], ms))
    gc.callbacks.append(callback)


async def sample_loop_lag(samples: list[tuple[float, float]]) -> None:
    """(monotonic time, ms late) of each 10 ms sleep: what delays every task on the loop."""
    while True:
        t0 = time.monotonic()
        await asyncio.sleep(LAG_TICK)
        now = time.monotonic()
        samples.append((now, 1000 * (now - t0 - LAG_TICK)))


# ---- the child: a real Dialer and its web server -----------------------------------------
async def child(cfg_path: str) -> None:
    from aiohttp import web

    from bench.child import start_dialer, stop_on_signal
    from dialer.server import freeze_startup_heap
    from dialer.core.signin_throttle import BackoffPolicy, SignInThrottle
    from dialer.web import signin
    from dialer.web.app import create_app

    spec = json.loads(Path(cfg_path).read_text())
    d = await start_dialer(spec, "bench", spec["agents"])
    app = create_app(d)
    if spec["throttle"] == "off":
        never = BackoffPolicy(free_failures=10**9, first_wait=1, max_wait=1, forget_after=1)
        app[signin.THROTTLE] = SignInThrottle(never, never)
    runner = web.AppRunner(app, access_log_class=signin.AccessLog)  # as `dialer serve`
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    freeze_startup_heap()  # as `dialer serve`
    stop = stop_on_signal()
    while not all(d.agents.describe(a).state == "available" for a in spec["agents"]):
        await asyncio.sleep(0.2)
    lags: list[tuple[float, float]] = []
    pauses: list[tuple[float, int, float]] = []
    sampler = asyncio.create_task(sample_loop_lag(lags))
    record_gc_pauses(pauses)
    print(f"ready {port}", flush=True)
    await stop.wait()
    sampler.cancel()
    Path(spec["lag_file"]).write_text(json.dumps({"lags": lags, "gc": pauses}))
    await runner.cleanup()
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()


# ---- seeding -----------------------------------------------------------------------------
def seed(db_url: str, contacts: int, talk: int) -> dict:
    from dialer.db import auth
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from dialer.db.models import Campaign
    from tests.campaign_seed import seed_campaign

    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        phases = {}
        for n, phase in enumerate(("quiet", "flood")):  # ...1xyy: a human who talks yy s
            humans = [f"+1212{200 + n * 400 + i // 10:03d}1{i % 10}{talk:02d}"
                      for i in range(contacts)]
            ids = seed_campaign(humans, agents=AGENT_PHONES if n == 0 else [], campaign={
                "name": phase, "mode": "progressive", "bcw_seconds": 0,
                "ring_timeout_seconds": 15})
            phases[phase] = ids["campaign_id"]
            if n == 0:
                first = ids
            else:  # the same agents and group for both campaigns
                Campaign.update(agent_group=first["group_id"], account=first["account_id"]) \
                    .where(Campaign.id == ids["campaign_id"]).execute()
        auth.create_user(first["account_id"], username=USER, password=PASSWORD, role="admin")
        token = auth.create_api_token(auth.stored_password(USER).user_id)["token"]
    db.close()
    return {"phases": phases, "agents": first["agent_ids"], "token": token}


def abandoned(db_url: str, campaign_id: int) -> tuple[int, int]:
    """(abandoned, attempts) of the campaign."""
    from dialer.db.database import open_database
    from dialer.db.models import Attempt

    db = open_database(db_url)
    rows = [a.outcome for a in Attempt.select().where(Attempt.campaign == campaign_id)]
    db.close()
    return rows.count("abandoned"), len(rows)


# ---- load and probes ---------------------------------------------------------------------
async def flood(base: str, clients: int, until: float, answers: Counter) -> None:
    async def one(i: int, http: aiohttp.ClientSession) -> None:
        k = 0
        while time.monotonic() < until:
            name = USER if k % 2 == 0 else f"guess{i}-{k}"
            k += 1
            try:
                async with http.post(base + "/api/session",
                                     json={"username": name, "password": "wrong guess"}) as r:
                    await r.read()
                    answers[r.status] += 1
            except aiohttp.ClientError as exc:
                answers[type(exc).__name__] += 1

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(one(i, http) for i in range(clients)))


async def probe(base: str, token: str, until: float, times: list[float]) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        while time.monotonic() < until:
            t0 = time.monotonic()
            async with http.get(base + "/api/plans") as r:
                await r.read()
                assert r.status == 200, r.status
            times.append(1000 * (time.monotonic() - t0))
            await asyncio.sleep(0.2)


# ---- the run -----------------------------------------------------------------------------
async def measure(args) -> None:
    t_start = time.monotonic()
    seconds = 15.0 if args.quick else args.seconds
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable)
                                                                      .parent))
    if args.profile and not py_spy:
        sys.exit("--profile needs py-spy (pip install py-spy)")
    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    tmp = Path(tempfile.mkdtemp(prefix="signin-flood-"))
    db_url = f"sqlite:///{tmp}/d.sqlite3"
    # six agents, one call every (ring 1 s + AMD ~2.5 s + talk) s each, and spare contacts
    ids = seed(db_url, contacts=min(3990, int(seconds * 6 / (2 + args.talk)) + 40),
               talk=args.talk)
    side = info["pbx"]
    lag_file = tmp / "loop-lag.json"
    proc, log_path = spawn_child("bench.signin_flood", tmp, side | {
        "db": db_url, "agents": ids["agents"], "throttle": args.throttle,
        "lag_file": str(lag_file)})
    watch = Watch(side)
    ready = asyncio.Event()
    watcher = asyncio.create_task(watch.run(ready))
    results = {}
    try:
        await asyncio.wait_for(ready.wait(), 10)
        line = await asyncio.to_thread(proc.stdout.readline)
        assert line.startswith("ready "), f"the dialer did not start; see {log_path}"
        base = f"http://127.0.0.1:{int(line.split()[1])}"
        for phase in ("quiet", "flood"):
            before = set(watch.human_stasis)
            answers: Counter = Counter()
            probes: list[float] = []
            set_status(db_url, ids["phases"][phase], "running")
            started = time.monotonic()
            until = started + seconds
            load = [probe(base, ids["token"], until, probes)]
            if phase == "flood":
                load.append(flood(base, args.clients, until, answers))
            if args.profile:
                load.append(profile(py_spy, proc.pid, seconds, tmp / f"{phase}.pyspy"))
            await asyncio.gather(*load)
            load_average = os.getloadavg()
            set_status(db_url, ids["phases"][phase], "suspended")
            await asyncio.sleep(args.talk + 6)  # the last calls are bridged and end
            mine = {c: t for c, t in watch.human_stasis.items() if c not in before}
            delays = [1000 * (watch.bridged[c] - t) for c, t in mine.items()
                      if c in watch.bridged]
            results[phase] = {"humans": len(mine), "delays": delays, "probes": probes,
                              "answers": answers, "window": (started, until),
                              "load": load_average,
                              "abandoned": abandoned(db_url, ids["phases"][phase])}
        await watch.hang_up_all()
    finally:
        stop_child(proc)
        watcher.cancel()
        if not was_up:
            lab.down()
    errors = [line for line in log_path.read_text().splitlines() if " ERROR " in line]
    child_samples = json.loads(lag_file.read_text()) if lag_file.exists() else {}
    for r in results.values():
        def within(t: float, window=r["window"]) -> bool:
            return window[0] <= t <= window[1]
        r["lags"] = [ms for t, ms in child_samples.get("lags", []) if within(t)]
        r["gc"] = [ms for t, _gen, ms in child_samples.get("gc", []) if within(t)]
    report(args, seconds, results, errors, log_path, time.monotonic() - t_start)
    if args.profile:
        for phase in results:
            print(f"\n{phase}: where the dialer's event loop spent its time (py-spy, "
                  f"{tmp / (phase + '.pyspy')})")
            for share, frame in top_frames(tmp / f"{phase}.pyspy"):
                print(f"  {share:5.1f}%  {frame}")


async def profile(py_spy: str, pid: int, seconds: float, out: Path) -> None:
    """py-spy samples the child's threads for the phase (raw collapsed stacks)."""
    spy = await asyncio.create_subprocess_exec(
        py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
        "--threads", "--nonblocking", "--format", "raw", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await spy.wait()


def top_frames(path: Path, count: int = 14) -> list[tuple[float, str]]:
    """The main thread's (the event loop's) busiest functions: the share of its samples
    in which each is on the stack; the first row is the loop's busy share (samples not
    waiting in select)."""
    if not path.exists():
        return []
    on_stack: Counter = Counter()
    total = busy = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        if "MainThread" not in frames[0]:
            continue
        total += int(n)
        if "select (selectors.py" in frames[-1]:
            continue  # idle: waiting for I/O
        busy += int(n)
        for frame in set(frames[1:]):
            if not any(outer in frame for outer in ("runpy", "main (bench", "asyncio/")):
                on_stack[frame] += int(n)
    return [(100 * busy / max(total, 1), "(event loop busy)")] + [
        (100 * n / max(total, 1), frame) for frame, n in on_stack.most_common(count)]


def p99_interval(values: list[float]) -> tuple[float, float]:
    """A distribution-free 95% confidence interval of the p99: the order statistics whose
    ranks hold the true p99 between them with 95% probability (binomial n, 0.99); nan
    where n is too small for a bound (fewer than ~300 calls: no upper bound)."""
    n, values = len(values), sorted(values)
    if n == 0:
        return math.nan, math.nan

    def below(k: int) -> float:  # P(Binomial(n, 0.99) < k)
        return sum(math.comb(n, i) * 0.99 ** i * 0.01 ** (n - i) for i in range(k))
    low = max((k for k in range(n + 1) if below(k) <= 0.025), default=0)
    high = min((k for k in range(n + 1) if below(k) >= 0.975), default=n + 1)
    return (values[low - 1] if low >= 1 else math.nan,
            values[high - 1] if high <= n else math.nan)


def report(args, seconds, results, errors, log_path, runtime) -> None:
    print(f"sign-in flood benchmark: {seconds:.0f} s per phase, {args.clients} flooding "
          f"clients, throttle {args.throttle}, {len(AGENT_PHONES)} agents, talk {args.talk} s, "
          f"{runtime:.0f} s wall clock, {os.cpu_count()} cores\n")
    print("| phase | calls bridged | AMD HUMAN -> agent bridge p50 / p99 / max (p99 95% "
          "interval) | abandoned / attempts | event-loop lag p99 / max | GC pauses >= 1 ms: "
          "count, max | GET /api/plans p50 / max | load average | sign-in answers |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    nan = float("nan")
    for phase, r in results.items():
        d, p, lag = r["delays"], r["probes"], r["lags"]
        low, high = p99_interval(d)
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["answers"].items(), key=str)) \
            or "none"
        print(f"| {phase} | {len(d)} of {r['humans']} | {pct(d, 0.5):.1f} / {pct(d, 0.99):.1f}"
              f" / {max(d, default=nan):.1f} ms ({low:.1f} - {high:.1f}) | "
              f"{r['abandoned'][0]} / {r['abandoned'][1]} | {pct(lag, 0.99):.1f} / "
              f"{max(lag, default=nan):.1f} ms | {len(r['gc'])}, "
              f"{max(r['gc'], default=0):.1f} ms | {pct(p, 0.5):.1f} / {max(p, default=nan):.1f}"
              f" ms | {r['load'][0]:.2f} | {answers} |")
    fewest = min((len(r["delays"]) for r in results.values()), default=0)
    if fewest < 300:
        print(f"\nconfidence: {fewest} calls in a phase; a p99 of fewer than ~300 calls rests "
              "on its few slowest calls and has no upper bound (nan): run longer (--seconds) "
              "before reading a difference of a few ms")
    if len(results) == 2:
        quiet, loud = results["quiet"], results["flood"]
        added = pct(loud["delays"], 0.99) - pct(quiet["delays"], 0.99)
        more = loud["abandoned"][0] - quiet["abandoned"][0]
        met = added <= 20 and more <= 0
        print(f"\np99 added by the flood: {added:+.1f} ms (goal <= 20 ms); abandoned calls "
              f"added: {more} (goal 0): {'met' if met else 'MISSED'}")
    print(f"(dialer log: {log_path}; errors logged: {len(errors)})")
    for line in errors[:5]:
        print("  ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 s per phase")
    parser.add_argument("--seconds", type=float, default=180.0, help="per phase")
    parser.add_argument("--talk", type=int, default=3, choices=range(2, 60), metavar="2-59",
                        help="seconds a human talks after hello (shorter: more calls)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the dialer with py-spy during each phase")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--throttle", choices=("on", "off"), default="on")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
    else:
        asyncio.run(measure(args))


if __name__ == "__main__":
    main()
