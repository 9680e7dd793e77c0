"""The agent page's not-ready reasons (issue 18): the agent picks one of the account's
reasons, the page shows it beside the state, the agent's row keeps it; Ready clears it."""

from __future__ import annotations

import pytest

from dialer.agents.store import create_reason
from dialer.db.models import Agent
from tests.web.conftest import sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_agent_goes_not_ready_for_lunch_then_ready(console, browser, screenshots):
    url, store, agent_id = console["url"], console["dialer"].store, console["agent_id"]
    lunch = await store.run(create_reason, console["account_id"], name="Lunch")
    await store.run(create_reason, console["account_id"], name="Break")
    page = await sign_in(browser, url, "ann")
    await page.click("button[data-action=login]")
    await wait_text(page, "#state", lambda s: s in ("available", "not_ready"), timeout=30)
    await page.select_option("#pause-reason", label="Lunch")
    await page.click("#not-ready")
    await wait_text(page, "#pause-shown", lambda s: s == "(Lunch)")
    assert await page.inner_text("#state") == "not_ready"
    row = await store.run(Agent.get_by_id, agent_id)
    assert (row.state, row.pause_reason_id) == ("not_ready", lunch.id)
    await page.screenshot(path=screenshots / "agent_not_ready_reason.png", full_page=True)
    await page.click("button[data-action=ready]")
    await wait_text(page, "#state", lambda s: s == "available")
    assert await page.inner_text("#pause-shown") == ""
    row = await store.run(Agent.get_by_id, agent_id)
    assert (row.state, row.pause_reason_id) == ("available", None)
    await page.click("button[data-action=logout]")
    await wait_text(page, "#state", lambda s: s == "logged_out")
