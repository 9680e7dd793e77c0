"""The reports' API and pages over a real SQLite (and, from
tests/integration/test_reports_postgres.py, the same on PostgreSQL): a seeded day of an
account in New York, its agents' session log written by the agents' own store, attempts of
two campaigns; the figures, the CSV, and from the attacker's side: another account, a
campaign outside the profile, another account's agent, an agent, nobody signed in."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from dialer.agents.events import Persist
from dialer.agents.store import create_reason, set_agent_state
from dialer.db import Store, auth, migrate, open_database, roles
from dialer.db.models import (Account, Agent, AgentGroup, AgentGroupMember, Attempt, Campaign,
                              Contact)
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.unit.test_api_admin import assert_error
from tests.web_dialer import FakeDialer

NEW_YORK = ZoneInfo("America/New_York")
DAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.timezone.utc)  # 14:00 EDT


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    """Naive UTC of a New York wall time, as stored."""
    wall = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK)
    return wall.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _agent(account: Account, name: str, group: AgentGroup | None) -> int:
    user = auth.create_user(account.id, username=name, password="password1", role="agent",
                            full_name=name.title())
    agent = Agent.create(user=user["id"], endpoint=f"PJSIP/{name}")
    if group is not None:
        AgentGroupMember.create(group=group, agent=agent)
    return agent.id


def _log(agent_id: int, *states: tuple) -> None:
    for state, when, *more in states:
        set_agent_state(agent_id, Persist(state, when, *more))


def make_world() -> dict:
    """Acme (New York): Ann and Bob in "sales", which works Spring (shown to the narrow
    manager) and Hidden (not). Ann: logged in 08:50-13:00, a call 09:58-10:03 of Spring with
    wrap-up to 10:04, lunch 12:00-12:30, a call of Hidden 12:40-12:45. Bob: ready 09:00-11:00.
    Spring, dialled at 09:10: 2 connected (sale, callback), 1 abandoned, 1 machine, 1 no
    answer; at 10:20 one more connected (sale), and one yesterday. Hidden: 1 connected."""
    acme = Account.create(name="Acme", company_number="+12125550100",
                          timezone="America/New_York")
    other = Account.create(name="Other", company_number="+12125550101")
    sales = AgentGroup.create(account=acme, name="sales")
    ann, bob = _agent(acme, "ann", sales), _agent(acme, "bob", sales)
    stranger = _agent(other, "stranger", None)
    spring = Campaign.create(account=acme, name="Spring", agent_group=sales)
    hidden = Campaign.create(account=acme, name="Hidden", agent_group=sales)
    contact = Contact.create(account=acme, name="Zed")
    calls = [(spring, at(9, 10), "human", ann, "sale"), (spring, at(9, 11), "human", ann,
                                                         "callback"),
             (spring, at(9, 12), "abandoned", None, None), (spring, at(9, 13), "machine",
                                                            None, None),
             (spring, at(9, 14), "no_answer", None, None), (spring, at(10, 20), "human", bob,
                                                            "sale"),
             (spring, at(9, 0, DAY - dt.timedelta(days=1)), "human", ann, "sale"),
             (hidden, at(12, 40), "human", ann, "sale")]
    ids = []
    for n, (campaign, started, outcome, agent, disposition) in enumerate(calls):
        answered = started + dt.timedelta(seconds=5) if outcome != "no_answer" else None
        ids.append(Attempt.create(
            campaign=campaign, contact=contact, phone="+12125550199", channel_id=f"c{n}",
            started_at=started, answered_at=answered, outcome=outcome, agent=agent,
            bridged_at=answered if agent else None, disposition=disposition).id)
    lunch = create_reason(acme.id, name="Lunch")
    _log(ann, ("logging_in", at(8, 50)), ("available", at(9)),
         ("on_call", at(9, 58), None, ids[0]), ("wrap_up", at(10, 3), None, ids[0]),
         ("available", at(10, 4)), ("not_ready", at(12), lunch.id), ("available", at(12, 30)),
         ("on_call", at(12, 40), None, ids[-1]), ("available", at(12, 45)),
         ("logged_out", at(13)))
    _log(bob, ("available", at(9)), ("logged_out", at(11)))
    profile = roles.create_profile(acme.id, "spring only", False, [spring.id])
    return {"acme": acme.id, "other": other.id, "ann": ann, "bob": bob, "stranger": stranger,
            "spring": spring.id, "hidden": hidden.id, "headers": {
                "supervisor": bearer(acme.id, "supervisor"),
                "narrow": bearer(acme.id, "campaign manager", profile_id=profile["id"]),
                "agent": bearer(acme.id, "agent"),
                "stranger": bearer(other.id, "supervisor")}}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    world = make_world()
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, lambda: NOW)))
    yield client, world
    await store.close()


async def _get(client, world, who: str, path: str, status: int = 200):
    resp = await client.get(f"/api/accounts/{world['acme']}/reports/{path}",
                            headers=world["headers"][who])
    assert resp.status == status, await resp.text()
    return await resp.json() if resp.content_type == "application/json" else await resp.text()


async def check_agents(client, world) -> None:
    doc = await _get(client, world, "supervisor", "agents?by=day")
    assert (doc["timezone"], doc["from"], doc["until"], doc["by"]) == (
        "America/New_York", "2026-03-10", "2026-03-10", "day")
    ann, bob = doc["agents"]
    assert (ann["agent_id"], ann["name"], bob["name"]) == (world["ann"], "Ann", "Bob")
    assert ann["total"] == {"calls": 2, "talk_seconds": 300 + 300, "wrap_seconds": 60,
                            "pause_seconds": 1800, "pause_by_reason": {"Lunch": 1800},
                            "logged_in_seconds": 4 * 3600 + 600,
                            "occupancy_percent": round(100 * 660 / (4 * 3600 + 600 - 1800), 1)}
    assert ann["rows"][0]["calls"] == 2 and len(ann["rows"]) == 1
    assert bob["total"]["logged_in_seconds"] == 7200 and bob["total"]["occupancy_percent"] == 0
    hours = (await _get(client, world, "supervisor", f"agents?agent_id={world['ann']}"))
    rows = hours["agents"][0]["rows"]
    assert len(hours["agents"]) == 1 and len(rows) == 24
    assert [(r["hour"], r["calls"], r["talk_seconds"], r["wrap_seconds"]) for r in rows[9:11]] == [
        ("2026-03-10 09:00-04:00", 1, 120, 0), ("2026-03-10 10:00-04:00", 0, 180, 60)]
    assert rows[9]["start"] == "2026-03-10T13:00:00Z"


async def check_campaigns(client, world) -> None:
    doc = await _get(client, world, "supervisor", "campaigns")
    assert [c["name"] for c in doc["campaigns"]] == ["Spring", "Hidden"]
    spring = doc["campaigns"][0]
    nine = spring["rows"][9]
    assert (nine["dials"], nine["answers"], nine["humans"], nine["abandons"], nine["connects"],
            nine["abandon_percent"]) == (5, 4, 3, 1, 2, 33.33)
    assert (nine["agent_hours"], nine["connects_per_agent_hour"]) == (2.0, 1.0)  # Ann and Bob
    total = spring["total"]
    assert (total["dials"], total["connects"]) == (6, 3)  # yesterday's call is not today's
    # Ann 4 h 10 min less lunch 30 min, Bob 2 h
    assert total["agent_hours"] == round((3 * 3600 + 2400 + 7200) / 3600, 3)
    narrow = await _get(client, world, "narrow", "campaigns?by=day")
    assert [c["name"] for c in narrow["campaigns"]] == ["Spring"]
    assert narrow["campaigns"][0]["rows"][0]["dials"] == 6
    two_days = await _get(client, world, "narrow", "campaigns?by=day&from=2026-03-09")
    assert [r["dials"] for r in two_days["campaigns"][0]["rows"]] == [1, 6]


async def check_dispositions(client, world) -> None:
    doc = await _get(client, world, "supervisor", "dispositions")
    spring, hidden = doc["campaigns"]
    assert spring["dispositions"] == [
        {"disposition": "sale", "count": 2, "percent": 66.7},
        {"disposition": "callback", "count": 1, "percent": 33.3}]
    assert [(a["name"], a["total"]) for a in spring["agents"]] == [("Ann", 2), ("Bob", 1)]
    assert hidden["total"] == 1
    narrow = await _get(client, world, "narrow", f"dispositions?agent_id={world['ann']}")
    assert [(c["name"], c["total"]) for c in narrow["campaigns"]] == [("Spring", 2)]


async def test_the_figures_of_a_day(env):
    client, world = env
    await check_agents(client, world)
    await check_campaigns(client, world)
    await check_dispositions(client, world)


async def test_csv_files(env):
    client, world = env
    resp = await client.get(f"/api/accounts/{world['acme']}/reports/campaigns?format=csv",
                            headers=world["headers"]["narrow"])
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"] == \
        'attachment; filename="campaigns-%d-2026-03-10-2026-03-10-by-hour.csv"' % world["acme"]
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 24 and {r["campaign"] for r in rows} == {"Spring"}
    assert (rows[9]["dials"], rows[9]["connects_per_agent_hour"]) == ("5", "1.0")
    text = await _get(client, world, "supervisor", "agents?format=csv&by=day")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["agent"], r["calls"], r["pause_seconds:Lunch"]) for r in rows] == [
        ("Ann", "2", "1800"), ("Bob", "0", "0")]
    text = await _get(client, world, "narrow", "dispositions?format=csv&by=agent")
    assert [r["agent"] for r in csv.DictReader(io.StringIO(text))] == ["Ann", "Ann", "Bob"]


async def test_attackers_get_nothing(env):
    client, world = env
    acme = world["acme"]
    for kind in ("agents", "campaigns", "dispositions"):
        url = f"/api/accounts/{acme}/reports/{kind}"
        assert (await client.get(url)).status == 401
        for who in ("stranger", "agent"):
            resp = await client.get(url, headers=world["headers"][who])
            assert resp.status == 403, (kind, who)
        resp = await client.get(f"{url}?campaign_id={world['hidden']}",
                                headers=world["headers"]["narrow"])
        assert resp.status == 403
        assert_error(await resp.json(), "campaign_id")
        resp = await client.get(f"{url}?agent_id={world['stranger']}",
                                headers=world["headers"]["supervisor"])
        assert resp.status == 403
        assert_error(await resp.json(), "agent_id")
    # the stranger's own account answers, and holds none of Acme's agents or calls
    resp = await client.get(f"/api/accounts/{world['other']}/reports/campaigns",
                            headers=world["headers"]["stranger"])
    assert resp.status == 200 and (await resp.json())["campaigns"] == []


@pytest.mark.parametrize("query, field", [
    ("from=yesterday", "from"), ("until=2026-3-1", "until"), ("from=2026-03-11", "from"),
    ("from=2026-01-01", "from"), ("by=week", "by"), ("format=xml", "format"),
    ("campaign_id=abc", "campaign_id"), ("agent_id=0", "agent_id"),
    ("from=2026-02-30", "from")])
async def test_bad_queries_name_the_field(env, query, field):
    client, world = env
    resp = await client.get(f"/api/accounts/{world['acme']}/reports/campaigns?{query}",
                            headers=world["headers"]["supervisor"])
    assert resp.status == 400, query
    assert_error(await resp.json(), field)


async def test_the_pages(env):
    client, world = env
    h = world["headers"]
    resp = await client.get("/reports/campaigns", headers=h["narrow"])
    html = await resp.text()
    assert resp.status == 200 and f'id="campaign-chart-{world["spring"]}"' in html
    assert "Hidden" not in html and 'href="/api/accounts/' in html
    resp = await client.get("/reports/agents?from=2026-03-09", headers=h["supervisor"])
    html = await resp.text()
    assert 'id="agents-chart"' in html and 'data-series="talk"' in html
    assert "2026-03-09 to 2026-03-10" in " ".join(html.split())
    resp = await client.get("/reports/dispositions", headers=h["supervisor"])
    assert 'id="dispositions-chart"' in await resp.text()
    assert (await client.get("/reports/agents", headers=h["agent"])).status == 403
    resp = await client.get("/reports/agents", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/login"
