"""Crash safety on the real lab, with a campaign running and agents talking:

- `kill -9` of `dialer serve`: every call that reached the PBX has its attempt record,
  and the records agree with the PBX's own CDR; nobody is dialled twice, the calls that
  were up stay up with their agents (legs and bridges have fixed ids and are taken
  back), and the campaign goes on to its end;
- a call with an agent that ends while the dialer is down is recorded as it was: human,
  with its agent and its talk time as the PBX saw it; the contact is not called again;
- Asterisk restarted: the cut calls are recorded, the agents' phones are rung again,
  the campaign goes on;
- the events websocket dropped for seconds: calls stay up, the one that ended unseen is
  recorded at reconnect, the campaign goes on.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from dialer.db import campaigns
from dialer.outbound import store as dialing
from dialer.db.database import open_database
from dialer.db.fields import utcnow
from dialer.db.migrate import migrate
from dialer.db.models import CampaignContact
from tests.auth_helpers import bearer
from tests.campaign_driver import (attempts, lab_config, login_all, run_to_end, started,
                                   wait_until)
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human
from tests.pbx_cdr import carrier_calls, compare, master_csv
from tests.serve_process import CallWatch, DialerProcess
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]
AREAS = ("212", "213", "218", "215", "216", "217")  # no state hours rule: any time


def assert_one_closed_attempt_per_contact(rows: list[dict], contacts: list[int]) -> None:
    assert sorted(r["contact"] for r in rows) == sorted(contacts), rows
    assert all(r["ended_at"] and r["outcome"] for r in rows), rows


def agent_legs(channels: list[dict]) -> set[str]:
    return {c["id"] for c in channels if c["id"].startswith("agent-")}


def dialer_process(lab, tmp_path, node: str, numbers: list[str],
                   agents: int) -> tuple[DialerProcess, dict]:
    """`dialer serve` on a fresh SQLite file seeded with a campaign (not yet running)."""
    db_url = f"sqlite:///{tmp_path}/d.sqlite3"
    db = open_database(db_url)
    migrate(db)
    with db.atomic():
        seed = seed_campaign(numbers, agents=lab.info["agents"][:agents],
                             campaign={"max_attempts": 3, "bcw_seconds": 0})
        token = bearer(seed["account_id"])["Authorization"].removeprefix("Bearer ")
    return DialerProcess(tmp_path, node=node, pbx=lab.info["pbx"], db_url=db_url,
                         token=token), seed


async def test_kill_9_mid_campaign_keeps_calls_records_and_agents(lab, tmp_path):
    since = utcnow()
    dialer, seed = dialer_process(lab, tmp_path, "crash", [human(12, a) for a in AREAS], 2)
    agents, cid = seed["agent_ids"], seed["campaign_id"]
    async with CallWatch(lab.info["pbx"]) as watch:
        await dialer.start()
        try:
            for agent in agents:
                assert (await dialer.api("POST", f"/api/agents/{agent}/login"))[0] == 200
            campaigns.set_status(cid, "running")

            async def talking():
                sessions = await dialer.sessions()
                return all(sessions.get(a, {}).get("state") == "on_call" for a in agents)
            await wait_until(talking, 30)
            customers = {a: s["customer"] for a, s in (await dialer.sessions()).items()}
            dialer.kill9()
            channels = await watch.client.list_channels()
            legs = agent_legs(channels)
            assert len(legs) == 2 and set(customers.values()) <= {c["id"] for c in channels}

            await dialer.start()
            sessions = await dialer.sessions()
            # Taken back as they were: same customers in the same bridges, still talking.
            assert {a: s["customer"] for a, s in sessions.items()} == customers
            assert {s["state"] for s in sessions.values()} == {"on_call"}
            assert set(customers.values()) <= watch.live
            await wait_until(lambda: finished_now(cid), 120)
            rows = attempts(cid)
            assert_one_closed_attempt_per_contact(rows, seed["contact_ids"])
            assert {r["outcome"] for r in rows} == {"human"}  # none cut, none lost
            # Every call the PBX placed has its record, and no record lacks its call.
            assert sorted(watch.created) == sorted(r["channel_id"] for r in rows)
            assert agent_legs(await watch.client.list_channels()) == legs  # never re-rung
            assert "taken back" in dialer.log_text()
            for agent in agents:
                await dialer.api("POST", f"/api/agents/{agent}/logout")
            # The PBX writes an agent's bridge records when its leg hangs up.
            assert await pbx_agrees(lab, "out-crash-", since, rows) == []
        finally:
            dialer.stop()


async def test_call_ending_while_the_dialer_is_down_is_recorded_with_its_agent(lab, tmp_path):
    since = utcnow()
    dialer, seed = dialer_process(lab, tmp_path, "down", [human(10, "218")], 1)
    [agent], cid = seed["agent_ids"], seed["campaign_id"]
    async with CallWatch(lab.info["pbx"]) as watch:
        await dialer.start()
        try:
            assert (await dialer.api("POST", f"/api/agents/{agent}/login"))[0] == 200
            campaigns.set_status(cid, "running")

            async def talking():
                return (await dialer.sessions()).get(agent, {}).get("state") == "on_call"
            await wait_until(talking, 30)
            customer = (await dialer.sessions())[agent]["customer"]
            dialer.kill9()
            await wait_until(lambda: customer not in watch.live, 20)  # hung up, unseen

            await dialer.start()
            await wait_until(lambda: finished_now(cid), 20)
            [row] = attempts(cid)
            assert row["channel_id"] == customer and row["outcome"] == "human", row
            assert row["agent"] == agent and row["hangup_cause"] == 16
            # The talk time is the PBX's: from the bridge to the callee's hang-up (the
            # simulator hangs up 10 s after answering, AMD took some of them).
            talk = (row["ended_at"] - row["bridged_at"]).total_seconds()
            assert 4 < talk < 10, talk
            assert CampaignContact.get(campaign=cid).state == "completed"
            await asyncio.sleep(2)  # runner ticks: the person just spoken to is not called
            assert len(attempts(cid)) == 1 and watch.created == [customer]
            assert (await dialer.sessions())[agent]["state"] == "available"
            assert "recorded as human" in dialer.log_text()
            await dialer.api("POST", f"/api/agents/{agent}/logout")
            assert await pbx_agrees(lab, "out-down-", since, [row], slack=1.0) == []
        finally:
            dialer.stop()


async def pbx_agrees(lab, prefix: str, since, rows: list[dict], slack: float = 2.0) -> list[str]:
    """What differs between the attempts and the PBX's CDR, once the agents' bridge
    records are written (when their legs hang up)."""
    await asyncio.sleep(1)
    cdr = carrier_calls(master_csv(lab.pbx), prefix=prefix, since=since)
    return compare(rows, cdr, slack=slack)


def finished_now(campaign_id: int) -> bool:
    p = dialing.progress(campaign_id)
    return p["waiting"] == 0 and p["in_progress"] == 0 and p["rescheduled"] == 0


async def test_asterisk_restart_mid_campaign_records_the_cut_calls_and_rings_agents_again(
        lab, dialer):
    since = utcnow()
    seed = await dialer.store.run(seed_campaign, [human(20, a) for a in AREAS[:4]],
                                  agents=lab.info["agents"][:2],
                                  campaign={"max_attempts": 3, "bcw_seconds": 0})
    agents, cid = seed["agent_ids"], seed["campaign_id"]
    await login_all(dialer, agents)
    legs_before = {dialer.agents.sessions[a].channel_id for a in agents}
    await dialer.store.run(campaigns.set_status, cid, "running")
    await wait_until(lambda: all(dialer.agents.describe(a).state == "on_call"
                                 for a in agents), 30)
    cut = set(dialer.calls.calls)
    await asyncio.to_thread(lab.restart_pbx)
    # The phones ring again and the agents are back, on new legs.
    await wait_until(lambda: all(dialer.agents.describe(a).state in ("available", "on_call")
                                 and dialer.agents.sessions[a].channel_id not in legs_before
                                 for a in agents), 40)
    rows = await run_to_end(dialer, cid, timeout=90, start=False)
    assert_one_closed_attempt_per_contact(rows, seed["contact_ids"])
    assert {r["channel_id"] for r in rows if r["outcome"] == "human"} >= cut
    for agent in agents:
        await dialer.agents.logout(agent)
    assert await pbx_agrees(lab, "out-t-", since, rows) == []


async def test_dropped_websocket_keeps_calls_up_and_records_what_ended_unseen(lab, tmp_path,
                                                                             caplog):
    side = lab.info["pbx"]
    ari = urlsplit(side["ari_url"])
    proxy = await TcpProxy(ari.hostname, ari.port).start()
    d = await started(lab_config(side, tmp_path, node="ws",
                                 ari_url=f"http://127.0.0.1:{proxy.port}"))
    try:
        # Two calls at once: one ends during the outage, the other after it.
        seed = await d.store.run(seed_campaign, [human(5, "212"), human(16, "213"),
                                                 human(3, "214"), human(3, "215")],
                                 agents=lab.info["agents"][:2],
                                 campaign={"max_attempts": 3, "bcw_seconds": 0})
        agents, cid = seed["agent_ids"], seed["campaign_id"]
        await login_all(d, agents)
        legs = {a: d.agents.sessions[a].channel_id for a in agents}
        await d.store.run(campaigns.set_status, cid, "running")
        await wait_until(lambda: all(d.agents.describe(a).state == "on_call"
                                     for a in agents), 30)
        up = set(d.calls.calls)
        proxy.refusing = True
        assert proxy.cut() >= 1
        await asyncio.sleep(7)  # the 5 s call ends while nobody listens
        proxy.refusing = False
        await wait_until(lambda: d.ari.connected.is_set() and d.ari.reconnects >= 1, 20)
        rows = await run_to_end(d, cid, timeout=90, start=False)
        assert_one_closed_attempt_per_contact(rows, seed["contact_ids"])
        assert {r["outcome"] for r in rows} == {"human"}
        assert {r["channel_id"] for r in rows} >= up
        assert {a: d.agents.sessions[a].channel_id for a in agents} == legs  # never lost
    finally:
        for agent_id in list(d.agents.sessions):
            await d.agents.logout(agent_id)
        await d.stop()
        await proxy.stop()
