"""The console's reports in a real browser, on simulated time: the navigation leads to
them, each page draws its chart (server-built SVG) from the seeded day, and the CSV link
downloads the report; an agent is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from dialer.agents.events import Persist
from dialer.agents.store import set_agent_state
from dialer.core.tz import utc_now
from dialer.db.models import Account, Attempt, Campaign, Contact
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.timezone.utc)  # 14:00 in New York
_STARTED = utc_now()


@pytest.fixture
def clock():
    """Simulated time: 2026-03-10 18:00 UTC when the test starts, running on."""
    return lambda: NOW + (utc_now() - _STARTED)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    wall = dt.datetime(2026, 3, 10, hour, minute, tzinfo=ZoneInfo("America/New_York"))
    return wall.astimezone(dt.timezone.utc)


def _seed(seed: dict) -> None:
    """Acme in New York; Ann ready 09:00-12:00 with a call of "Visible" 09:30-09:40 and its
    wrap-up to 09:42 (disposition "sale"); 3 more dials at 09:31, none answered."""
    Account.update(timezone="America/New_York").where(Account.id == seed["account_id"]).execute()
    campaign = Campaign.get_by_id(seed["visible_id"])
    campaign.agent_group = seed["group_id"]
    campaign.save()
    contact = Contact.create(account=seed["account_id"], name="Zed")
    call = Attempt.create(campaign=campaign, contact=contact, phone="+12125550199",
                          channel_id="r0", started_at=_at(9, 29), answered_at=_at(9, 30),
                          bridged_at=_at(9, 30), outcome="human", agent=seed["agent_id"],
                          disposition="sale")
    for n in range(3):
        Attempt.create(campaign=campaign, contact=contact, phone="+12125550198",
                       channel_id=f"r{n + 1}", started_at=_at(9, 31), outcome="no_answer")
    for state, when, attempt in (("available", _at(9), None), ("on_call", _at(9, 30), call.id),
                                 ("wrap_up", _at(9, 40), call.id),
                                 ("available", _at(9, 42), None),
                                 ("logged_out", _at(12), None)):
        set_agent_state(seed["agent_id"], Persist(state, when, None, attempt))


async def test_report_pages_draw_their_charts_and_download_csv(console, browser, screenshots):
    url, dialer = console["url"], console["dialer"]
    await dialer.store.run(_seed, console)
    page = await sign_in(browser, url, "manager")
    await page.click("header nav summary:has-text('Floor')")  # the navigation's group
    async with page.expect_navigation():
        await page.click("header nav >> text=Reports")
    assert page.url.endswith("/reports/agents")
    bars = page.locator("#agents-chart rect.bar")
    assert await bars.count() == 3  # talk, wrap-up, the rest of the logged-in time
    assert await page.locator('#agents-chart rect.bar[data-series="talk"]').count() == 1
    cells = await page.locator("#agents tbody tr td").all_inner_texts()
    assert cells[:7] == ["Ann Agent", "1", "0:10:00", "0:02:00", "0:00:00", "3:00:00", "6.7%"]
    await page.screenshot(path=str(screenshots / "reports-agents.png"), full_page=True)

    async with page.expect_download() as download:
        await page.click("#csv")
    got = await download.value
    assert got.suggested_filename.endswith("-by-hour.csv")
    with open(await got.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert len(rows) == 24 and rows[9]["hour"] == "2026-03-10 09:00-04:00"
    assert (rows[9]["calls"], rows[9]["talk_seconds"], rows[9]["wrap_seconds"]) == (
        "1", "600", "120")

    async with page.expect_navigation():
        await page.click("#report-tabs >> text=Campaigns per hour")
    chart = page.locator(f"#campaign-chart-{console['visible_id']}")
    assert await chart.locator('rect.bar[data-series="connected"]').count() == 1
    assert await chart.locator('rect.bar[data-series="not answered"]').count() == 1
    await page.screenshot(path=str(screenshots / "reports-campaigns.png"), full_page=True)
    async with page.expect_navigation():
        await page.click("#report-tabs >> text=Dispositions")
    assert await page.locator('#dispositions-chart rect.bar').count() == 1
    await page.context.close()

    agent = await sign_in(browser, url, "ann")
    response = await agent.goto(f"{url}/reports/agents")
    assert response.status == 403
    await agent.context.close()
