"""The audio prompts page (/prompts) in a real browser: upload an MP3 (made by sox) and play
it back in its <audio> element, a file that is not audio refused next to the file field,
text to speech, a rename refused then done, a prompt in use refused deletion with where it
is used, another deleted; the campaign and ring-group forms offer the prompts by id. Every
state checked by axe-core, free of console errors, and screenshotted."""

from __future__ import annotations

import subprocess

import pytest

from dialer.db.models import Campaign, Prompt
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import sign_in

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]


@pytest.fixture
def mp3(tmp_path):
    path = tmp_path / "welcome.mp3"
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", "1.5",
                    "sine", "440"], check=True)
    return path


async def _checked(page, errors: list, screenshots, shot: str) -> None:
    await page.wait_for_load_state("networkidle")
    await assert_accessible(page)
    await page.screenshot(path=screenshots / f"prompts_{shot}.png", full_page=True)
    # a refused request (a 4xx the page shows next to its field) is logged by the browser
    errors[:] = [e for e in errors if "responded with a status of 4" not in e]
    assert errors == [], errors


async def _field_error(page, form: str, name: str) -> str:
    error = page.locator(f"{form} [data-field={name}] .field-error")
    await error.wait_for()
    box = page.locator(f"{form} [data-field={name}] [name={name}]")
    assert await box.get_attribute("aria-invalid") == "true"
    assert f"error-{name}" in (await box.get_attribute("aria-describedby") or "")
    return await error.inner_text()


async def test_prompts_page(console, browser, screenshots, tmp_path, mp3):
    page = await sign_in(browser, console["url"], "admin")
    errors = console_errors(page)
    await page.goto(f"{console['url']}/prompts")
    await page.wait_for_selector("#list-empty:not([hidden])")
    await _checked(page, errors, screenshots, "empty")

    page_text = tmp_path / "notes.txt"
    page_text.write_text("not audio at all\n" * 20)
    await page.fill("#upload-name", "notes")
    await page.set_input_files("#upload-file", str(page_text))
    await page.click("#upload-form button[type=submit]")
    assert "not an audio file" in await _field_error(page, "#upload-form", "file")
    await _checked(page, errors, screenshots, "upload_error")

    await page.fill("#upload-name", "welcome")
    await page.set_input_files("#upload-file", str(mp3))
    await page.click("#upload-form button[type=submit]")
    row = page.locator("#prompt-list tr", has_text="welcome")
    await row.wait_for()
    assert not await page.locator("#upload-form .field-error").count()
    audio = row.locator("audio")
    seconds = await audio.evaluate("""a => new Promise((done, fail) => {
        a.onloadedmetadata = () => done(a.duration); a.onerror = () => fail(a.error.code);
        a.preload = "metadata"; a.load(); })""")
    assert 1.4 <= seconds <= 1.6
    await _checked(page, errors, screenshots, "uploaded")

    await page.fill("#speech-name", "hours")
    await page.fill("#speech-text", "We are open from nine to five.")
    await page.click("#speech-form button[type=submit]")
    await page.locator("#prompt-list tr", has_text="hours").wait_for()

    hours = page.locator("#prompt-list tr", has_text="hours")
    await hours.locator("input[name=name]").fill("welcome")
    await hours.locator("button:has-text('Rename')").click()
    assert "exists" in await _field_error(page, "#prompt-list tr:has-text('hours') form.rename", "name")
    await _checked(page, errors, screenshots, "rename_error")
    await hours.locator("input[name=name]").fill("opening hours")
    await hours.locator("button:has-text('Rename')").click()
    await page.locator("#prompt-list td", has_text="opening hours").wait_for()

    store = console["dialer"].store
    welcome = await store.run(lambda: Prompt.get(Prompt.name == "welcome").id)
    await store.run(lambda: Campaign.update(machine_message=f"prompt:{welcome}").where(
        Campaign.id == console["visible_id"]).execute())
    await page.locator("#prompt-list tr", has_text="welcome").locator("button:has-text('Delete')").click()
    message = await _field_error(page, "#prompt-list tr:has-text('welcome') form.remove", "prompt")
    assert "campaign 'Visible' (machine_message)" in message
    await _checked(page, errors, screenshots, "in_use")
    await page.locator("#prompt-list tr", has_text="opening hours").locator("button:has-text('Delete')").click()
    await page.wait_for_selector("#flash.ok:has-text('Deleted')")  # then the list reloads
    await page.locator("#prompt-list tr", has_text="opening hours").wait_for(state="detached")
    assert await page.locator("#prompt-list tbody tr").count() == 1

    await page.goto(f"{console['url']}/campaigns/new")
    options = await page.locator("select[name=machine_message] option").all_inner_texts()
    assert options[:2] == ["(none)", "welcome"] and "vm-goodbye (shipped)" in options
    await page.goto(f"{console['url']}/ring-group")
    await page.select_option("select[name=status_prompt]", label="welcome")
    await page.click("#ring-group-form button[type=submit]")
    await page.wait_for_selector("#flash.ok")
    await _checked(page, errors, screenshots, "ring_group")
    await page.context.close()
