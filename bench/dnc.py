"""Do-not-call lists at registry scale (issue 17): import a US-registry-format file of N
numbers (20 million by default) with `dialer dnc import`, then look numbers up as the runner
claims them.

    python -m bench.dnc --db sqlite [--numbers 20000000]
    python -m bench.dnc --db pg     [--numbers 20000000]   # needs DIALER_TEST_PG_URL

Prints: import time and the importer process's peak RSS (a child process: ru_maxrss),
database size, claim-time lookup p50/p99 (one lookup per claim of MAX_NEW_CALLS numbers,
as the runner claims them, half of them listed), and the RSS of a process claiming like the
runner (a Store, claim_due every tick) with no list and then with the list present.
Goals: import < 5 min, peak < 300 MB; lookup p99 < 1 ms; claiming RSS unchanged +/- 5 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CONTACTS = 2000  # the campaign's contacts: every other one is on the list


def _valid_npas() -> list[int]:
    from dialer.core.phones import PhoneError, normalise

    npas = []
    for npa in range(201, 990):
        try:
            normalise(f"+1{npa}2345678", "US")
            npas.append(npa)
        except PhoneError:
            continue
    return npas


def numbers(n: int):
    """n distinct US numbers (10 digits), in registry order: area code, exchange, line."""
    npas = _valid_npas()
    exchanges = [x for x in range(200, 1000) if x % 100 != 11]
    per_exchange = -(-n // (len(npas) * len(exchanges)))
    made = 0
    for npa in npas:
        for nxx in exchanges:
            for k in range(per_exchange):
                if made == n:
                    return
                yield npa * 10_000_000 + nxx * 10_000 + (k * 7919) % 10_000
                made += 1


def write_file(path: Path, n: int) -> None:
    with open(path, "w") as out:
        for number in numbers(n):
            s = str(number)
            out.write(f"{s[:3]},{s[3:]}\n")


def _url(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.db", None
    base = os.environ["DIALER_TEST_PG_URL"]
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    _pg_admin(base, f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _pg_admin(base: str, sql: str):
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        return conn.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") \
            else conn.execute(sql)


def seed(url: str, n: int) -> int:
    """A running campaign of CONTACTS contacts, every other one's number in the file."""
    from dialer.db import migrate, open_database
    from dialer.db.models import (Account, Campaign, CampaignContact, Contact, ContactPhone,
                                  ServicePlan)

    db = open_database(url)
    migrate(db)
    step = max(1, n // CONTACTS)
    listed = {i: f"+1{x}" for i, x in enumerate(numbers(n)) if i % step == 0}
    with db.atomic():
        plan = ServicePlan.create(name="bench", all_day=True)
        account = Account.create(name="bench", company_number="+12125550100", plan=plan)
        campaign = Campaign.create(account=account, name="bench", status="running")
        for i, phone in enumerate(list(listed.values())[:CONTACTS]):
            # odd ones: the same exchange, a line the file does not hold (+1 of a listed one
            # may be listed too: use a 555-01xx fictional line instead)
            number = phone if i % 2 == 0 else f"+1{phone[2:5]}55501{i % 100:02d}"
            contact = Contact.create(account=account, name=str(i))
            ContactPhone.create(contact=contact, number=number)
            CampaignContact.create(campaign=campaign, contact=contact)
    db.close()
    return campaign.id


# ---- the probe: a process claiming as the runner does --------------------------------------
def probe(url: str, campaign_id: int, rounds: int) -> dict:
    import asyncio

    from dialer.compliance.store import listed
    from dialer.db import Store, open_database
    from dialer.db.models import CampaignContact, ContactPhone
    from dialer.outbound.runner import MAX_NEW_CALLS
    from dialer.outbound.store import claim_due

    now = dt.datetime.now(dt.timezone.utc)

    def rss_kb() -> int:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def reset() -> None:
        CampaignContact.update(state="waiting", claimed_by=None, last_reason=None).execute()

    def phones() -> list[str]:
        return [p for (p,) in ContactPhone.select(ContactPhone.number).tuples()]

    def timed(batch: list[str]) -> float:
        t = time.perf_counter()
        listed(campaign_id, batch)
        return time.perf_counter() - t

    async def run() -> dict:
        store = Store(open_database(url))
        kept = 0
        for r in range(rounds):
            await store.run(reset)
            while claims := await store.run(claim_due, campaign_id, "bench", MAX_NEW_CALLS, now):
                kept += len(claims)
            if r == 0:
                warm = rss_kb()
        all_phones = await store.run(phones)
        times = []
        for i in range(2000):
            start = (i * MAX_NEW_CALLS) % (len(all_phones) - MAX_NEW_CALLS)
            times.append(await store.run(timed, all_phones[start:start + MAX_NEW_CALLS]))
        await store.close()
        times.sort()
        return {"rss_warm_kb": warm, "rss_kb": rss_kb(), "claimed": kept,
                "p50_ms": statistics.median(times) * 1000,
                "p99_ms": times[int(len(times) * 0.99)] * 1000}

    return asyncio.run(run())


def _run_probe(url: str, campaign_id: int, rounds: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.dnc", "--probe", url, str(campaign_id),
                          str(rounds)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _db_size(kind: str, tmp: Path, url: str, schema: str | None) -> tuple[int, int]:
    """(whole database, the numbers table with its index) in bytes."""
    if kind == "sqlite":
        db = tmp / "bench.db"
        total = sum(p.stat().st_size for p in tmp.glob("bench.db*"))
        import sqlite3

        with sqlite3.connect(db) as conn:
            try:
                rows = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                                    "('dnc_number', 'dncnumber_list_id_number')").fetchone()
                return total, rows[0] or 0
            except sqlite3.OperationalError:
                return total, -1
    base = os.environ["DIALER_TEST_PG_URL"]
    [(total, table)] = _pg_admin(base, f"SELECT (SELECT SUM(pg_total_relation_size(c.oid)) "
                                       f"FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                       f"c.relnamespace WHERE n.nspname = '{schema}' AND "
                                       f"c.relkind = 'r'), pg_total_relation_size("
                                       f"'\"{schema}\".dnc_number')")
    return int(total), int(table)


def bench(kind: str, n: int, rounds: int, keep: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-dnc-"))
    url, schema = _url(kind, tmp)
    try:
        campaign_id = seed(url, n)
        if keep:
            print(f"kept for --probe: {url} {campaign_id}", flush=True)
        absent = _run_probe(url, campaign_id, rounds)
        src = tmp / "us.txt"
        t = time.monotonic()
        write_file(src, n)
        generated = time.monotonic() - t
        t = time.monotonic()
        log = tmp / "import.log"
        with open(log, "w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "dialer.cli", "dnc", "import",
                                     str(src), "--format", "us", "--as-of",
                                     dt.date.today().isoformat(), "--name", "US registry"],
                                    env={**os.environ, "DIALER_DATABASE_URL": url},
                                    stdout=err, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
            proc.returncode = os.waitstatus_to_exitcode(status)
        took = time.monotonic() - t
        output = log.read_text()
        if proc.returncode:
            raise SystemExit(output[-2000:])
        src.unlink()
        total, table = _db_size(kind, tmp, url, schema)
        present = _run_probe(url, campaign_id, rounds)
        return {"db": kind, "numbers": n, "generate_s": generated, "import_s": took,
                "import_result": output.strip().splitlines()[-1],
                "import_peak_rss_mb": usage.ru_maxrss / 1024,
                "db_size_mb": total / 2**20, "numbers_table_mb": table / 2**20,
                "lookup_p50_ms": present["p50_ms"], "lookup_p99_ms": present["p99_ms"],
                "lookup_absent_p99_ms": absent["p99_ms"],
                "claiming_rss_absent_mb": absent["rss_kb"] / 1024,
                "claiming_rss_present_mb": present["rss_kb"] / 1024,
                "claimed_absent": absent["claimed"], "claimed_present": present["claimed"]}
    finally:
        if not keep:
            _drop(tmp, schema)


def _drop(tmp: Path, schema: str | None) -> None:
    for p in tmp.glob("*"):
        p.unlink()
    tmp.rmdir()
    if schema:
        _pg_admin(os.environ["DIALER_TEST_PG_URL"], f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        print(json.dumps(probe(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--numbers", type=int, default=20_000_000)
    parser.add_argument("--rounds", type=int, default=20, help="claims of every contact")
    parser.add_argument("--keep", action="store_true",
                        help="leave the database for `--probe URL CAMPAIGN ROUNDS` runs")
    args = parser.parse_args()
    r = bench(args.db, args.numbers, args.rounds, args.keep)
    goals = {"import_s": 300, "import_peak_rss_mb": 300, "lookup_p99_ms": 1.0}
    for key, value in r.items():
        mark = ""
        if key in goals and isinstance(value, float):
            mark = "  (goal < %s: %s)" % (goals[key], "met" if value < goals[key] else "missed")
        print(f"{key:26} {value:.3f}{mark}" if isinstance(value, float) else f"{key:26} {value}")
    delta = r["claiming_rss_present_mb"] - r["claiming_rss_absent_mb"]
    print(f"{'claiming_rss_delta_mb':26} {delta:+.1f}  (goal +/- 5: "
          f"{'met' if abs(delta) <= 5 else 'missed'})")


if __name__ == "__main__":
    main()
