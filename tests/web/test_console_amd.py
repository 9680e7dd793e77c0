"""The new campaign form's answering-machine detector in a real browser (issue 20): the
classifier chosen with its machine threshold and without words; announcing to call-screening assistants
without the prompt that says who calls is refused, naming the field; with it the campaign
is created with every choice stored. Checked by axe-core, free of console errors."""

from __future__ import annotations

import pytest

from dialer.db.models import Campaign
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_the_new_campaign_form_chooses_the_classifier(console, browser, screenshots):
    page = await sign_in(browser, console["url"], "admin")
    errors = console_errors(page)
    await page.goto(f"{console['url']}/campaigns/new")
    form = "#general-form"
    await page.fill(f"{form} input[name=name]", "Heard")
    await page.check(f"{form} input[name=amd_enabled]")
    await page.select_option(f"{form} select[name=amd_detector]", "classifier")
    assert await page.get_attribute(f"{form} input[name=amd_machine_threshold]",
                                    "placeholder") == "0.9"
    await page.fill(f"{form} input[name=amd_machine_threshold]", "0.95")
    assert await page.is_checked(f"{form} input[name=amd_words]")  # the phrases, unless told
    await page.uncheck(f"{form} input[name=amd_words]")  # callees who answer in Spanish
    await page.select_option(f"{form} select[name=screening_action]", "announce")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("#flash.error:has-text('screening_message')")
    errors[:] = [e for e in errors if "responded with a status of 400" not in e]

    await page.select_option(f"{form} select[name=screening_message]", label="vm-sorry (shipped)")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('Campaign Heard created')")
    await assert_accessible(page)
    await page.screenshot(path=screenshots / "new_campaign_amd.png", full_page=True)
    assert errors == [], errors
    stored = await console["dialer"].store.run(
        lambda: Campaign.select().where(Campaign.name == "Heard").dicts().get())
    assert (stored["amd_enabled"], stored["amd_detector"], stored["amd_machine_threshold"],
            stored["amd_words"], stored["screening_action"], stored["screening_message"]) == \
        (True, "classifier", 0.95, False, "announce", "vm-sorry")
