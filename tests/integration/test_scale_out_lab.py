"""Scale-out: two `dialer serve` processes, each attached to its own Asterisk (two PBX +
simulator pairs), sharing one real PostgreSQL. No contact is dialled by both, every call
each PBX placed has its record, and the plan's hourly cap and the campaign's abandonment
limit hold for the two together."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest

from dialer.db import campaigns
from dialer.db.database import open_database
from dialer.db.migrate import migrate
from dialer.db.models import Attempt, CampaignContact
from tests.auth_helpers import bearer
from tests.campaign_driver import attempts, wait_until
from tests.campaign_seed import seed_campaign
from tests.lab_calls import human, untimed_areas
from tests.serve_process import CallWatch, DialerProcess

PG_URL = os.environ.get("DIALER_TEST_PG_URL")
pytestmark = [pytest.mark.lab, pytest.mark.postgres, pytest.mark.timeout(180),
              pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set")]
PHONES = ["PJSIP/agent1", "PJSIP/agent2"]  # the same desk phones exist on each PBX
AREAS = untimed_areas(201, 300)  # valid numbers (others are refused), callable at any hour


@pytest.fixture
def pg_url():
    """A fresh schema on the test server, as a URL the dialer processes can use."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    db = open_database(url)
    migrate(db)
    yield url
    db.close_all()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class TwoNodes:
    def __init__(self, tmp_path, labs, pg_url, token):
        self.nodes = [DialerProcess(tmp_path, node=name, pbx=lab.info["pbx"], db_url=pg_url,
                                    token=token) for name, lab in zip("ab", labs, strict=True)]

    async def start(self, agents_per_node: list[list[int]]) -> None:
        for node, agents in zip(self.nodes, agents_per_node, strict=True):
            await node.start()
            for agent in agents:
                assert (await node.api("POST", f"/api/agents/{agent}/login"))[0] == 200

        async def ready():
            for node, agents in zip(self.nodes, agents_per_node, strict=True):
                sessions = await node.sessions()
                if not all(sessions.get(a, {}).get("state") == "available" for a in agents):
                    return False
            return True
        await wait_until(ready, 20)

    async def stop(self) -> None:
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                for agent in await node.sessions():
                    await node.api("POST", f"/api/agents/{agent}/logout")
            node.stop()


def seed(numbers, **options) -> tuple[dict, str]:
    ids = seed_campaign(numbers, agents=PHONES * 2, **options)
    return ids, bearer(ids["account_id"])["Authorization"].removeprefix("Bearer ")


def peak_overlap(rows: list[dict]) -> int:
    """Most calls up at once; the next call may start a moment before the last one's
    record is closed (the agent is freed first), so each end counts 1 s early."""
    second = dt.timedelta(seconds=1)
    edges = sorted([(r["started_at"], 1) for r in rows]
                   + [(r["ended_at"] - second, -1) for r in rows])
    peak = level = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


async def test_two_nodes_share_the_contacts_and_the_hourly_cap(lab, second_lab, pg_url, tmp_path):
    ids, token = seed([human(2, AREAS[i]) for i in range(24)],
                      plan={"max_attempts_per_hour": 14},
                      campaign={"max_attempts": 3, "bcw_seconds": 0})
    cid, agents = ids["campaign_id"], ids["agent_ids"]
    nodes = TwoNodes(tmp_path, [lab, second_lab], pg_url, token)
    async with CallWatch(lab.info["pbx"]) as watch_a, CallWatch(second_lab.info["pbx"]) as watch_b:
        try:
            await nodes.start([agents[:2], agents[2:]])
            campaigns.set_status(cid, "running")
            await wait_until(lambda: len(rows := attempts(cid)) >= 14
                             and all(r["ended_at"] for r in rows), 90)
            await wait_until(lambda: not (watch_a.live or watch_b.live), 10)
            rows = attempts(cid)
            assert len(rows) == 14, "the two nodes went past the plan's hourly cap"
            assert len({r["contact"] for r in rows}) == 14  # nobody dialled twice
            by_node = {n: sorted(r["channel_id"] for r in rows if r["node"] == n) for n in "ab"}
            assert by_node["a"] and by_node["b"], by_node  # both dialled
            assert sorted(watch_a.created) == by_node["a"]
            assert sorted(watch_b.created) == by_node["b"]
            left = list(CampaignContact.select().where(CampaignContact.campaign == cid,
                                                       CampaignContact.state != "completed"))
            assert len(left) == 10 and not any(cc.attempts for cc in left)
            assert {r["outcome"] for r in rows} == {"human"}
        finally:
            await nodes.stop()


async def test_two_nodes_share_the_measured_abandonment(lab, second_lab, pg_url, tmp_path):
    """Abandonment measured over the campaign's window, whichever node dialled: above the
    target, each node paces no faster than its free agents (no call can be abandoned),
    though its learned answer rate alone would have it dial three lines per agent."""
    ids, token = seed([human(2, AREAS[i]) for i in range(12)],
                      campaign={"mode": "predictive", "max_attempts": 1, "bcw_seconds": 0,
                                "max_lines_per_agent": 3, "abandon_target_percent": 3})
    cid = ids["campaign_id"]
    # A third node, gone now, reached a human on 1 call in 4 and abandoned 10 of 25 (40%).
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    Attempt.insert_many([
        {"campaign": cid, "contact": ids["contact_ids"][0], "phone": human(2, AREAS[0]),
         "channel_id": f"gone-{k}", "node": "gone", "started_at": started,
         "answered_at": started + dt.timedelta(seconds=3) if k < 25 else None,
         "ended_at": started + dt.timedelta(seconds=30),
         "outcome": "abandoned" if k < 10 else "human" if k < 25 else "no_answer"}
        for k in range(100)]).execute()
    nodes = TwoNodes(tmp_path, [lab, second_lab], pg_url, token)
    try:
        await nodes.start([ids["agent_ids"][:2], ids["agent_ids"][2:]])
        campaigns.set_status(cid, "running")
        await wait_until(lambda: len(rows := [r for r in attempts(cid) if r["node"] != "gone"])
                         == 12 and all(r["ended_at"] for r in rows), 120)
        rows = [r for r in attempts(cid) if r["node"] != "gone"]
        # The contacts all answer: a node dialling past its two agents abandons someone.
        assert {r["outcome"] for r in rows} == {"human"}
        for node in "ab":
            mine = [r for r in rows if r["node"] == node]
            assert mine and peak_overlap(mine) <= 2, (node, mine)
    finally:
        await nodes.stop()
