"""Nothing stuck after a fault: a short campaign on a scripted fake PBX, with the Nth ARI
request refused, or the Nth database write failing, for every N the campaign reaches.
Afterwards: every attempt closed, no contact in progress without a live call, no agent
reserved or dialling without a call, every contact dealt with."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass
from urllib.parse import unquote

import peewee as pw
import pytest

from dialer.config import AriConfig, Config, DatabaseConfig, WebConfig, WebhooksConfig
from dialer.outbound.decisions import OUTCOMES
from dialer.db import campaigns
from dialer.outbound import store as dialing
from dialer.db.models import Attempt, CampaignContact, ServicePlan
from dialer.server import Dialer
from tests.campaign_driver import wait_until
from tests.campaign_seed import seed_campaign
from tests.fake_ari import FakeAri, Recorded, channel_event

pytestmark = pytest.mark.timeout(60)
HUMAN, MACHINE, BUSY = "+12125551000", "+13125552000", "+14155553000"
# (205, not 214: a Texan is held back from 21:00 Central, so the run depended on the hour)
CAMPAIGN = [HUMAN, MACHINE, BUSY, HUMAN.replace("212", "213"), HUMAN.replace("212", "205")]
# Writes and requests a fault-free run of CAMPAIGN makes (test_the_faults_cover_the_campaign)
WRITES, REQUESTS = 56, 12


class ScriptedPbx:
    """Channels behave like the lab's numbers: a human answers, gets AMD HUMAN and hangs
    up 0.3 s after reaching Stasis; a machine gets MACHINE; a busy number fails. Every
    customer channel is gone within 1.5 s whatever the dialer does (a refused hang-up
    too); agents' legs stay until hung up."""

    def __init__(self, ari: FakeAri):
        self.ari, self.tasks = ari, set()
        ari.on_request = self.on_request

    def live(self) -> set[str]:
        return {c["id"] for c in self.ari.channels}

    def _later(self, delay: float, fn, *args, **kwargs) -> None:
        async def run():
            await asyncio.sleep(delay)
            await fn(*args, **kwargs)
        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def on_request(self, req: Recorded) -> None:
        parts = unquote(req.path).split("/")  # ['', 'ari', 'channels', id, ...]
        if req.method == "POST" and parts[2:] == ["channels"]:
            channel_id = req.query["channelId"]
            self.ari.channels.append({"id": channel_id, "name": f"PJSIP/x-{channel_id}",
                                      "state": "Up"})
            if "app" in req.query:  # an agent's desk phone
                self._later(0.02, self._push, "StasisStart", channel_id,
                            args=req.query["appArgs"].split(","))
                return
            number = req.query["endpoint"].split("/")[1].split("@")[0]
            if number == BUSY:
                self._later(0.05, self.destroy, channel_id, 17)
                return
            self._later(0.05, self._push, "ChannelStateChange", channel_id)
            verdict = "HUMAN" if number != MACHINE else "MACHINE"
            self._later(0.1, self._push, "StasisStart", channel_id, args=["amd", verdict, ""])
            self._later(0.4 if verdict == "HUMAN" else 1.5, self.destroy, channel_id, 16)
        elif req.method == "DELETE" and parts[2] == "channels":
            self._later(0.01, self.destroy, parts[3], 16)
        elif req.method == "POST" and parts[2] == "channels" and parts[4:] == ["play"]:
            playback = {"id": req.query["playbackId"], "target_uri": f"channel:{parts[3]}",
                        "state": "done"}
            self._later(0.05, self.ari.push, {"type": "PlaybackFinished", "playback": playback,
                                              "application": "dialer"})

    async def _push(self, etype: str, channel_id: str, **extra) -> None:
        if channel_id in self.live():
            await self.ari.push(channel_event(etype, channel_id, **extra))

    async def destroy(self, channel_id: str, cause: int) -> None:
        if channel_id in self.live():
            self.ari.channels = [c for c in self.ari.channels if c["id"] != channel_id]
            await self.ari.push(channel_event("ChannelDestroyed", channel_id, cause=cause))


class FailingWrites:
    """Wraps the Store's database: the Nth INSERT/UPDATE/DELETE from now fails, once,
    as a database error (its transaction is rolled back)."""

    def __init__(self, store):
        self.writes, self.fail_at, self.only = 0, None, ""
        db = store.db
        execute = db.execute_sql

        def execute_sql(sql, *args, **kwargs):
            if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and self.only in sql:
                self.writes += 1
                if self.writes == self.fail_at:
                    raise pw.OperationalError("injected: the database refused a write")
            return execute(sql, *args, **kwargs)
        db.execute_sql = execute_sql

    def fail_nth(self, n: int, only: str = "") -> None:
        """Counting only statements that contain `only`."""
        self.only, self.writes = only, 0
        self.fail_at = n


@dataclass
class Rig:
    d: Dialer
    ari: FakeAri
    pbx: ScriptedPbx
    writes: FailingWrites
    seed: dict


@contextlib.asynccontextmanager
async def dialer_on_fake_pbx(tmp_path, hooks: WebhooksConfig | None = None, **campaign):
    """A Dialer on the scripted PBX, two agents logged in, the campaign seeded (app_amd
    decides: the scripted PBX answers as the dialplan's AMD() does)."""
    ari = FakeAri()
    await ari.start()
    pbx = ScriptedPbx(ari)
    d = Dialer(Config(ari=AriConfig(url=ari.base_url, user=ari.username,
                                    password=ari.password),
                      database=DatabaseConfig(url=f"sqlite:///{tmp_path}/d.sqlite3"),
                      web=WebConfig(port=0), webhooks=hooks or WebhooksConfig()))
    # Short times: ticks, the claims' lease and the retries of failed writes.
    d.runner.tick_seconds = 0.05
    d.leases.lease, d.leases.every = dt.timedelta(seconds=1), dt.timedelta(seconds=0.2)
    d.calls.records.first_retry, d.calls.records.max_retry = 0.05, 0.3
    writes = FailingWrites(d.store)
    await d.start()
    try:
        await asyncio.wait_for(d.ari.connected.wait(), 10)
        seed = await d.store.run(seed_campaign, CAMPAIGN, agents=["PJSIP/a1", "PJSIP/a2"],
                                 campaign={"bcw_seconds": 0, "amd_detector": "app_amd",
                                           **campaign})
        for agent in seed["agent_ids"]:
            await d.agents.login(agent)
        await wait_until(lambda: all(d.agents.describe(a).state == "available"
                                     for a in seed["agent_ids"]), 5, step=0.05)
        yield Rig(d, ari, pbx, writes, seed)
    finally:
        for task in pbx.tasks:
            task.cancel()
        await d.stop()
        await ari.stop()


async def run_campaign(tmp_path, fault) -> tuple[int, int, list[str]]:
    """The campaign to its end with `fault(ari, writes)` armed once it runs, then the
    checks; returns the requests and writes it made after arming, and the outcomes."""
    async with dialer_on_fake_pbx(tmp_path) as rig:
        d, ari, pbx, writes, seed = rig.d, rig.ari, rig.pbx, rig.writes, rig.seed
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        writes_before, requests_before = writes.writes, len(ari.requests)
        fault(ari, writes)
        await wait_until(lambda: done(d, pbx), 20, step=0.05)
        counts = writes.writes - writes_before, len(ari.requests) - requests_before
        return (*counts, await check_nothing_stuck(d, seed, pbx))


async def done(d: Dialer, pbx: ScriptedPbx) -> bool:
    """Every contact dealt with, nothing in flight, nothing waiting for a retry."""
    states = await d.store.run(lambda: [cc.state for cc in CampaignContact.select()])
    return (all(s in ("completed", "failed") for s in states) and not d.calls.calls
            and not d.calls.records.pending()
            and not pbx.live() - {s.channel_id for s in d.agents.sessions.values()})


async def check_nothing_stuck(d: Dialer, seed: dict, pbx: ScriptedPbx) -> list[str]:
    """The checks; returns the attempts' outcomes."""
    rows = await d.store.run(lambda: list(Attempt.select().dicts()))
    assert rows and all(r["ended_at"] and r["outcome"] for r in rows), rows
    live = pbx.live()
    assert not [r for r in rows if r["channel_id"] in live]
    contacts = await d.store.run(lambda: list(CampaignContact.select().dicts()))
    assert not [c for c in contacts if c["state"] == "in_progress"], contacts
    assert {r["outcome"] for r in rows} <= OUTCOMES - {"lost"}, rows
    for agent in seed["agent_ids"]:
        session = d.agents.sessions[agent]
        assert session.state == "available" and not session.reserved, session
        assert session.customer is None and session.preview is None, session
    return sorted(r["outcome"] for r in rows)


async def test_the_faults_cover_the_campaign(tmp_path):
    writes, requests, outcomes = await run_campaign(tmp_path, lambda ari, db: None)
    assert outcomes == ["busy", "human", "human", "human", "machine"]
    # The parameters below reach every request and write of the campaign (the lease
    # sweeps' count varies a little with timing).
    assert requests == REQUESTS and abs(writes - WRITES) <= 6, (writes, requests)


@pytest.mark.parametrize("n", range(1, REQUESTS + 1))
async def test_nth_ari_request_refused(tmp_path, n):
    await run_campaign(tmp_path, lambda ari, db: ari.refuse_nth(n))


@pytest.mark.parametrize("n", range(1, WRITES + 1))
async def test_nth_database_write_fails(tmp_path, n):
    await run_campaign(tmp_path, lambda ari, db: db.fail_nth(n))


async def test_agent_logging_out_between_the_claim_and_its_preview(tmp_path):
    """The tick goes on (no exception), the contact goes back to waiting at once."""
    async with dialer_on_fake_pbx(tmp_path, mode="preview") as rig:
        d, seed = rig.d, rig.seed
        await d.runner.stop()  # ticks driven by the test
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        run, leaving = d.store.run, seed["agent_ids"][0]

        async def logout_during_claim(fn, *args, **kwargs):
            if fn is dialing.preview_details and leaving in d.agents.sessions:
                await d.agents.logout(leaving)  # while the tick waits for the database
            return await run(fn, *args, **kwargs)
        d.store.run = logout_during_claim
        await d.runner.tick(d.now())
        d.store.run = run
        states = await run(lambda: sorted(cc.state for cc in CampaignContact.select()))
        assert states == ["in_progress"] + ["waiting"] * 4  # one on the other agent's screen
        assert d.agents.describe(leaving).state == "logged_out"
        assert d.agents.describe(seed["agent_ids"][1]).state == "preview"


@pytest.mark.parametrize("hour_used_up", [False, True])
async def test_preview_dial_that_cannot_be_written_frees_the_agent(tmp_path, hour_used_up):
    """The attempt's row (or, when the hour's attempts ran out while the contact was on
    screen, the contact's release) cannot be written: nothing is dialled, the agent is
    free at once, the lease gives the contact back."""
    async with dialer_on_fake_pbx(tmp_path, mode="preview") as rig:
        d, ari, writes, seed = rig.d, rig.ari, rig.writes, rig.seed
        await d.runner.stop()  # ticks driven by the test
        await d.store.run(lambda: ServicePlan.update(max_attempts_per_hour=1).execute())
        await d.store.run(campaigns.set_status, seed["campaign_id"], "running")
        await d.runner.tick(d.now())
        agent = seed["agent_ids"][0]
        assert d.agents.describe(agent).state == "preview"  # the hour's one attempt
        if hour_used_up:  # by another node, while the contact was on screen
            await d.store.run(lambda: Attempt.create(
                campaign=seed["campaign_id"], contact=seed["contact_ids"][-1], phone="+1",
                channel_id="elsewhere", started_at=d.now(), ended_at=d.now(), outcome="busy"))
        writes.fail_nth(1, only='UPDATE "campaign_contact"' if hour_used_up
                        else 'INSERT INTO "attempt"')
        with contextlib.suppress(pw.PeeweeException):
            await d.runner.dial_preview(agent)
        assert writes.writes >= 1 and d.agents.describe(agent).state == "available"
        assert not d.calls.calls and not [r for r in ari.requests if r.method == "POST"
                                          and r.path == "/ari/channels" and "app" not in r.query]
        await d.leases.tick(d.now() + d.leases.lease + dt.timedelta(seconds=1))
        states = await d.store.run(lambda: [cc.state for cc in CampaignContact.select()])
        assert "in_progress" not in states, states
