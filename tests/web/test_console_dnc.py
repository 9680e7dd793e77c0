"""The console's do-not-call page in a real browser: create a list, upload its file, watch
the import finish; a role without manage_campaigns is refused the page."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


async def test_create_a_list_and_upload_its_file(console, browser, tmp_path):
    url = console["url"]
    page = await sign_in(browser, url, "manager")
    page.on("dialog", lambda dialog: dialog.accept("2026-12-01"))  # the as-of prompt
    await page.goto(f"{url}/dnc")
    await page.fill("#dnc-form input[name=name]", "opt-outs")
    await page.select_option("#dnc-form select[name=format]", "e164")
    await page.click("#dnc-form button[type=submit]")
    row = page.locator("#dnc-lists tbody tr", has_text="opt-outs")
    await row.wait_for()
    src = tmp_path / "optouts.txt"
    src.write_text("+12125550100\n(212) 555-0101\nnot a number\n+12125550100\n")
    await row.locator("input[type=file]").set_input_files(str(src))
    await page.wait_for_function(
        "() => [...document.querySelectorAll('#dnc-lists tbody tr')].some("
        "r => r.textContent.includes('opt-outs') && "
        "r.querySelector('.status').textContent === 'ready')")
    cells = await row.locator("td").all_inner_texts()
    assert cells[:8] == ["opt-outs", "opt-outs", "account", "e164", "2026-12-01", "2", "1",
                         "ready"]
    await page.context.close()

    agent = await sign_in(browser, url, "ann")
    response = await agent.goto(f"{url}/dnc")
    assert response.status == 403
    await agent.context.close()
