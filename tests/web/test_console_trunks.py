"""Trunks in the console (issue 21): the system admin defines one through its object page
(a target that would dial something else is refused next to its field), finds it in the
list, and the wallboard shows its health; checked by axe-core, free of console errors."""

from __future__ import annotations

import pytest

from dialer.db.models import Trunk
from tests.web.test_console_campaign import wait_text
from tests.web.test_console_objects import admin  # noqa: F401 - the fixture

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]


async def test_a_trunk_defined_in_the_console_shows_its_health_on_the_wallboard(
        admin, console):  # noqa: F811
    await admin.create("trunks", {"name": "Carrier B", "target": "carrier&Local/1@evil",
                                  "max_channels": "5", "destinations": '["+1", "GB"]'})
    assert "PJSIP endpoint" in await admin.field_error("target", "trunk_error")
    await admin.fill({"target": "PJSIP/00{digits}@carrier-b"})
    await admin.page.click("#object-form button[type=submit]")
    trunk_id = await admin.created("trunks", "trunk_created")
    stored = await console["dialer"].store.run(lambda: Trunk.get_by_id(trunk_id))
    assert (stored.target, stored.max_channels, stored.destinations) == (
        "PJSIP/00{digits}@carrier-b", 5, ["+1", "GB"])
    assert await admin.search("trunks", "carrier") == ["Carrier B"]

    await admin.page.goto(f"{admin.url}/floor")
    await wait_text(admin.page, "#feed", lambda s: s == "live", timeout=10)
    row = f'#trunks tr[data-trunk="{trunk_id}"]'
    await wait_text(admin.page, f"{row} .trunk-state", lambda s: s == "in service")
    await admin.checked("trunks_wallboard")
