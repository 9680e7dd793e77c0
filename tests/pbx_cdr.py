"""The PBX's own call records (cdr_csv's Master.csv, written by the lab's instances), to
check the dialer's attempts against what Asterisk really did."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

# cdr_csv's columns with loguniqueid and loguserfield (dialer/lab/files/cdr.conf)
COLUMNS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
           "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec",
           "disposition", "amaflags", "uniqueid", "userfield")


@dataclass(frozen=True)
class CdrCall:
    """One carrier call: its own records merged (dialplan, AMD, Stasis) and, if it met an
    agent, the agent leg's record of their bridge (Asterisk writes that one on the older
    party, the agent's leg, with the call as `dstchannel`)."""

    uniqueid: str
    channel: str
    start: dt.datetime               # naive UTC, like the dialer's database
    answer: dt.datetime | None
    end: dt.datetime                 # the last the PBX saw of it, bridge included
    disposition: str                 # ANSWERED if any record of it was answered
    bridged: bool


def master_csv(instance) -> Path:
    """`lab.pbx` or `lab.sim` -> its Master.csv."""
    return instance.dir / "log/cdr-csv/Master.csv"


def _time(text: str) -> dt.datetime | None:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None


def carrier_calls(path: Path, *, prefix: str, since: dt.datetime) -> dict[str, CdrCall]:
    """Calls on the carrier trunk whose channel id starts with `prefix` (the dialer's
    `out-<node>-`) that started at or after `since` (naive UTC), by channel id."""
    with open(path, newline="") as f:
        rows = [dict(zip(COLUMNS, row, strict=False)) for row in csv.reader(f)]
    since = since.replace(microsecond=0)
    calls: dict[str, CdrCall] = {}
    for rec in rows:
        uid, start = rec["uniqueid"], _time(rec["start"])
        if (not uid.startswith(prefix) or not rec["channel"].startswith("PJSIP/carrier-")
                or start < since):
            continue
        answer, end, old = _time(rec["answer"]), _time(rec["end"]), calls.get(uid)
        if old is not None:
            answers = [t for t in (old.answer, answer) if t]
            start, end = min(start, old.start), max(end, old.end)
            answer = min(answers) if answers else None
            if old.disposition == "ANSWERED":
                rec["disposition"] = "ANSWERED"
        calls[uid] = CdrCall(uid, rec["channel"], start, answer, end, rec["disposition"],
                             False)
    for uid, call in calls.items():
        # Channel names repeat after a PBX restart: the bridge is the first one after it.
        bridges = [_time(r["end"]) for r in rows if r["dstchannel"] == call.channel
                   and _time(r["end"]) >= call.start]
        if bridges:
            calls[uid] = replace(call, end=max(call.end, min(bridges)), bridged=True)
    return calls


def compare(attempts: list[dict], cdr: dict[str, CdrCall], *, slack: float = 2.0) -> list[str]:
    """What differs between the attempts and the PBX's records: a call without its
    attempt or the reverse, a human call the PBX did not see answered and bridged, an end
    time more than `slack` seconds from the PBX's (CDR times are whole seconds). Read it
    after the agents' legs hung up: Asterisk writes their bridge records then."""
    problems = []
    by_channel = {a["channel_id"]: a for a in attempts}
    for uid in sorted(set(cdr) - set(by_channel)):
        problems.append(f"PBX call {uid} has no attempt")
    for uid in sorted(set(by_channel) - set(cdr)):
        problems.append(f"attempt {by_channel[uid]['id']} ({uid}) has no PBX call")
    for uid in sorted(set(cdr) & set(by_channel)):
        a, c = by_channel[uid], cdr[uid]
        if a["outcome"] == "human" and (c.disposition != "ANSWERED" or not c.bridged):
            problems.append(f"attempt {a['id']}: human, but the PBX says {c.disposition}"
                            f"{'' if c.bridged else ', never bridged'}")
        if a["ended_at"] is None:
            problems.append(f"attempt {a['id']} is not closed")
        elif abs((a["ended_at"] - c.end).total_seconds()) > slack:
            problems.append(f"attempt {a['id']} ended at {a['ended_at']}, the PBX says {c.end}")
    return problems


def attempts_in(db_path: str, campaign_id: int) -> list[dict]:
    """A campaign's attempts from a dialer's SQLite file, as `compare` takes them."""
    import sqlite3

    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT id, channel_id, outcome, ended_at FROM attempt "
                          "WHERE campaign_id = ?", (campaign_id,)).fetchall()
    return [{"id": i, "channel_id": ch, "outcome": outcome,
             "ended_at": dt.datetime.fromisoformat(end) if end else None}
            for i, ch, outcome, end in rows]
