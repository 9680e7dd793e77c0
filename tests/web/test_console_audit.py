"""The console's audit log page in a real browser: a change made in the console shows with
its actor and what changed; filters; roles without manage_users are refused the page."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_the_audit_page_shows_who_changed_what(console, browser):
    url, campaign_id = console["url"], console["visible_id"]
    page = await sign_in(browser, url, "admin")
    await page.goto(f"{url}/audit")
    await page.evaluate(  # a change through the browser session (CSRF token and all)
        "(id) => api('PATCH', `/api/campaigns/${id}`, {bcw_seconds: 9})", campaign_id)
    await page.select_option("#audit-filters select[name=kind]", "campaign")
    await page.click("#audit-filters button[type=submit]")
    row = page.locator("#audit tbody tr", has_text="bcw_seconds")
    await row.wait_for()
    cells = await row.locator("td").all_inner_texts()
    assert cells[1:5] == ["admin", "campaign", str(campaign_id), "update"]
    assert cells[5] == "bcw_seconds: 0 → 9"  # only what changed
    # every row shown is of the kind asked for
    assert set(await page.locator("#audit tbody td.kind").all_inner_texts()) == {"campaign"}
    await page.select_option("#audit-filters select[name=kind]", "user")
    await page.click("#audit-filters button[type=submit]")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#audit td.kind')].every("
        "c => c.textContent === 'user') && document.querySelector('#audit td.kind')")
    users = await page.locator("#audit tbody tr").all_inner_texts()
    assert any("ann" in u for u in users)
    assert not any("argon2" in u or "password_hash" in u for u in users)  # no hash shown
    await page.context.close()

    for username in ("manager", "ann"):  # campaign manager, agent: no manage_users
        other = await sign_in(browser, url, username)
        response = await other.goto(f"{url}/audit")
        assert response.status == 403
        await other.context.close()
