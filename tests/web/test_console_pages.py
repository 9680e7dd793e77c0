"""Every page of the console, in a real browser: no serious or critical accessibility
violation (axe-core), no console error (a missing favicon was one on every page), each
page reachable from the grouped navigation of a user who may see it, and only such pages
shown there; a screenshot of each in tests/web/screenshots/ (laptop and tablet widths)."""

from __future__ import annotations

import pytest

from dialer.db.models import CampaignContact, Contact, ContactPhone
from dialer.web.objects import KINDS
from tests.web.checks import assert_accessible, axe_violations, console_errors
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]

TABLET = {"width": 800, "height": 1100}


def seed_contact(campaign_id: int, account_id: int) -> int:
    contact = Contact.create(account=account_id, name="Mia Directory", email="mia@example.com")
    ContactPhone.create(contact=contact, number="+13055550123")
    CampaignContact.create(campaign=campaign_id, contact=contact)
    return contact.id


def pages(campaign: int, contact: int) -> list[str]:
    hand_written = ["/", "/campaigns/new", f"/campaigns/{campaign}",
                    f"/campaigns/{campaign}/contacts/{contact}",
                    f"/campaigns/{campaign}/compliance", f"/contacts/{contact}", "/floor",
                    "/reports/agents", "/reports/campaigns", "/reports/dispositions",
                    "/plans", "/ring-group", "/prompts", "/dnc", "/audit"]
    objects = [f"/manage/{k.slug}{suffix}" for k in KINDS
               for suffix in ("", "/new" if k.create_path else None) if suffix is not None]
    return hand_written + objects + ["/manage/contacts/" + str(contact)]


async def test_every_page_is_accessible_and_error_free(console, browser, screenshots):
    url, store = console["url"], console["dialer"].store
    contact = await store.run(seed_contact, console["visible_id"], console["account_id"])
    page = await sign_in(browser, url, "admin")
    errors = console_errors(page)
    for path in pages(console["visible_id"], contact):
        response = await page.goto(f"{url}{path}")
        assert response.status == 200, path
        await page.wait_for_load_state("networkidle")
        await assert_accessible(page)
        name = path.strip("/").replace("/", "_") or "campaigns"
        await page.screenshot(path=screenshots / f"page_{name}.png", full_page=True)
        assert errors == [], f"{path}: {errors}"
    # the check can fail: an input without a label is a critical violation
    await page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    assert [v["id"] for v in await axe_violations(page)] == ["label"]
    await page.set_viewport_size(TABLET)
    await page.goto(f"{url}/manage/users")
    await page.wait_for_selector("#object-list tbody tr")
    await page.click("summary:has-text('People')")
    await page.screenshot(path=screenshots / "tablet_users_menu.png", full_page=True)
    await page.click("header a:has-text('Agent groups')")
    await page.wait_for_url(f"{url}/manage/agent-groups")
    assert errors == []
    await page.context.close()

    for user, path in (("ann", "/agent"), ("manager", "/"), (None, "/login")):
        if user is None:
            context = await browser.new_context()
            other = await context.new_page()
        else:
            other = await sign_in(browser, url, user)
        errors = console_errors(other)
        await other.goto(f"{url}{path}")
        await other.wait_for_load_state("networkidle")
        await assert_accessible(other)
        assert errors == [], f"{user} {path}: {errors}"
        await other.screenshot(path=screenshots / f"page_{user or 'login'}{path.replace('/', '_')}.png",
                               full_page=True)
        await other.context.close()


async def test_the_navigation_shows_only_what_a_user_may_see(console, browser):
    url = console["url"]
    admin = await sign_in(browser, url, "admin")
    groups = await admin.locator("header details summary").all_inner_texts()
    assert groups == ["Campaigns", "Floor", "Inbound", "Contacts", "People", "Compliance",
                      "Settings"]
    links = await admin.locator("header details a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert {"/manage/users", "/manage/roles", "/plans", "/manage/accounts"} <= set(links)
    await admin.context.close()

    manager = await sign_in(browser, url, "manager")  # manage_campaigns only
    links = await manager.locator("header details a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert "/manage/contacts" in links and "/manage/scripts" in links
    assert not {"/manage/users", "/manage/roles", "/plans", "/manage/accounts", "/audit",
                "/agent", "/ring-group"} & set(links)
    for refused in ("/manage/users", "/manage/accounts", "/manage/roles/new"):
        assert (await manager.goto(f"{url}{refused}")).status == 403, refused
    assert (await manager.goto(f"{url}/manage/nonsense")).status == 404
    assert (await manager.goto(f"{url}/manage/contacts/new")).status == 404  # imported only
    await manager.click("#logout")
    await manager.wait_for_url(f"{url}/login")
    for path in ("/manage/nonsense", "/manage/users/1", "/contacts/1"):
        await manager.goto(f"{url}{path}")
        assert manager.url == f"{url}/login", path
    await manager.context.close()

    agent = await sign_in(browser, url, "ann")  # take_calls only
    groups = await agent.locator("header details summary").all_inner_texts()
    links = await agent.locator("header details a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert groups == ["Floor"] and links == ["/agent"]
    assert (await agent.goto(f"{url}/prompts")).status == 403
    await agent.context.close()
