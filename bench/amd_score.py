"""Scoring AMD verdicts on the labelled greeting set (pure functions, unit-tested).

A row is one call: the greeting's `label` (human | machine), AMD's `status` (HUMAN,
MACHINE, NOTSURE, HANGUP, or None when the call never reached a verdict), `decided`
(seconds from answer to the verdict) and `speech_end` (seconds from answer to the end of
the greeting's speech). The dialer connects NOTSURE like HUMAN, so only MACHINE counts as
"machine".
"""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(status: str | None) -> str:
    return "machine" if status == "MACHINE" else "human"


def score(rows: list[dict]) -> dict:
    humans = [r for r in rows if r["label"] == "human"]
    machines = [r for r in rows if r["label"] == "machine"]
    right = sum(verdict(r["status"]) == r["label"] for r in rows)
    false_machine = sum(verdict(r["status"]) == "machine" for r in humans)
    false_human = sum(verdict(r["status"]) == "human" for r in machines)
    after_end = [r["decided"] - r["speech_end"] for r in humans if r.get("decided") is not None]
    machine_times = [r["decided"] for r in machines if r.get("decided") is not None]
    return {
        "calls": len(rows), "humans": len(humans), "machines": len(machines),
        "accuracy": right / len(rows) if rows else None,
        "false_machine": false_machine / len(humans) if humans else None,
        "false_human": false_human / len(machines) if machines else None,
        "human_after_end_p50": percentile(after_end, 50),
        "human_after_end_p95": percentile(after_end, 95),
        "machine_decided_p50": percentile(machine_times, 50),
        "machine_decided_p95": percentile(machine_times, 95),
        "no_verdict": sum(r["status"] in (None, "HANGUP") for r in rows),
    }


def meets_goal(s: dict) -> bool:
    """Issue 9: >= 95% right, <= 2% of humans called machines, humans decided within
    1.5 s of their greeting's end (p95)."""
    return (s["accuracy"] is not None and s["accuracy"] >= 0.95
            and s["false_machine"] is not None and s["false_machine"] <= 0.02
            and s["human_after_end_p95"] is not None and s["human_after_end_p95"] <= 1.5)


def beep_score(rows: list[dict], within: float = 1.0) -> dict:
    """Message timing on greetings that end in a beep and were called MACHINE: `message`
    is when the message started (s from answer, None if it never did), `beep_end` when the
    beep ended. Good: the message starts after the beep's end and within `within` s."""
    done = [r for r in rows if r["message"] is not None]
    delays = [r["message"] - r["beep_end"] for r in done]
    return {
        "calls": len(rows), "started": len(done),
        "within": sum(0 <= d <= within for d in delays) / len(rows) if rows else None,
        "before_beep_end": sum(d < 0 for d in delays),
        "late": sum(d > within for d in delays),
        "delay_p50": percentile(delays, 50), "delay_p95": percentile(delays, 95),
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _sec(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def table(results: dict[str, dict]) -> str:
    """A Markdown table: one line per AMD setting."""
    lines = ["| AMD setting | calls | accuracy | humans called machine | machines called human "
             "| human decided after greeting end p50 / p95 | machine decided after answer p50 / p95 "
             "| goal |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, s in results.items():
        lines.append(
            f"| {name} | {s['calls']} | {_pct(s['accuracy'])} | {_pct(s['false_machine'])} "
            f"| {_pct(s['false_human'])} | {_sec(s['human_after_end_p50'])} / "
            f"{_sec(s['human_after_end_p95'])} | {_sec(s['machine_decided_p50'])} / "
            f"{_sec(s['machine_decided_p95'])} | {'met' if meets_goal(s) else 'missed'} |")
    return "\n".join(lines)


def by_kind(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """kind -> (right, total): where the errors are."""
    out: dict[str, tuple[int, int]] = {}
    for r in rows:
        right, total = out.get(r["kind"], (0, 0))
        out[r["kind"]] = (right + (verdict(r["status"]) == r["label"]), total + 1)
    return out
