"""The object pages (dialer/web/objects.py) in a real browser: for each object, create it
through its form, see the API's field error next to the field it names (on edit, or on
create where the API has no edit), search the list, and delete / disable / cancel it where
the API allows; every page checked by axe-core and free of console errors."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db.models import Contact, ContactPhone, Followup, ServicePlan, User
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]


class Pages:
    """One signed-in admin's browser on the object pages."""

    def __init__(self, page, url: str, screenshots):
        self.page, self.url, self.shots = page, url, screenshots
        self.errors = console_errors(page)

    async def checked(self, shot: str) -> None:
        await self.page.wait_for_load_state("networkidle")
        await assert_accessible(self.page)
        await self.page.screenshot(path=self.shots / f"objects_{shot}.png", full_page=True)
        assert self.errors == [], self.errors

    async def fill(self, values: dict) -> None:
        for name, value in values.items():
            if isinstance(value, bool):
                await self.page.set_checked(f"#f-{name}", value)
            elif isinstance(value, list):
                for choice in value:
                    await self.page.check(f"[data-field={name}] input[value='{choice}']")
            elif await self.page.locator(f"select#f-{name}").count():
                await self.page.select_option(f"#f-{name}", label=value)
            else:
                await self.page.fill(f"#f-{name}", value)

    async def create(self, slug: str, values: dict) -> None:
        await self.page.goto(f"{self.url}/manage/{slug}/new")
        await self.page.wait_for_load_state("networkidle")  # the choices read from the API
        await self.fill(values)
        await self.page.click("#object-form button[type=submit]")

    async def created(self, slug: str, shot: str) -> int:
        """The id of the object just created (its detail page is shown)."""
        await self.page.wait_for_url(f"{self.url}/manage/{slug}/*")
        await self.page.wait_for_selector("#flash.ok")
        assert "created" in await self.page.inner_text("#flash")
        await self.checked(shot)
        return int(self.page.url.rsplit("/", 1)[1])

    async def field_error(self, name: str, shot: str) -> str:
        """The error shown next to the field, which is marked invalid and described by it."""
        error = self.page.locator(f"[data-field={name}] .field-error")
        await error.wait_for()
        box = self.page.locator(f"#f-{name}")
        assert await box.get_attribute("aria-invalid") == "true"
        assert f"error-{name}" in (await box.get_attribute("aria-describedby") or "")
        # the browser logs the refused request (a 4xx) as a console error: that one only
        self.errors[:] = [e for e in self.errors if "responded with a status of 4" not in e]
        await self.checked(shot)
        return await error.inner_text()

    async def edit(self, values: dict) -> None:
        await self.fill(values)
        await self.page.click("#object-form button[type=submit]")

    async def search(self, slug: str, query: str, **filters: str) -> list[str]:
        """The first column of the list after a search."""
        await self.page.goto(f"{self.url}/manage/{slug}")
        if query:
            await self.page.fill("#search input[name=q]", query)
        for name, value in filters.items():
            await self.page.select_option(f"#search select[name={name}]", value)
        async with self.page.expect_response(lambda r: "/api/" in r.url and "limit=" in r.url):
            await self.page.click("#search button[type=submit]")
        await self.page.wait_for_load_state("networkidle")
        await self.checked(f"{slug}_list")
        return await self.page.locator("#object-list tbody tr td:first-child").all_inner_texts()

    async def remove(self) -> None:
        await self.page.click("#remove")
        await self.page.click("#remove:has-text('confirm')")


@pytest.fixture
async def admin(console, browser, screenshots):
    page = await sign_in(browser, console["url"], "admin")
    yield Pages(page, console["url"], screenshots)
    await page.context.close()


async def test_users_created_edited_searched_and_disabled(admin, console):
    await admin.create("users", {"username": "zoe", "full_name": "Zoe Zed",
                                 "email": "zoe@example.com", "role": "supervisor",
                                 "password": "long-enough-pass"})
    zoe = await admin.created("users", "user_created")
    assert await admin.page.input_value("#f-full_name") == "Zoe Zed"
    assert await admin.page.is_checked("#f-active")
    await admin.edit({"username": "ann", "full_name": "Zoe Z."})  # ann exists
    assert "taken" in await admin.field_error("username", "user_error")
    await admin.edit({"username": "zoe"})
    await admin.page.wait_for_selector("#flash.ok:has-text('Saved')")
    assert not await admin.page.locator(".field-error").count()  # cleared on resubmit
    stored = await console["dialer"].store.run(lambda: User.get_by_id(zoe).full_name)
    assert stored == "Zoe Z."

    assert await admin.search("users", "ZOE") == ["zoe"]
    assert len(await admin.search("users", "")) == 4
    await admin.page.click("#object-list a:has-text('zoe')")
    await admin.page.wait_for_url(f"{admin.url}/manage/users/{zoe}")
    await admin.page.wait_for_selector("#remove:not([hidden])")
    await admin.remove()
    await admin.page.wait_for_selector("#flash.ok:has-text('disable')")
    assert not await admin.page.is_checked("#f-active")
    assert await admin.page.locator("#remove").is_hidden()  # disabled already
    assert not await console["dialer"].store.run(lambda: User.get_by_id(zoe).active)


async def test_roles_and_profiles(admin, console):
    await admin.create("roles", {"name": "admin", "privileges": ["manage_campaigns"]})
    assert "exists" in await admin.field_error("name", "role_error")
    await admin.fill({"name": "dialler"})
    await admin.page.click("#object-form button[type=submit]")
    await admin.created("roles", "role_created")
    await admin.edit({"name": "supervisor"})
    assert "exists" in await admin.field_error("name", "role_edit_error")
    await admin.edit({"name": "dialler 2", "privileges": ["take_calls"]})
    await admin.page.wait_for_selector("#flash.ok:has-text('Saved')")
    assert await admin.search("roles", "dialler") == ["dialler 2"]
    row = admin.page.locator("#object-list tbody tr", has_text="dialler")
    assert await row.locator("td[data-field=privileges]").inner_text() == "manage_campaigns, take_calls"
    # built-in roles are listed, not linked: they do not change
    assert await admin.page.locator("#object-list tbody tr", has_text="supervisor").locator("a").count() == 0
    await row.locator("a").click()
    await admin.remove()
    await admin.page.wait_for_url(f"{admin.url}/manage/roles")
    assert await admin.search("roles", "dialler") == []

    visible = console["visible_id"]
    await admin.create("profiles", {"name": "east", "campaign_ids": [str(visible)]})
    await admin.created("profiles", "profile_created")
    assert await admin.page.is_checked(f"[data-field=campaign_ids] input[value='{visible}']")
    await admin.edit({"name": " "})
    assert "non-empty" in await admin.field_error("name", "profile_error")
    await admin.edit({"name": "east coast", "all_campaigns": True})
    await admin.page.wait_for_selector("#flash.ok:has-text('Saved')")
    assert await admin.search("profiles", "coast") == ["east coast"]
    assert await admin.page.locator("#new-object").is_visible()


async def test_pause_reasons(admin):
    for name in ("Lunch", "Training"):
        await admin.create("pause-reasons", {"name": name})
        await admin.created("pause-reasons", f"pause_reason_{name}")
    await admin.edit({"name": "Lunch"})
    assert "exists" in await admin.field_error("name", "pause_reason_error")
    await admin.edit({"name": "Coaching"})
    await admin.page.wait_for_selector("#flash.ok:has-text('Saved')")
    assert await admin.search("pause-reasons", "ch") == ["Coaching", "Lunch"]  # by name
    await admin.page.click("#object-list a:has-text('Lunch')")
    await admin.remove()
    await admin.page.wait_for_url(f"{admin.url}/manage/pause-reasons")
    assert await admin.search("pause-reasons", "") == ["Coaching"]


async def test_agents_and_agent_groups(admin, console):
    await admin.create("agents", {"username": "dan", "endpoint": "PJSIP/has space",
                                  "full_name": "Dan Desk"})
    assert await admin.field_error("endpoint", "agent_error")
    await admin.fill({"endpoint": "PJSIP/agent3", "group_ids": [str(console["group_id"])]})
    await admin.page.click("#object-form button[type=submit]")
    await admin.created("agents", "agent_created")
    assert await admin.page.is_checked(f"[data-field=group_ids] input[value='{console['group_id']}']")
    assert await admin.page.locator("#object-links a", has_text="user").count() == 1
    assert await admin.search("agents", "desk") == ["dan"]
    assert await admin.search("agents", "agent1") == ["ann"]  # by desk phone

    await admin.create("agent-groups", {"name": "sales"})  # the seed's
    assert "exists" in await admin.field_error("name", "agent_group_error")
    await admin.fill({"name": "support", "wrap_up_seconds": "15", "manual_dial_allowed": True})
    await admin.page.click("#object-form button[type=submit]")
    await admin.created("agent-groups", "agent_group_created")
    assert await admin.page.input_value("#f-wrap_up_seconds") == "15"
    assert await admin.search("agent-groups", "SUPP") == ["support"]


def seed_contacts(account_id: int) -> int:
    for i in range(25):
        contact = Contact.create(account=account_id, name=f"Person {i:02}")
        ContactPhone.create(contact=contact, number=f"+1305555{i:04}")
    return Contact.create(account=account_id, name="Mia Directory").id


async def test_contact_directory_search_paging_and_timeline(admin, console):
    mia = await console["dialer"].store.run(seed_contacts, console["account_id"])
    assert await admin.search("contacts", "mia") == ["Mia Directory"]
    first = await admin.search("contacts", "")
    assert len(first) == 20 and first[0] == "Person 00"
    assert await admin.page.inner_text("#page-range") == "1–20 of 26"
    await admin.page.click("#next")
    await admin.page.wait_for_selector("#page-range:has-text('21–26')")
    assert "offset=20" in admin.page.url and await admin.page.is_disabled("#next")
    assert await admin.search("contacts", "3055550003") == ["Person 03"]  # by phone digits
    await admin.search("contacts", "mia")
    await admin.page.click("#object-list a:has-text('Timeline')")
    await admin.page.wait_for_url(f"{admin.url}/contacts/{mia}")
    await admin.page.wait_for_selector("#contact-campaigns li")
    assert (await admin.page.inner_text("h1")).startswith("Mia Directory")
    await admin.checked("contact_page")


async def test_suppression_lists(admin):
    await admin.create("suppression-lists", {"name": "vip", "kind": "device"})
    await admin.created("suppression-lists", "suppression_created")
    await admin.create("suppression-lists", {"name": "others", "kind": "client_id"})
    await admin.created("suppression-lists", "suppression_second")
    await admin.edit({"name": "vip"})
    assert "exists" in await admin.field_error("name", "suppression_error")
    assert await admin.search("suppression-lists", "VI") == ["vip"]
    await admin.page.click("#object-list a:has-text('vip')")
    await admin.remove()
    await admin.page.wait_for_url(f"{admin.url}/manage/suppression-lists")
    await admin.page.wait_for_selector("#flash.ok:has-text('delete')")
    assert await admin.search("suppression-lists", "") == ["others"]
    # scripts: their form builder, tests/web/test_script_builder.py


async def test_followups_created_filtered_and_cancelled(admin, console):
    store = console["dialer"].store
    mia = await store.run(seed_contacts, console["account_id"])
    now = console["dialer"].now()
    await admin.create("followups", {"agent_id": "ann", "contact_id": str(mia),
                                     "local_time": f"{now.year - 1}-01-02T10:00"})
    assert "in the past" in await admin.field_error("local_time", "followup_error")
    later = now + dt.timedelta(days=2)
    await admin.fill({"local_time": f"{later:%Y-%m-%d}T10:00"})
    await admin.page.click("#object-form button[type=submit]")
    followup = await admin.created("followups", "followup_created")
    assert await admin.page.input_value("#f-status") == "scheduled"
    assert await admin.search("followups", "", status="scheduled") == ["ann"]
    assert await admin.search("followups", "", status="cancelled") == []
    await admin.page.goto(f"{admin.url}/manage/followups/{followup}")
    await admin.remove()
    await admin.page.wait_for_selector("#flash.ok:has-text('cancel')")
    assert await admin.page.input_value("#f-status") == "cancelled"
    assert await store.run(lambda: Followup.get_by_id(followup).status) == "cancelled"


async def test_accounts_for_system_admins(admin, console):
    await console["dialer"].store.run(lambda: ServicePlan.create(name="Basic"))
    await admin.create("accounts", {"name": "Beta", "plan_id": "Basic",
                                    "company_number": "not a number"})
    assert await admin.field_error("company_number", "account_error")
    await admin.fill({"company_number": "+12125550199"})
    await admin.page.click("#object-form button[type=submit]")
    await admin.created("accounts", "account_created")
    assert await admin.search("accounts", "beta") == ["Beta"]
