"""The script form builder (/manage/scripts) in a real browser: questions added, typed,
reordered and removed, choices, required answers, dispositions with their meaning and
shortcut key, the preview of what the agent sees, the API's field errors shown at the row
they name; every step checked by axe-core and free of console errors."""

from __future__ import annotations

import pytest

from dialer.db.models import Script
from tests.web.test_console_objects import Pages, admin  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]

QUESTIONS = ".question-row"
DISPOSITIONS = ".disposition-row"


async def question(page, index: int, *, type: str | None = None, label: str | None = None,
                   choices: str | None = None, required: bool | None = None) -> None:
    row = page.locator(QUESTIONS).nth(index)
    if type is not None:
        await row.locator("[data-key=type]").select_option(type)
    if label is not None:
        await row.locator("[data-key=label]").fill(label)
    if choices is not None:
        await row.locator("[data-key=options]").fill(choices)
    if required is not None:
        await row.locator("[data-key=required]").set_checked(required)


async def disposition(page, index: int, label: str, code: str, meaning: str,
                      key: str | None = None) -> None:
    row = page.locator(DISPOSITIONS).nth(index)
    await row.locator("[data-key=label]").fill(label)
    await row.locator("[data-key=code]").fill(code)
    await row.locator("[data-key=meaning]").select_option(meaning)
    if key is not None:
        await row.locator("[data-key=key]").fill(key)


async def row_error(admin: Pages, selector: str, shot: str) -> str:  # noqa: F811
    """The error shown after the row's input the API named, which is marked invalid."""
    box = admin.page.locator(f"{selector}[aria-invalid=true]")
    await box.wait_for()
    error = admin.page.locator(".field-error")
    assert await error.count() == 1
    admin.errors[:] = [e for e in admin.errors if "responded with a status of 4" not in e]
    await admin.checked(shot)
    return await error.inner_text()


async def test_a_script_built_previewed_and_corrected(admin, console):  # noqa: F811
    page = admin.page
    await page.goto(f"{admin.url}/manage/scripts/new")
    await page.wait_for_load_state("networkidle")
    await page.fill("#f-name", "Survey")
    await question(page, 0, type="yesno", label="Is this the account holder?", required=True)
    for _ in range(4):
        await page.click("#f-definition button[data-add]")
    await question(page, 1, type="choice", label="Plan")   # no choices yet: refused
    await question(page, 2, type="text", label="Read the recording disclosure.")
    await question(page, 3, type="number", label="People at home")
    await question(page, 4, type="date", label="Moved in on")
    assert await page.locator(f"{QUESTIONS} >> nth=2 >> [data-key=required]").is_hidden()
    await page.click(f"{QUESTIONS} >> nth=2 >> button[data-tool=up]")  # the disclosure first
    await page.click(f"{QUESTIONS} >> nth=1 >> button[data-tool=up]")
    await page.click(f"{QUESTIONS} >> nth=4 >> button[data-tool=remove]")  # no date after all
    for _ in range(3):
        await page.click("#f-dispositions button[data-add]")
    await disposition(page, 0, "Sale", "sale", "final", "s")
    await disposition(page, 1, "Call back", "callback", "callback")
    await disposition(page, 2, "Do not call", "dnc", "do_not_call")
    # the preview: the questions in their order, the buttons with their keys
    preview = page.locator("#preview-questions .question")
    assert await preview.count() == 4
    assert (await preview.nth(0).inner_text()).startswith("Read the recording disclosure.")
    assert await page.locator("#preview-questions fieldset legend").inner_text() == \
        "Is this the account holder? *"
    assert await page.locator("#preview-dispositions button").all_inner_texts() == [
        "s Sale", "2 Call back", "3 Do not call"]
    await admin.checked("script_builder")
    # what a script's author types is shown as text, never run as markup
    await question(page, 3, label='<img src=x onerror="window.pwned = 1">People at home')
    assert await page.locator("#script-preview img").count() == 0
    assert "<img" in await page.locator("#preview-questions .question >> nth=3").inner_text()
    assert await page.evaluate("window.pwned") is None
    await question(page, 3, label="People at home")

    await page.click("#object-form button[type=submit]")
    message = await row_error(admin, f"{QUESTIONS} >> nth=2 >> [data-key=options]",
                              "script_builder_error")
    assert "non-empty list" in message
    await question(page, 2, choices="basic\ngold\n")
    await page.click("#object-form button[type=submit]")
    script_id = await admin.created("scripts", "script_created")
    stored = await console["dialer"].store.run(Script.get_by_id, script_id)
    assert [(q["type"], q["required"]) for q in stored.definition] == [
        ("text", False), ("yesno", True), ("choice", False), ("number", False)]
    assert stored.definition[2]["options"] == ["basic", "gold"]
    assert stored.dispositions == [
        {"code": "sale", "label": "Sale", "meaning": "final", "key": "s"},
        {"code": "callback", "label": "Call back", "meaning": "callback", "key": "2"},
        {"code": "dnc", "label": "Do not call", "meaning": "do_not_call", "key": "3"}]

    # the detail page: the rows as saved; a key used twice is refused at that row
    assert await page.locator(QUESTIONS).count() == 4
    await page.locator(f"{DISPOSITIONS} >> nth=2 >> [data-key=key]").fill("S")
    await page.click("#object-form button[type=submit]")
    assert "used twice" in await row_error(admin, f"{DISPOSITIONS} >> nth=2 >> [data-key=key]",
                                           "script_builder_key_error")
    await page.locator(f"{DISPOSITIONS} >> nth=2 >> [data-key=key]").fill("d")
    await page.click(f"{DISPOSITIONS} >> nth=1 >> button[data-tool=down]")
    await page.click("#object-form button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('Saved')")
    assert not await page.locator(".field-error").count()
    stored = await console["dialer"].store.run(Script.get_by_id, script_id)
    assert [(d["code"], d["key"]) for d in stored.dispositions] == [
        ("sale", "s"), ("dnc", "d"), ("callback", "2")]
    await page.click("#object-form button[type=submit]")
    await page.wait_for_selector("#flash.ok:has-text('Nothing changed')")

    assert await admin.search("scripts", "surv") == ["Survey"]
    await page.click("#object-list a:has-text('Survey')")
    await admin.remove()
    await page.wait_for_url(f"{admin.url}/manage/scripts")
    assert await admin.search("scripts", "survey") == []
