"""The agent page in preview mode (dial the offered contact, schedule a followup in the
contact's zone) and manual dial; the admin's ring-group form and campaign clone."""

from __future__ import annotations

import asyncio

import pytest

from dialer.db.models import (Account, AgentGroup, Attempt, CallerIdNumber, Campaign,
                              CampaignContact, Contact, ContactPhone, Followup, RingGroup,
                              ServicePlan)
from tests.lab_calls import human
from tests.web.conftest import sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]


def seed_preview(account_id: int, group_id: int) -> int:
    plan = ServicePlan.create(name="preview plan", all_day=True, international_allowed=True)
    Account.update(plan=plan.id).where(Account.id == account_id).execute()
    campaign = Campaign.create(account=account_id, name="Callbacks", mode="preview",
                               agent_group=group_id, status="running", max_attempts=1)
    CallerIdNumber.create(campaign=campaign, number="+12125550100")
    contact = Contact.create(account=account_id, name="Carol", timezone="America/Los_Angeles",
                             fields={"plan": "gold"})
    ContactPhone.create(contact=contact, number=human(30, area="415"))
    CampaignContact.create(campaign=campaign, contact=contact)
    return campaign.id


async def test_agent_dials_a_preview_and_schedules_a_followup(console, browser, screenshots):
    url, store = console["url"], console["dialer"].store
    campaign_id = await store.run(seed_preview, console["account_id"], console["group_id"])
    agent = await sign_in(browser, url, "ann")
    await agent.click("button[data-action=login]")
    state = await wait_text(agent, "#state", lambda s: s in ("available", "not_ready", "preview"))
    if state == "not_ready":
        await agent.click("button[data-action=ready]")
    await wait_text(agent, "#state", lambda s: s == "preview", timeout=20)
    assert await agent.inner_text("#contact-name") == "Carol"
    assert "gold" in await agent.inner_text("#contact-fields")
    await agent.screenshot(path=screenshots / "agent_preview.png", full_page=True)
    await agent.click("#dial")
    await wait_text(agent, "#state", lambda s: s == "on_call", timeout=30)
    await agent.wait_for_selector("#call:not([hidden])")
    # the page reads the call, its contact and script as the agent (issue 14: her own call's
    # contact, not the directory): two refreshes later, no error was shown
    await asyncio.sleep(2.5)
    assert await agent.get_attribute("#flash", "class") != "error", \
        await agent.inner_text("#flash")

    await agent.fill("#followup-form input[name=local_time]", "2099-06-01T10:30")
    await agent.select_option("#followup-form select[name=zone]", "contact")
    await agent.click("#followup-form button[type=submit]")
    saved = await wait_text(agent, "#followup-saved", lambda s: "scheduled" in s)
    assert "America/Los_Angeles" in saved and "2099-06-01T10:30" in saved
    followups = await store.run(lambda: [(f.timezone, f.scheduled_at.replace(tzinfo=None).isoformat(), f.campaign_id)
                                         for f in Followup.select()])
    assert followups == [("America/Los_Angeles", "2099-06-01T17:30:00", campaign_id)]
    await agent.click("button[data-action=logout]")
    await wait_text(agent, "#state", lambda s: s == "logged_out")


async def test_admin_sets_the_ring_group_and_clones_a_campaign(console, browser):
    url, store = console["url"], console["dialer"].store
    admin = await sign_in(browser, url, "admin")
    await admin.goto(f"{url}/ring-group")
    await admin.select_option("#ring-group-form select[name=strategy]", "simultaneous")
    await admin.fill("#ring-group-form input[name=ring_seconds]", "25")
    await admin.check("#ring-group-form input[name=status_message]")
    await admin.click("#ring-group-form button[type=submit]")
    await wait_text(admin, "#flash", lambda s: s == "Ring group saved.")
    group = await store.run(lambda: RingGroup.get(RingGroup.account == console["account_id"]))
    assert (group.strategy, group.ring_seconds, group.status_message) == ("simultaneous", 25, True)
    await admin.reload()
    assert await admin.input_value("#ring-group-form input[name=ring_seconds]") == "25"

    await admin.goto(f"{url}/campaigns/{console['visible_id']}")
    await admin.fill("#clone-form input[name=name]", "Visible again")
    source = admin.url  # read before the click: the copy's page may load before the click returns
    await admin.click("#clone-form button[type=submit]")
    await admin.wait_for_url(lambda u: u != source)
    assert await admin.inner_text("#campaign") == "Visible again"
    await wait_text(admin, "#status", lambda s: s == "draft")


async def test_agent_dials_by_hand_only_when_the_group_allows_it(console, browser):
    url, store = console["url"], console["dialer"].store
    await store.run(lambda: Account.update(plan=ServicePlan.create(
        name="manual plan", all_day=True).id).where(Account.id == console["account_id"]).execute())
    agent = await sign_in(browser, url, "ann")
    await agent.click("button[data-action=login]")
    state = await wait_text(agent, "#state", lambda s: s in ("available", "not_ready"))
    if state == "not_ready":
        await agent.click("button[data-action=ready]")
        await wait_text(agent, "#state", lambda s: s == "available")
    await agent.fill("#manual-form input[name=number]", "(212) 555-1010")
    await agent.click("#manual-form button[type=submit]")
    refused = await wait_text(agent, "#flash", lambda s: "manual dial" in s)
    assert refused.startswith("agent_id:")
    assert await agent.inner_text("#state") == "available"

    await store.run(lambda: AgentGroup.update(manual_dial_allowed=True)
                    .where(AgentGroup.id == console["group_id"]).execute())
    await agent.click("#manual-form button[type=submit]")
    await wait_text(agent, "#state", lambda s: s == "on_call", timeout=30)
    await agent.wait_for_selector("#call:not([hidden])")
    assert "+12125551010" in await agent.inner_text("#contact-phones")
    calls = await store.run(lambda: [(a.phone, a.agent_id) for a in Attempt.select()])
    assert calls == [("+12125551010", console["agent_id"])]
    await agent.click("button[data-action=logout]")
    await wait_text(agent, "#state", lambda s: s == "logged_out")
