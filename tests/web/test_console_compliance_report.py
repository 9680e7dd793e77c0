"""The console's compliance page in a real browser, on simulated time: the daily
abandonment chart with the limit drawn, the figures, the call outside allowed hours, the
CSV download; a campaign outside the manager's profile and an agent are refused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from dialer.core.tz import utc_now
from dialer.db.models import Attempt, Campaign, Contact
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

NOW = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.timezone.utc)
_STARTED = utc_now()


@pytest.fixture
def clock():
    """Simulated time: 2026-03-10 17:00 UTC when the test starts, running on."""
    return lambda: NOW + (utc_now() - _STARTED)


def _seed(campaign_id: int) -> int:
    """March 9: 1 abandoned of 10 humans (10%, over the 3% limit); March 10: 0 of 5, and
    one call at 03:00 UTC (22:00 in New York: outside the 08:00-21:00 window)."""
    campaign = Campaign.get_by_id(campaign_id)
    contact = Contact.create(account=campaign.account_id, name="Ann")
    calls = [(dt.datetime(2026, 3, 9, 14, i), "abandoned" if i == 0 else "human")
             for i in range(10)]
    calls += [(dt.datetime(2026, 3, 10, 14, i), "human") for i in range(4)]
    calls.append((dt.datetime(2026, 3, 10, 3, 0), "human"))
    for n, (started, outcome) in enumerate(calls):
        last = Attempt.create(campaign=campaign, contact=contact, phone="+12125550100",
                              channel_id=f"seed-{n}", started_at=started, outcome=outcome)
    return last.id


async def test_compliance_page_chart_figures_and_csv(console, browser, screenshots):
    url, dialer = console["url"], console["dialer"]
    late = await dialer.store.run(_seed, console["visible_id"])
    hidden = await dialer.store.run(
        lambda: Campaign.create(account=console["account_id"], name="Hidden").id)
    page = await sign_in(browser, url, "manager")
    await page.goto(f"{url}/campaigns/{console['visible_id']}")
    async with page.expect_navigation():
        await page.click("#compliance")
    assert page.url.endswith(f"/campaigns/{console['visible_id']}/compliance")
    chart = page.locator("#abandonment-chart")
    assert await chart.locator("rect.day").count() == 2
    assert await chart.locator("line.limit").count() == 1
    over = chart.locator('rect.day[data-day="2026-03-09"]')
    assert await over.get_attribute("fill") == "#c0392b"  # over the limit: red
    limit_y = float(await chart.locator("line.limit").get_attribute("y1"))
    assert float(await over.get_attribute("y")) < limit_y  # the bar rises above the line
    totals = dict(zip(await page.locator("#totals dt").all_inner_texts(),
                      await page.locator("#totals dd").all_inner_texts(), strict=True))
    assert totals["Calls outside allowed hours"] == "1"
    assert totals["Days over the limit"] == "2"  # March 9, and the 30 days up to March 10
    assert totals["Do-not-call hits prevented"] == "0"
    outside = await page.locator("#outside-hours tbody tr").all_inner_texts()
    assert len(outside) == 1 and outside[0].startswith(str(late))
    await page.screenshot(path=str(screenshots / "compliance.png"), full_page=True)

    href = await page.locator("#csv").get_attribute("href")
    resp = await page.request.get(f"{url}{href}")
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 30 and rows[-1]["date"] == "2026-03-10"
    assert (rows[-2]["humans_answered"], rows[-2]["abandoned"], rows[-2]["over_limit"]) == (
        "10", "1", "yes")
    assert rows[-1]["calls_outside_hours"] == "1"

    response = await page.goto(f"{url}/campaigns/{hidden}/compliance")
    assert response.status == 403
    await page.context.close()
    agent = await sign_in(browser, url, "ann")
    response = await agent.goto(f"{url}/campaigns/{console['visible_id']}/compliance")
    assert response.status == 403
    await agent.context.close()
