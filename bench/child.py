"""The child process of the lab benchmarks: a real Dialer as `dialer serve` runs it (no
web server), on the lab's PBX (`spec`: ari_url, ari_user, ari_password, db)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
from pathlib import Path


async def start_dialer(spec: dict, node: str, agent_ids: list[int]):
    """Started, connected to ARI, with `agent_ids` logging in; INFO logs on stderr."""
    from dialer.config import AriConfig, Config, DatabaseConfig, WebConfig
    from dialer.server import Dialer

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    cfg = Config(node=node, ari=AriConfig(url=spec["ari_url"], user=spec["ari_user"],
                                          password=spec["ari_password"]),
                 database=DatabaseConfig(url=spec["db"]), web=WebConfig(port=0))
    d = Dialer(cfg)
    await d.start()
    await asyncio.wait_for(d.ari.connected.wait(), 10)
    for agent_id in agent_ids:
        await d.agents.login(agent_id)
    return d


def stop_on_signal() -> asyncio.Event:
    """Set on SIGINT or SIGTERM (the parent ends the run)."""
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    return stop


def stop_child(proc: subprocess.Popen, timeout: float = 30) -> None:
    """The parent's end of a run: SIGTERM (the child stops its Dialer), else killed."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def spawn_child(module: str, tmp: Path, spec: dict) -> tuple[subprocess.Popen, Path]:
    """`python -m <module> --child <tmp>/child.json` (spec written there): its stdout a
    pipe, its log in <tmp>/dialer.log (returned)."""
    (tmp / "child.json").write_text(json.dumps(spec))
    log_path = tmp / "dialer.log"
    proc = subprocess.Popen([sys.executable, "-m", module, "--child", str(tmp / "child.json")],
                            stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True,
                            cwd=Path(__file__).resolve().parents[1])
    return proc, log_path
