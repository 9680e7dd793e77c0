"""The new campaign form's answering-machine detector in a real browser (issue 20): the
classifier chosen with its machine threshold and without words; announcing to call-screening assistants
without the prompt that says who calls is refused, naming the field; with it the campaign
is created with every choice stored. Checked by axe-core, free of console errors."""

from __future__ import annotations

import pytest

from dialer.db.models import Campaign
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import open_campaign, sign_in

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
                                    "placeholder") == "0.95"
    await page.fill(f"{form} input[name=amd_machine_threshold]", "0.98")
    await page.fill(f"{form} input[name=amd_person_after_silence]", "4")  # waiting: a person
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
            stored["amd_words"], stored["screening_action"], stored["screening_message"],
            stored["amd_person_after_silence"]) == (True, "classifier", 0.98, False, "announce", "vm-sorry", 4.0)


async def test_the_campaign_page_shows_and_saves_its_settings(console, browser, screenshots):
    """Edited on the campaign page: the form shows what is stored, sends only what changed
    (an emptied field back to the shipped default), and a refused value names its field and
    changes nothing."""
    from dialer.db.campaign_admin import create_campaign
    from dialer.db.models import Account

    def seed() -> int:
        account = Account.get(Account.name == "Acme")
        return create_campaign(account.id, name="Edited", amd_enabled=True, amd_detector="classifier",
                               amd_machine_threshold=0.95, amd_words=False, bcw_seconds=4,
                               amd_person_after_silence=4.5)["id"]
    store = console["dialer"].store
    page, errors, campaign_id = await open_campaign(console, browser, seed)
    await page.click("#settings summary")
    form = "#settings-form"
    await page.wait_for_function(
        "document.querySelector('#settings-form input[name=amd_machine_threshold]').value === '0.95'")
    assert await page.input_value(f"{form} select[name=amd_detector]") == "classifier"
    assert not await page.is_checked(f"{form} input[name=amd_words]")
    assert await page.input_value(f"{form} input[name=bcw_seconds]") == "4"
    assert await page.input_value(f"{form} input[name=amd_person_after_silence]") == "4.5"

    await page.check(f"{form} input[name=amd_words]")
    await page.fill(f"{form} input[name=amd_machine_threshold]", "")  # the shipped 0.95
    await page.fill(f"{form} input[name=bcw_seconds]", "7")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('Saved: bcw_seconds, amd_machine_threshold, amd_words')")
    await assert_accessible(page)
    await page.screenshot(path=screenshots / "campaign_settings.png", full_page=True)
    stored = await store.run(lambda: Campaign.get_by_id(campaign_id))
    assert (stored.amd_words, stored.amd_machine_threshold, stored.bcw_seconds, stored.name) == \
        (True, None, 7, "Edited")

    await page.fill(f"{form} input[name=timezone]", "Mars/Olympus_Mons")
    await page.fill(f"{form} input[name=bcw_seconds]", "9")
    await page.click(f"{form} button[type=submit]")
    await page.wait_for_selector("#flash.error:has-text('timezone')")
    errors[:] = [e for e in errors if "responded with a status of 400" not in e]
    stored = await store.run(lambda: Campaign.get_by_id(campaign_id))
    assert (stored.timezone, stored.bcw_seconds) == (None, 7) and errors == [], errors
