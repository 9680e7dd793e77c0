"""Driving a Dialer through a campaign in lab tests: log agents in, run, wait, read back."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect

from dialer.config import AriConfig, Config, DatabaseConfig, PromptsConfig, WebConfig
from dialer.db import campaigns
from dialer.outbound import store as dialing
from dialer.db.models import Attempt
from dialer.server import Dialer


async def wait_until(predicate, timeout: float, step: float = 0.3) -> None:
    """Poll `predicate` (sync or async) until true; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(step)


async def login_all(d, agent_ids) -> None:
    for agent_id in agent_ids:
        await d.agents.login(agent_id)
    await wait_until(lambda: all(d.agents.describe(a).state == "available"
                                 for a in agent_ids), 15)


def attempts(campaign_id: int) -> list[dict]:
    return list(Attempt.select().where(Attempt.campaign == campaign_id)
                .order_by(Attempt.id).dicts())


async def finished(d, campaign_id: int) -> bool:
    p = await d.store.run(dialing.progress, campaign_id)
    return p["waiting"] == 0 and p["in_progress"] == 0 and p["rescheduled"] == 0


async def run_to_end(d, campaign_id: int, timeout: float = 120, start: bool = True) -> list[dict]:
    """Start the campaign (unless started), wait until no contact is left to dial, and
    return its attempt records."""
    if start:
        await d.store.run(campaigns.set_status, campaign_id, "running")
    await wait_until(lambda: finished(d, campaign_id), timeout)
    return await d.store.run(attempts, campaign_id)


async def drive_on_sim_clock(d, clock, campaign_id: int, *, step: dt.timedelta,
                             until: dt.datetime, timeout: float) -> int:
    """Run until no contact is left; jump the simulated clock by `step` whenever nothing
    has been on the line for 1.5 s (nothing is dialable now). Returns the number of jumps."""
    loop = asyncio.get_running_loop()
    deadline, last_busy, jumps = loop.time() + timeout, loop.time(), 0
    while not await finished(d, campaign_id):
        assert loop.time() < deadline, "campaign did not finish"
        assert clock() < until, "a contact was never dialable"
        if d.calls.calls or any(s.state == "on_call" for s in d.agents.sessions.values()):
            last_busy = loop.time()
        elif loop.time() - last_busy > 1.5:
            clock.advance(step)
            jumps, last_busy = jumps + 1, loop.time()
        await asyncio.sleep(0.2)
    return jumps


async def die(d) -> None:
    """The dialer process dies: nothing is hung up, nothing more is written."""
    await d.runner.stop()
    await d.ari.stop()
    await d.ari.close()
    await d.store.close()


def lab_config(side: dict, tmp_path, *, node: str = "t", ari_url: str | None = None) -> Config:
    """A Dialer's config on the lab's PBX (`lab.info["pbx"]`) with SQLite under tmp_path;
    `ari_url` to go through a proxy."""
    return Config(node=node, ari=AriConfig(url=ari_url or side["ari_url"], user=side["ari_user"],
                                           password=side["ari_password"]),
                  database=DatabaseConfig(url=f"sqlite:///{tmp_path}/d.sqlite3"),
                  web=WebConfig(port=0),
                  prompts=PromptsConfig(directory=side.get("prompts_dir", "var/prompts"),
                                        pbx_directory=side.get("prompts_pbx_dir", "")))


async def started(cfg: Config) -> Dialer:
    """A Dialer started and connected to ARI."""
    d = Dialer(cfg)
    await d.start()
    await asyncio.wait_for(d.ari.connected.wait(), 10)
    return d
