"""Caller-ID pools in the console (issue 21): a campaign manager's admin defines a pool
with its numbers on the object page (a number that is none is refused next to its field),
reads each number's figures of the day, and puts a rested number back in use; checked by
axe-core, free of console errors."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db.models import CallerIdPool, PoolNumber
from tests.web.test_console_objects import admin  # noqa: F401 - the fixture

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_a_pool_made_in_the_console_shows_its_numbers_and_brings_one_back(
        admin, console):  # noqa: F811
    await admin.create("caller-id-pools", {"name": "Local", "campaign_id": "Visible",
                                           "daily_cap": "50",
                                           "add_numbers": '["+12125550150", "bogus"]'})
    assert "'bogus': not a number" in await admin.field_error("add_numbers", "pool_error")
    await admin.fill({"add_numbers": '["+12125550150", "(312) 555-0150"]'})
    await admin.page.click("#object-form button[type=submit]")
    pool_id = await admin.created("caller-id-pools", "pool_created")
    store = console["dialer"].store
    pool = await store.run(lambda: CallerIdPool.get_by_id(pool_id))
    assert (pool.campaign_id, pool.daily_cap) == (console["visible_id"], 50)

    def rest_chicago() -> None:
        PoolNumber.update(rested_since=dt.datetime(2026, 3, 2, 15, 0),
                          rested_why="answer rate 3/40 (8%) well below the pool's 28%").where(
            PoolNumber.number == "+13125550150").execute()
    await store.run(rest_chicago)
    await admin.page.reload()
    await admin.edit({"add_numbers": '["+14155550150"]'})  # more, on the detail page
    await admin.page.wait_for_selector("#flash.ok")
    await admin.page.reload()
    rows = admin.page.locator("#related-0 tbody tr")
    await rows.first.wait_for()
    assert await admin.page.locator("#related-0 td[data-field=number]").all_inner_texts() == [
        "+12125550150", "+13125550150", "+14155550150"]
    chicago = rows.filter(has_text="+13125550150")
    assert "well below the pool's 28%" in await chicago.inner_text()
    await admin.checked("pool_numbers")
    await chicago.locator("button").click()
    await admin.page.wait_for_selector("#flash.ok")
    rested = await store.run(lambda: PoolNumber.get(PoolNumber.number == "+13125550150")
                             .rested_since)
    assert rested is None
    assert await admin.search("caller-id-pools", "loc") == ["Local"]
