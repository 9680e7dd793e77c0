"""Sign-in flood vs. calls (issue 14): does a flood of wrong-password sign-ins delay the
calling path? A real Dialer with its web server (SQLite in a temp dir) runs in a child
process on the lab; a progressive campaign of simulator humans (talk 6 s) on the lab's
answering desk phones runs twice, quiet and then under the flood.

    .venv/bin/python -m bench.signin_flood                  # 60 s per phase, 200 clients
    .venv/bin/python -m bench.signin_flood --quick          # 20 s per phase
    .venv/bin/python -m bench.signin_flood --throttle off   # the password pool alone

Per phase: from the customer channel entering Stasis with AMD HUMAN to its entering the
agent's bridge (Asterisk's own event timestamps, as bench.lab_overhead), p50 / p99 / max;
abandoned calls (attempts the dialer closed as `abandoned`); a signed-in API client's
`GET /api/plans` every 0.2 s (p50 / max); during the flood, the sign-in answers by status.
The flood: `--clients` concurrent connections from this process, each posting a wrong
password (for a real user or for made-up names) as fast as answers come, never honouring
Retry-After. Goal: p99 within 20 ms of the quiet run, no abandoned call added.
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
from collections import Counter
from pathlib import Path

import aiohttp

from bench.lab_overhead import AGENT_PHONES, Watch, pct, set_status
from dialer.lab import Lab

USER, PASSWORD = "boss", "the right password 1"


# ---- the child: a real Dialer and its web server -----------------------------------------
async def child(cfg_path: str) -> None:
    from aiohttp import web

    from bench.child import start_dialer, stop_on_signal
    from dialer.core.signin_throttle import BackoffPolicy, SignInThrottle
    from dialer.web import signin
    from dialer.web.app import create_app

    spec = json.loads(Path(cfg_path).read_text())
    d = await start_dialer(spec, "bench", spec["agents"])
    app = create_app(d)
    if spec["throttle"] == "off":
        never = BackoffPolicy(free_failures=10**9, first_wait=1, max_wait=1, forget_after=1)
        app[signin.THROTTLE] = SignInThrottle(never, never)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    stop = stop_on_signal()
    while not all(d.agents.describe(a)["state"] == "available" for a in spec["agents"]):
        await asyncio.sleep(0.2)
    print(f"ready {port}", flush=True)
    await stop.wait()
    await runner.cleanup()
    for agent_id in list(d.agents.sessions):
        await d.agents.logout(agent_id)
    await d.stop()


# ---- seeding -----------------------------------------------------------------------------
def seed(db_url: str, contacts: int) -> dict:
    from dialer.db import auth
    from dialer.db.database import open_database
    from dialer.db.migrate import migrate
    from dialer.db.models import Campaign
    from tests.campaign_seed import seed_campaign

    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        talk = 6
        phases = {}
        for n, phase in enumerate(("quiet", "flood")):
            humans = [f"+1212{800 + n * 50 + i // 10:03d}1{i % 10}{talk:02d}"
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
    seconds = 20.0 if args.quick else args.seconds
    lab = Lab()
    was_up = all(inst.running() for inst in lab.instances())
    info = lab.cfg.info() if was_up else lab.up(say=lambda *a: None)
    tmp = Path(tempfile.mkdtemp(prefix="signin-flood-"))
    db_url = f"sqlite:///{tmp}/d.sqlite3"
    ids = seed(db_url, contacts=int(seconds * 1.5) + 40)
    side = info["pbx"]
    (tmp / "child.json").write_text(json.dumps(side | {"db": db_url, "agents": ids["agents"],
                                                       "throttle": args.throttle}))
    log_path = tmp / "dialer.log"
    proc = subprocess.Popen([sys.executable, "-m", "bench.signin_flood", "--child",
                             str(tmp / "child.json")], stdout=subprocess.PIPE,
                            stderr=open(log_path, "w"), text=True,
                            cwd=Path(__file__).resolve().parents[1])
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
            until = time.monotonic() + seconds
            load = [probe(base, ids["token"], until, probes)]
            if phase == "flood":
                load.append(flood(base, args.clients, until, answers))
            await asyncio.gather(*load)
            set_status(db_url, ids["phases"][phase], "suspended")
            await asyncio.sleep(10)  # the last calls are bridged and end (talk 6 s)
            mine = {c: t for c, t in watch.human_stasis.items() if c not in before}
            delays = [1000 * (watch.bridged[c] - t) for c, t in mine.items()
                      if c in watch.bridged]
            results[phase] = {"humans": len(mine), "delays": delays, "probes": probes,
                              "answers": answers,
                              "abandoned": abandoned(db_url, ids["phases"][phase])}
        await watch.hang_up_all()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        watcher.cancel()
        if not was_up:
            lab.down()
    errors = [line for line in log_path.read_text().splitlines() if " ERROR " in line]
    report(args, seconds, results, errors, log_path, time.monotonic() - t_start)


def report(args, seconds, results, errors, log_path, runtime) -> None:
    print(f"sign-in flood benchmark: {seconds:.0f} s per phase, {args.clients} flooding "
          f"clients, throttle {args.throttle}, {len(AGENT_PHONES)} agents, "
          f"{runtime:.0f} s wall clock\n")
    print("| phase | humans bridged | AMD HUMAN -> agent bridge p50 / p99 / max | abandoned "
          "/ attempts | GET /api/plans p50 / max | sign-in answers |")
    print("| --- | --- | --- | --- | --- | --- |")
    for phase, r in results.items():
        d, p = r["delays"], r["probes"]
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["answers"].items(), key=str)) \
            or "none"
        print(f"| {phase} | {len(d)} of {r['humans']} | {pct(d, 0.5):.1f} / {pct(d, 0.99):.1f}"
              f" / {max(d, default=float('nan')):.1f} ms | {r['abandoned'][0]} / "
              f"{r['abandoned'][1]} | {pct(p, 0.5):.1f} / {max(p, default=float('nan')):.1f}"
              f" ms | {answers} |")
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
    parser.add_argument("--quick", action="store_true", help="20 s per phase")
    parser.add_argument("--seconds", type=float, default=60.0, help="per phase")
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
