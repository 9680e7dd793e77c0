"""The agent page on the lab (issue 19): its state banner through a real call (available,
paused with its reason, preview, ringing with the callee's number, talking, on hold,
wrap-up counting down to available), the contact beside the script, a required answer
asked for before the disposition, and the disposition chosen by its keyboard shortcut
landing on the attempt. Each state's page is checked by axe-core and screenshotted."""

from __future__ import annotations

import asyncio
import re

import pytest

from dialer.agents.store import create_reason
from dialer.db.models import (Account, Attempt, CallerIdNumber, Campaign, CampaignContact,
                              Contact, ContactPhone, ServicePlan, Script)
from tests.campaign_driver import wait_until
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

SLOW_ANSWER = "+14155556006"  # the simulator rings it 6 s, then a person stays on the line
WRAP_SECONDS = 20


def seed_desk(account_id: int, group_id: int) -> int:
    """A running preview campaign calling SLOW_ANSWER, with a script and 20 s of wrap-up."""
    plan = ServicePlan.create(name="desk plan", all_day=True, international_allowed=True)
    Account.update(plan=plan.id).where(Account.id == account_id).execute()
    script = Script.create(account=account_id, name="Survey", definition=[
        {"id": "intro", "type": "text", "label": "Say who you are.", "required": False},
        {"id": "holder", "type": "yesno", "label": "Account holder?", "required": True},
        {"id": "notes", "type": "free", "label": "Notes", "required": False}],
        dispositions=[{"code": "sale", "label": "Sale", "meaning": "final", "key": "s"},
                      {"code": "callback", "label": "Call back", "meaning": "callback",
                       "key": None}])
    campaign = Campaign.create(account=account_id, name="Desk", mode="preview",
                               agent_group=group_id, status="running", max_attempts=1,
                               script=script, bcw_seconds=WRAP_SECONDS)
    CallerIdNumber.create(campaign=campaign, number="+12125550100")
    contact = Contact.create(account=account_id, name="Carol", timezone="America/Los_Angeles")
    ContactPhone.create(contact=contact, number=SLOW_ANSWER)
    CampaignContact.create(campaign=campaign, contact=contact)
    return campaign.id


class Desk:
    def __init__(self, page, shots):
        self.page, self.shots = page, shots
        self.errors = console_errors(page)

    async def banner(self, title: str, timeout: float = 30) -> str:
        await wait_text(self.page, "#banner-title", lambda s: s == title, timeout=timeout)
        return await self.page.inner_text("#banner")

    async def shot(self, name: str) -> None:
        await assert_accessible(self.page)
        await self.page.screenshot(path=self.shots / f"agent_banner_{name}.png", full_page=True)


async def clock_of(page) -> int:
    m, s = (await page.inner_text("#banner-clock")).split()[0].split(":")
    return int(m) * 60 + int(s)


async def test_a_call_through_the_banner_states_ends_with_a_shortcut_disposition(
        console, browser, screenshots):
    url, store = console["url"], console["dialer"].store
    await store.run(create_reason, console["account_id"], name="Lunch")
    page = await sign_in(browser, url, "ann")
    desk = Desk(page, screenshots)
    await desk.banner("Logged out")
    await page.click("button[data-action=login]")
    state = await wait_text(page, "#state", lambda s: s in ("available", "not_ready"), timeout=30)
    if state == "not_ready":
        await page.click("button[data-action=ready]")
    assert "Waiting for the next call" in await desk.banner("Available")
    await desk.shot("available")
    await page.select_option("#pause-reason", label="Lunch")
    await page.click("#not-ready")
    assert "Reason: Lunch" in await desk.banner("Paused")
    await desk.shot("paused")
    await page.click("button[data-action=ready]")
    await desk.banner("Available")

    campaign_id = await store.run(seed_desk, console["account_id"], console["group_id"])
    assert "Dial the contact" in await desk.banner("Preview", timeout=20)
    await page.click("#dial")
    ringing = await desk.banner("Ringing")
    assert SLOW_ANSWER in ringing
    first = await clock_of(page)
    await asyncio.sleep(1.5)
    assert await clock_of(page) > first  # the elapsed time moves
    await desk.shot("ringing")

    talking = await desk.banner("Talking", timeout=30)
    assert SLOW_ANSWER in talking
    # the contact beside the script: two columns on a laptop
    await page.wait_for_selector("#call:not([hidden])")
    contact = await page.locator("#preview-card").bounding_box()
    script = await page.locator("#call").bounding_box()
    assert contact["x"] + contact["width"] <= script["x"] and abs(contact["y"] - script["y"]) < 5
    assert await page.locator("#disposition-buttons button").all_inner_texts() == [
        "s Sale", "1 Call back"]
    await desk.shot("talking")
    await page.set_viewport_size({"width": 800, "height": 1000})  # a tablet: stacked
    contact = await page.locator("#preview-card").bounding_box()
    script = await page.locator("#call").bounding_box()
    assert contact["y"] + contact["height"] <= script["y"] and contact["x"] == script["x"]
    await page.screenshot(path=screenshots / "agent_banner_talking_tablet.png", full_page=True)
    await page.set_viewport_size({"width": 1200, "height": 900})
    await page.click("#call-control button[data-call=hold]")
    assert "Resume to talk again" in await desk.banner("On hold")
    await desk.shot("on_hold")
    await page.click("#call-control button[data-call=resume]")
    await desk.banner("Talking")

    # typing an "s" in a text field is not the shortcut
    await page.fill("#script-items input[data-item=notes]", "says yes")
    await page.press("#script-items input[data-item=notes]", "s")
    await page.click("#hang-up")
    wrap = await desk.banner("Wrap-up", timeout=10)
    assert "At 0:00 you are available" in wrap
    left = await clock_of(page)
    assert WRAP_SECONDS - 4 <= left <= WRAP_SECONDS
    await desk.shot("wrap_up")

    # the shortcut before the required answer: refused, the question says why
    await page.locator("h1").click()
    await page.keyboard.press("s")
    error = page.locator("[data-question=holder] .field-error")
    await error.wait_for()
    assert "Account holder?" in await error.inner_text()
    assert await page.get_attribute("#script-items fieldset[data-item=holder]",
                                    "aria-invalid") == "true"
    attempt = await store.run(lambda: Attempt.get(Attempt.campaign == campaign_id))
    assert attempt.disposition is None and attempt.script_answers == {"notes": "says yess"}
    desk.errors[:] = [e for e in desk.errors if "responded with a status of 4" not in e]
    await desk.shot("required_answer")

    await page.check("#script-items fieldset[data-item=holder] input[value=yes]")
    await page.locator("h1").click()
    await page.keyboard.press("S")
    saved = await wait_text(page, "#disposition-saved", lambda s: "Sale" in s)
    assert re.search(r"Disposition “Sale” saved", saved)
    assert await page.get_attribute("#disposition-buttons button[data-code=sale]",
                                    "aria-pressed") == "true"
    attempt = await store.run(lambda: Attempt.get(Attempt.campaign == campaign_id))
    assert (attempt.disposition, attempt.outcome, attempt.agent_id) == (
        "sale", "human", console["agent_id"])
    assert attempt.script_answers == {"holder": True, "notes": "says yess"}
    async def counted_down() -> bool:
        return await clock_of(page) < left
    await wait_until(counted_down, 5, step=0.2)  # the countdown moves (the steps above may take < 1 s)
    # at zero the agent is available again
    await desk.banner("Available", timeout=WRAP_SECONDS + 5)
    assert desk.errors == [], desk.errors
    await page.click("button[data-action=logout]")
    await wait_text(page, "#state", lambda s: s == "logged_out")
