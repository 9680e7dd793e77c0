"""The console end to end in a real browser, against the Asterisk lab: an admin makes a
plan and a campaign through the pages, uploads contacts (a bad row is reported), starts the
campaign and watches its progress; an agent takes the call and records a disposition."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from dialer.db.models import Account, Attempt, Campaign, ServicePlan
from tests.lab_calls import human
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

ALICE, BOB = human(12), human(12, area="415")
CONTACTS_CSV = (f"Full name,Mobile,E-mail\nAlice,{ALICE},alice@example.com\n"
                f"Bob,{BOB},\nBroken,not a number,\n").encode()


async def text_of(page, selector: str) -> str:
    return (await page.inner_text(selector)).strip()


async def wait_text(page, selector: str, predicate, timeout: float = 30) -> str:
    """The element's text once `predicate` holds for it (the page refreshes by itself)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await text_of(page, selector)
        if predicate(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{selector} stayed {value!r}")
        await asyncio.sleep(0.25)


async def make_plans(page, url: str, shots) -> None:
    await page.goto(f"{url}/plans")
    for name in ("Web plan", "Old plan"):
        await page.fill("#plan-form input[name=name]", name)
        await page.check("#plan-form input[name=all_day]")
        await page.check("#plan-form input[name=international_allowed]")
        await page.click("#plan-form button[type=submit]")
        await page.wait_for_selector(f"#plans tbody tr:has-text('{name}')")
    old = page.locator("#plans tbody tr", has_text="Old plan")
    await old.locator("button", has_text="Disable").click()
    await page.wait_for_selector("#plans tbody tr:has-text('Old plan')", state="detached")
    await page.check("#show-disabled")
    await page.wait_for_selector("#plans tbody tr.disabled:has-text('Old plan')")
    await page.screenshot(path=shots / "plans.png", full_page=True)
    await old.locator("button", has_text="Enable").click()
    await page.wait_for_selector("#plans tbody tr:not(.disabled):has-text('Old plan')")
    assert await old.locator("td.enabled").inner_text() == "yes"


async def make_campaign(page, url: str, shots) -> int:
    await page.goto(f"{url}/campaigns/new")
    await page.click(".tabs button[data-tab=script]")
    await page.fill("#script-form input[name=name]", "Survey")
    await page.fill("#script-form textarea[name=questions]", "Interested?")
    await page.fill("#script-form input[name=dispositions]", "sale, no_sale")
    await page.click("#script-form button[type=submit]")
    await wait_text(page, "#flash", lambda s: s == "Script Survey created and chosen.")
    await page.click(".tabs button[data-tab=general]")
    await page.fill("#general-form input[name=name]", "Web spring")
    await page.select_option("#general-form select[name=mode]", "progressive")
    await page.select_option("#general-form select[name=agent_group_id]", label="sales")
    await page.fill("#general-form input[name=bcw_seconds]", "3")
    await page.fill("#general-form input[name=max_attempts]", "1")
    await page.fill("#general-form input[name=inbound_service_percent]", "90")
    await page.fill("#general-form input[name=inbound_service_seconds]", "15")
    await page.click("#general-form button[type=submit]")
    await page.wait_for_selector("#tab-contacts:not([hidden])")
    created = await page.get_attribute("#go-campaign", "href")
    campaign_id = int(created.rsplit("/", 1)[1])

    await page.set_input_files("#import-form input[type=file]", files=[
        {"name": "contacts.csv", "mimeType": "text/csv", "buffer": CONTACTS_CSV}])
    await page.wait_for_selector("#mapping select[data-column='Mobile']")
    assert await page.input_value("#mapping select[data-column='Mobile']") == "phone"
    await page.select_option("#mapping select[data-column='Full name']", "name")
    await page.click("#import-form button[type=submit]")
    await page.wait_for_selector("#import-result:not([hidden])")
    summary = await text_of(page, "#import-summary")
    assert "2 new contacts" in summary and "2 added to the campaign" in summary, summary
    assert "1 bad row" in summary, summary
    bad = await page.locator("#import-errors tbody tr").all_inner_texts()
    assert len(bad) == 1 and bad[0].split("\t")[0] == "4" and "phone" in bad[0], bad
    await page.screenshot(path=shots / "new_campaign.png", full_page=True)

    await page.click(".tabs button[data-tab=rules]")
    await page.select_option("#rule-form select[name=action]", "call_again")
    await page.click("#rule-form button[type=submit]")
    await page.wait_for_selector("#rules li:has-text('call_again')")

    await page.click(".tabs button[data-tab=numbers]")
    await page.fill("#number-form input[name=number]", "(212) 555-0100")
    await page.click("#number-form button[type=submit]")
    await page.wait_for_selector("#numbers li:has-text('+12125550100')")
    return campaign_id


async def test_admin_runs_a_campaign_that_an_agent_takes(console, browser, screenshots):
    url, store = console["url"], console["dialer"].store
    login = await (await browser.new_context()).new_page()
    await login.goto(f"{url}/login")
    await login.screenshot(path=screenshots / "login.png")
    await login.context.close()

    admin = await sign_in(browser, url, "admin")
    assert admin.url == f"{url}/"
    await make_plans(admin, url, screenshots)
    await store.run(lambda: Account.update(plan=ServicePlan.get(name="Web plan").id)
                    .where(Account.id == console["account_id"]).execute())
    campaign_id = await make_campaign(admin, url, screenshots)
    made = await store.run(lambda: Campaign.get_by_id(campaign_id))
    assert (made.inbound_service_percent, made.inbound_service_seconds) == (90, 15)

    await admin.goto(f"{url}/")
    row = admin.locator(f"#campaigns tbody tr[data-id='{campaign_id}']")
    assert (await row.inner_text()).split("\t") == ["Web spring", "draft", "progressive"]
    await admin.screenshot(path=screenshots / "campaigns.png", full_page=True)

    # The agent logs in on the agent page: the desk phone (agent1) answers, then ready.
    agent = await sign_in(browser, url, "ann")
    assert agent.url == f"{url}/agent"
    await agent.click("button[data-action=login]")
    await wait_text(agent, "#state", lambda s: s in ("available", "not_ready"))
    await agent.click("button[data-action=ready]")
    await wait_text(agent, "#state", lambda s: s == "available")

    await admin.goto(f"{url}/campaigns/{campaign_id}")
    await wait_text(admin, "#progress dd[data-key=total]", lambda s: s == "2")
    assert await text_of(admin, "#progress dd[data-key=attempts]") == "0"
    await admin.click(".actions button[data-action=start]")
    await wait_text(admin, "#status", lambda s: s == "running")
    await wait_text(admin, "#progress dd[data-key=attempts]", lambda s: s == "1", timeout=20)

    # The agent sees the call, and records its result while on it.
    await wait_text(agent, "#state", lambda s: s == "on_call", timeout=20)
    await agent.wait_for_selector("#call:not([hidden])")
    shown = await text_of(agent, "#contact-name")
    assert shown in ("Alice", "Bob")
    await agent.fill("#script-items input[data-item=q1]", "yes, call me")
    await agent.click("#save-answers")
    await wait_text(agent, "#flash", lambda s: s == "Answers saved.")
    await agent.click("#disposition-buttons button[data-code=sale]")
    await wait_text(agent, "#disposition-saved", lambda s: "sale" in s)
    await agent.screenshot(path=screenshots / "agent.png", full_page=True)

    # The callee hangs up: the page shows the outcome, in the list and in the chart.
    await wait_text(admin, "#outcomes", lambda s: "human: 1" in s, timeout=40)
    await admin.wait_for_selector("#chart svg rect.bar[data-outcome=human]")
    await wait_text(admin, "#bars [data-state=completed]", lambda s: s.startswith("completed 1"))
    await admin.screenshot(path=screenshots / "campaign.png", full_page=True)
    attempts = await store.run(lambda: [(a.contact.name, a.outcome, a.disposition, a.agent_id,
                                         a.script_answers)
                                        for a in Attempt.select().where(
                                            Attempt.campaign == campaign_id)])
    assert (shown, "human", "sale", console["agent_id"], {"q1": "yes, call me"}) in attempts, \
        attempts

    # The report lists the attempt with its contact, phone, outcome and agent.
    report = await admin.context.request.get(f"{url}/reports/campaigns/{campaign_id}/attempts.csv")
    assert report.status == 200
    rows = list(csv.DictReader(io.StringIO(await report.text())))
    mine = [r for r in rows if r["disposition"] == "sale"]
    assert len(mine) == 1 and mine[0]["contact"] == shown and mine[0]["agent"] == "Ann Agent"
    assert mine[0]["phone"] == (ALICE if shown == "Alice" else BOB)

    # The contact's page: its timeline holds the call.
    await admin.click(f"#contacts a:has-text('{shown}')")
    await admin.wait_for_selector("#timeline li")
    assert "sale" in await text_of(admin, "#timeline")

    await admin.goto(f"{url}/campaigns/{campaign_id}")
    row = admin.locator(f"#contacts tbody tr:has-text('{shown}')")
    await wait_text(admin, f"#contacts tbody tr:has-text('{shown}')", lambda s: "sale" in s)
    assert (await row.locator("td.state").inner_text()) == "completed"
    assert "Ann Agent" in await row.inner_text()
    await admin.click(".actions button[data-action=terminate]")
    await wait_text(admin, "#status", lambda s: s == "terminated")
    await agent.click("button[data-action=logout]")
    await wait_text(agent, "#state", lambda s: s == "logged_out")
