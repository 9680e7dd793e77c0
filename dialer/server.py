"""`dialer serve`: database, ARI app and web server in one asyncio process."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import signal
from pathlib import Path
from typing import Callable

from aiohttp import web

from .ari import AriClient
from .ari.endpoints import AriEndpoints, PbxEndpoints
from .ari.events import shape_problem
from .config import Config
from .core.tz import utc_now
from .db.database import Store, open_database
from .db.migrate import migrate
from .features import Features, PbxSnapshot
from .web import signin
from .web.app import create_app
from .agents.shell import AgentSessions
from .transfers.shell import TransferShell
from .amd import shell as amd_classifier
from .beep import shell as beep
from .outbound.runner import CampaignRunner
from .inbound import store as inbound_store
from .inbound.shell import InboundCalls
from .actions.shell import ActionCalls
from .monitor.shell import Monitors
from .prompts import files as prompt_files
from .prompts.shell import PromptRecorder
from .metrics.registry import Metrics
from .outbound.leases import ClaimLeases
from .leftovers.shell import Leftovers
from .outbound import recorder
from .outbound.shell import OutboundCalls
from .webhooks.shell import Webhooks

log = logging.getLogger("dialer")


class Dialer:
    """The running process: owns the store, the ARI client and the Stasis handlers."""

    def __init__(self, cfg: Config, *, now: Callable[[], dt.datetime] = utc_now):
        """`now` is the wall clock every decision reads (tests pass a simulated one)."""
        self.cfg, self.now = cfg, now
        _ensure_sqlite_dir(cfg.database.url)
        self.store = Store(open_database(cfg.database.url), read_url=cfg.database.url)
        self.ari = AriClient(cfg.ari.url, cfg.ari.user, cfg.ari.password, cfg.ari.app)
        self.endpoints: PbxEndpoints = AriEndpoints(self.ari, cfg.ari.trunk)
        self.agents = AgentSessions(self.ari, self.store, cfg.ari.app, now=now)
        self.calls = OutboundCalls(self.ari, self.store, self.agents, node=cfg.node,
                                   trunk=cfg.ari.trunk, now=now)
        self.agents.promised = self.calls.promised_groups
        self.agents.inbound_arrived = lambda groups: self.calls.pacing.inbound_arrived(
            groups, asyncio.get_running_loop().time())
        self.trunks = self.calls.trunks  # the routing of every call leg (dialer/trunks)
        self.calls.floor = self.agents.floor  # one hub feeds the wallboards (dialer/floor)
        self.inbound = InboundCalls(self.ari, self.store, self.agents, app=cfg.ari.app,
                                    trunk=cfg.ari.trunk, now=now, node=cfg.node)
        self.actions = ActionCalls(self.ari, self.store, self.agents, app=cfg.ari.app,
                                   trunk=cfg.ari.trunk, node=cfg.node, now=now)
        self.monitors = Monitors(self.ari, self.store, self.agents, cfg.ari.app)
        prompt_files.use(cfg.prompts)  # where prompts are written and played from
        amd_classifier.use_words(cfg.amd.words_calls)  # the AMD classifier's phrase spotters
        self.prompt_recorder = PromptRecorder(self.ari, self.store, cfg.ari.app)
        self.leftovers = Leftovers(self.ari, cfg.ari.app, talk_ended=lambda channels: self.store.run(
            inbound_store.close_records_of, channels, now()))
        self.leases = ClaimLeases(self.store, self.agents, node=cfg.node)
        self.runner = CampaignRunner(self.store, self.agents, self.calls, node=cfg.node,
                                     now=now, also_tick=(self.actions.tick, self.leases.tick))
        self.transfers = TransferShell(self.ari, self.store, self.agents, now,
                                       outbound=self.calls, inbound=self.inbound,
                                       app=cfg.ari.app, trunk=cfg.ari.trunk)
        self.webhooks = Webhooks(self.store, cfg.webhooks, node=cfg.node, now=now,
                                 hub=self.agents.floor)
        # Asked in this order on a ChannelDestroyed; the leftovers last.
        self.features = Features([self.transfers.feature(),
                                  self.calls.feature(), recorder.feature(self.calls.calls.keys),
                                  self.calls.trunks.feature(),
                                  self.inbound.feature(), self.actions.feature(),
                                  self.monitors.feature(), self.agents.feature(),
                                  self.prompt_recorder.feature(),
                                  self.leftovers.feature(lambda: self.features.tracked(),
                                                         self.on_stasis_start), beep.FEATURE])
        self.agents.end_customer = self.features.end_agent_call  # the agent's hang-up
        self.ari.on_connect(self.resync)
        self.ari.dispatcher.check = shape_problem  # malformed events: logged, never handled
        self.ari.on("StasisStart", self.on_stasis_start)
        self.ari.on("ChannelStateChange", self.calls.on_state_change)
        self.ari.on("ChannelDestroyed", self.on_channel_destroyed)
        self.ari.on("ChannelHangupRequest", self.agents.on_hangup_request)
        self.ari.on("PlaybackFinished", self.calls.on_playback_finished)
        for event_type, handler in self.features.event_handlers():
            self.ari.on(event_type, handler)
        self.metrics = Metrics(self)  # /metrics: reads the above at scrape time
        self.agents.inbound_waited = self._inbound_waited

    def _inbound_waited(self, groups: frozenset[int], waited: float | None) -> None:
        """An inbound caller's wait for agents ended: the pacing's service level, /metrics."""
        self.calls.pacing.inbound_waited(groups, waited)
        self.metrics.inbound_waited(groups, waited)

    async def resync(self, ari: AriClient) -> None:
        """On every (re)connect: learn what Asterisk holds now, events may have been missed."""
        channels = await ari.list_channels()
        bridges = await ari.list_bridges()
        log.info("ARI connected: %d channel(s), %d bridge(s) on the PBX",
                 len(channels), len(bridges))
        if await self.features.clean_up(ari, channels, bridges):
            channels = await ari.list_channels()
            bridges = await ari.list_bridges()
        live = {c["id"] for c in channels}
        # A channel we track that is gone ended while we were not listening.
        for channel_id in self.features.tracked(replaying=True) - live:
            await self.on_channel_destroyed({"channel": {"id": channel_id}})
        await self.features.resync(ari, PbxSnapshot(channels, bridges,
                                                     first_connect=ari.connects == 1))

    async def on_stasis_start(self, event: dict) -> None:
        if self.features.awaits_own_stasis(event["channel"]["id"]):
            return  # e.g. a call's beep listener (beep/shell.py)
        args = event.get("args") or [""]
        route = self.features.route(args)
        if route is not None:
            return await route.handler(event, args)
        # Never leave a call nobody handles waiting in Stasis in silence.
        channel = event["channel"]
        log.warning("no handler for %s (args %s): hanging up", channel["name"],
                    event.get("args"))
        await self.ari.hangup(channel["id"])

    async def on_channel_destroyed(self, event: dict) -> None:
        await self.features.on_channel_destroyed(event)

    async def start(self) -> None:
        applied = await self.store.call(migrate, self.store.db)
        if applied:
            log.info("database: applied %s", ", ".join(applied))
        amd_classifier.load_spotters()  # ahead of the first call (else loaded as calls want them)
        self.ari.start()
        self.runner.start()
        await self.webhooks.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await self.webhooks.stop()
        await self.calls.records.stop()
        await self.ari.stop()
        await self.ari.close()
        await self.store.close()
        await amd_classifier.loading_done()


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url[len("sqlite:///"):].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)


async def start_demo(dialer: Dialer) -> None:
    """Seed the demo (once), log its agents in and run its campaign."""
    from .db import campaigns
    from .demo import ADMIN, AGENT_PREFIX, PASSWORD, seed_demo

    demo = await dialer.store.run(seed_demo)
    await asyncio.wait_for(dialer.ari.connected.wait(), 30)
    for agent_id in demo["agent_ids"]:
        await dialer.agents.login(agent_id)
    if demo["status"] != "running":
        await dialer.store.run(campaigns.set_status, demo["campaign_id"], "running")
    log.info("demo: campaign %d running with agents %s; console at http://%s:%d/ "
             "(sign in as %s / %s; agents %s1-3, same password)", demo["campaign_id"],
             demo["agent_ids"], dialer.cfg.web.host, dialer.cfg.web.port, ADMIN, PASSWORD,
             AGENT_PREFIX)


def freeze_startup_heap() -> None:
    """Put what startup made (modules, the app) out of the collector's sight: it never
    becomes garbage, yet every full collection scanned it with the event loop stopped
    (about 12 ms of each here; the rest of the 85-140 ms pauses bench.signin_flood found
    under a flood was its refusals' garbage, see web.app._answer)."""
    gc.collect()
    gc.freeze()


async def serve(cfg: Config, *, ready: asyncio.Event | None = None, demo: bool = False) -> None:
    dialer = Dialer(cfg)
    await dialer.start()
    if demo:
        await start_demo(dialer)
    runner = web.AppRunner(create_app(dialer, cfg.web.trusted_proxies),
                           access_log_class=signin.AccessLog)
    await runner.setup()
    await web.TCPSite(runner, cfg.web.host, cfg.web.port).start()
    freeze_startup_heap()
    log.info("web console on http://%s:%d (node %s)", cfg.web.host, cfg.web.port, cfg.node)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready:
        ready.set()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await runner.cleanup()
        await dialer.stop()
