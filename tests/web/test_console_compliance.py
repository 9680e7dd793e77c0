"""The contact's page in a real browser: each attempt of its timeline says why the number
was dialled (the verdict kept with it, recomputed)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db.models import Campaign, CampaignContact, Contact, ContactPhone
from dialer.outbound import store as dialing
from dialer.outbound.model import RulesCheck
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

NOW = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.timezone.utc)  # 11:00 in Miami


def dialled_contact(campaign_id: int) -> int:
    """A Miami contact of the (draft) campaign with one attempt written as the shell does."""
    campaign = Campaign.get_by_id(campaign_id)
    contact = Contact.create(account=campaign.account_id, name="Mia")
    ContactPhone.create(contact=contact, number="+13055550123")
    CampaignContact.create(campaign=campaign, contact=contact)
    [claim] = dialing.claim_due(campaign_id, "web", 1, NOW)
    dialing.start_attempt(cc_id=claim.cc_id, phone=claim.phone, caller_id=None,
                          channel_id="web-1", node="web", now=NOW,
                          rules=RulesCheck.of(dialing.campaign_settings(campaign_id), claim))
    return contact.id


async def test_an_attempt_says_why_it_was_dialled(console, browser):
    url, campaign_id = console["url"], console["visible_id"]
    contact_id = await console["dialer"].store.run(dialled_contact, campaign_id)
    page = await sign_in(browser, url, "manager")
    await page.goto(f"{url}/campaigns/{campaign_id}/contacts/{contact_id}")
    await page.click("#timeline li[data-kind=attempt] details.why-dialled summary")
    lines = page.locator("#timeline details.why-dialled li")
    await lines.last.wait_for()
    text = "\n".join(await lines.all_inner_texts())
    assert "in US, US-FL" in text
    assert "local time in America/New_York: 2026-12-03T11:00:00-05:00" in text
    assert "Fla. Stat. s. 501.616(6)(b)" in text and "0 of 3 in 24 h" in text
    assert text.endswith("recomputed now: the same")
    await page.context.close()
