"""A campaign's page in a real browser: its rules and caller ids listed, added and removed,
and contacts from a CSV file added to it after it was created (a bad row reported by line,
the good ones kept). Checked by axe-core, free of console errors."""

from __future__ import annotations

import pytest

from dialer.db.campaign_admin import add_caller_id, create_campaign
from dialer.db.models import Account, CallerIdNumber, CampaignContact, Rule
from tests.web.checks import assert_accessible
from tests.web.conftest import open_campaign

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

CSV = b"Name,Phone\nDora,+12125550111\nEd,not a number\nFay,+12125550113\n"


async def test_the_campaign_page_gives_rules_numbers_and_contacts(console, browser, screenshots):
    def seed() -> int:
        account = Account.get(Account.name == "Acme")
        campaign = create_campaign(account.id, name="Winter")
        add_caller_id(campaign["id"], "+12125550100")
        return campaign["id"]
    store = console["dialer"].store
    page, errors, campaign_id = await open_campaign(console, browser, seed)
    await page.click("#numbers-section summary")
    await page.wait_for_selector("#numbers li:has-text('+12125550100')")

    await page.click("#rules-section summary")
    await page.select_option("#rule-form select[name=action]", "call_again")
    await page.click("#rule-form button[type=submit]")
    await page.wait_for_selector("#rules li:has-text('call_again')")
    await page.fill("#number-form input[name=number]", "(212) 555-0199")
    await page.click("#number-form button[type=submit]")
    await page.wait_for_selector("#numbers li:has-text('+12125550199')")
    await page.click("#numbers li:has-text('+12125550100') button")
    await page.wait_for_selector("#numbers li:has-text('+12125550100')", state="detached")

    await page.click("#add-contacts summary")
    await page.set_input_files("#import-form input[type=file]", files=[
        {"name": "more.csv", "mimeType": "text/csv", "buffer": CSV}])
    await page.wait_for_selector("#mapping select[data-column='Phone']")
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-result:not([hidden])")
    summary = await page.inner_text("#import-summary")
    assert "2 added to the campaign" in summary and "1 bad row" in summary, summary
    assert "3" in await page.inner_text("#import-errors tbody tr")  # line 3: Ed
    await page.wait_for_selector("#contacts tbody tr:has-text('Fay')")
    await assert_accessible(page)
    await page.screenshot(path=screenshots / "campaign_parts.png", full_page=True)

    def stored() -> tuple:
        return ([n.number for n in CallerIdNumber.select().where(CallerIdNumber.campaign == campaign_id)],
                [r.action for r in Rule.select().where(Rule.campaign == campaign_id)],
                CampaignContact.select().where(CampaignContact.campaign == campaign_id).count())
    assert await store.run(stored) == (["+12125550199"], ["call_again"], 2)

    await page.click("#rules li:has-text('call_again') button")
    await page.wait_for_selector("#rules li", state="detached")
    assert (await store.run(stored))[1] == []
    assert errors == [], errors
