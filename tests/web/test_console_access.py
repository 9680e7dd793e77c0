"""Who sees what in the console, in a real browser: profiles, privileges, signed out."""

from __future__ import annotations

import pytest

from dialer.db.models import Campaign
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_a_profile_hides_campaigns_and_pages_check_privileges(console, browser):
    url = console["url"]
    hidden = await console["dialer"].store.run(
        lambda: Campaign.create(account=console["account_id"], name="Hidden",
                                mode="progressive").id)

    page = await sign_in(browser, url, "manager")
    assert page.url == f"{url}/"
    await page.wait_for_selector("#campaigns tbody tr")
    names = await page.locator("#campaigns tbody td:first-child").all_inner_texts()
    assert names == ["Visible"]
    status = await page.evaluate(
        "async (id) => (await fetch(`/api/campaigns/${id}`)).status", hidden)
    assert status == 403
    visible = await page.evaluate(
        "async (id) => (await fetch(`/api/campaigns/${id}`)).json()", console["visible_id"])
    assert visible["name"] == "Visible"
    response = await page.goto(f"{url}/campaigns/{hidden}")
    assert response.status == 403
    response = await page.goto(f"{url}/reports/campaigns/{hidden}/attempts.csv")
    assert response.status == 403
    response = await page.goto(f"{url}/plans")  # manage_system only
    assert response.status == 403
    response = await page.goto(f"{url}/campaigns/{hidden + 100}")
    assert response.status == 404 and await page.inner_text("h1") == "Not found"
    await page.context.close()

    agent = await sign_in(browser, url, "ann")
    assert agent.url == f"{url}/agent"
    response = await agent.goto(f"{url}/")
    assert agent.url == f"{url}/agent"  # agents are sent to their page
    response = await agent.goto(f"{url}/campaigns/{hidden}")
    assert response.status == 403
    await agent.click("#logout")
    await agent.wait_for_url(f"{url}/login")
    await agent.goto(f"{url}/agent")
    assert agent.url == f"{url}/login"  # the session is gone
    await agent.context.close()


async def test_a_wrong_password_is_shown_and_keeps_you_out(console, browser):
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{console['url']}/login")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", "wrong-password")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#flash.error")
    assert "wrong user name or password" in await page.inner_text("#flash")
    response = await page.goto(f"{console['url']}/")
    assert page.url.endswith("/login") and response.status == 200
    await context.close()
