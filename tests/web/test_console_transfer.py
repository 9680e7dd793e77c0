"""The agent page's call control on the lab (issue 18): Ann, on a campaign call, holds the
customer and resumes, then transfers warm to Bob by his agent number, consults, completes;
Bob's page shows the customer's contact and script, Ann's keeps the disposition form."""

from __future__ import annotations

import pytest

from dialer.db import auth, campaigns
from dialer.db.models import (Account, Agent, AgentGroupMember, CallerIdNumber, Campaign,
                              CampaignContact, Contact, ContactPhone, Script, ServicePlan)
from tests.campaign_driver import wait_until
from tests.lab_calls import human
from tests.web.conftest import PASSWORD, sign_in
from tests.web.test_console_campaign import wait_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


def seed_call(account_id: int, group_id: int) -> dict:
    """A running progressive campaign with a script, one human who talks 40 s, and Bob
    (desk phone agent2) in Ann's group."""
    plan = ServicePlan.create(name="xfer plan", all_day=True, international_allowed=True)
    Account.update(plan=plan.id).where(Account.id == account_id).execute()
    script = Script.create(account=account_id, name="Pitch", dispositions=["sale", "no sale"],
                           definition=[{"id": "q1", "type": "text", "label": "Offer gold"}])
    campaign = Campaign.create(account=account_id, name="Renewals", mode="progressive",
                               agent_group=group_id, max_attempts=1, script=script)
    CallerIdNumber.create(campaign=campaign, number="+12125550100")
    contact = Contact.create(account=account_id, name="Dora", fields={"plan": "gold"})
    ContactPhone.create(contact=contact, number=human(40, area="312"))
    CampaignContact.create(campaign=campaign, contact=contact)
    bob = auth.create_user(account_id, username="bob", password=PASSWORD, role="agent")
    agent = Agent.create(user=bob["id"], endpoint="PJSIP/agent2")
    AgentGroupMember.create(group=group_id, agent=agent)
    return {"campaign_id": campaign.id, "bob": agent.id}


async def test_ann_holds_then_transfers_warm_to_bob(console, browser, screenshots):
    url, dialer = console["url"], console["dialer"]
    seed = await dialer.store.run(seed_call, console["account_id"], console["group_id"])
    ann_id, bob_id = console["agent_id"], seed["bob"]
    ann = await sign_in(browser, url, "ann")
    await ann.click("button[data-action=login]")
    await wait_until(lambda: dialer.agents.describe(ann_id).state == "available", 30)
    await dialer.store.run(campaigns.set_status, seed["campaign_id"], "running")
    await wait_text(ann, "#state", lambda s: s == "on_call", timeout=40)
    await dialer.agents.login(bob_id)  # free once Ann has the call: the transfer's target
    await wait_until(lambda: dialer.agents.describe(bob_id).state == "available", 30)
    await wait_text(ann, "#call-stage", lambda s: s == "talking")
    await wait_text(ann, "#contact-name", lambda s: s == "Dora")

    await ann.click("#call-control button[data-call=hold]")
    await wait_text(ann, "#call-stage", lambda s: s == "held")
    assert await ann.is_hidden("#call-control button[data-call=hold]")
    await ann.click("#call-control button[data-call=resume]")
    await wait_text(ann, "#call-stage", lambda s: s == "talking")

    await ann.select_option("#transfer-form select[name=mode]", "warm")
    await ann.select_option("#transfer-form select[name=to]", "agent_id")
    await ann.fill("#transfer-form input[name=target]", str(bob_id))
    await ann.click("#transfer-form button[type=submit]")
    await wait_text(ann, "#call-stage", lambda s: s == "consulting")
    await ann.screenshot(path=screenshots / "agent_warm_transfer.png", full_page=True)
    bob = await sign_in(browser, url, "bob")
    await ann.click("#call-control button[data-call=complete]")
    await wait_text(ann, "#state", lambda s: s in ("wrap_up", "available"))
    assert await ann.is_visible("#disposition-form")  # the disposition stays with Ann

    await wait_text(bob, "#state", lambda s: s == "on_call")
    assert await wait_text(bob, "#contact-name", lambda s: s == "Dora")
    assert "Offer gold" in await bob.inner_text("#script-items")
    assert await bob.is_hidden("#disposition-form")  # Ann's
    assert await bob.get_attribute("#flash", "class") != "error", await bob.inner_text("#flash")
    await bob.screenshot(path=screenshots / "agent_took_transfer.png", full_page=True)
    assert dialer.agents.describe(bob_id).customer in (
        await dialer.ari.get_bridge(f"dialer-agent-{bob_id}"))["channels"]
