"""The console's pages of calls and integrations in a real browser (issue 19): the voicemail
inbox (newest first, played inline from the PBX's stored recording, marked handled and
back), a call's page and the contact's timeline with the recording's player, inbound
calls with their transfer legs, action calls, contact filters with their matching
contacts, webhooks (the secret shown once, the delivery log, replay) and an agent group's
members; each page checked by axe-core, free of console errors, and refused (403, no
navigation entry) to a role that may not use it."""

from __future__ import annotations

import datetime as dt
import math
import struct
import wave
from pathlib import Path

import pytest

from dialer.db import auth
from dialer.db.models import (AgentGroupMember, Attempt, Contact, ContactPhone, InboundCall,
                              Profile, TransferLeg, Voicemail, WebhookDelivery)
from tests.web.checks import assert_accessible, console_errors
from tests.web.conftest import PASSWORD, sign_in
from tests.web.test_console_objects import Pages

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]

RECORDING = "i19-web-message"
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)


def write_recording(lab) -> None:
    """A 2 s 440 Hz message where the PBX keeps ARI's stored recordings."""
    path = Path(lab.pbx.dir) / "spool" / "recording" / f"{RECORDING}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000)))
                                 for n in range(16000)))


def seed_calls(account_id: int, campaign_id: int, agent_id: int, group_id: int) -> dict:
    vera = Contact.create(account=account_id, name="Vera Gold", email="vera@gold.example")
    ContactPhone.create(contact=vera, number="+13055550111")
    Contact.create(account=account_id, name="Walt Plain", email="walt@example.com")
    old = Voicemail.create(account=account_id, caller="+13055550199", recording_name="gone",
                           created_at=T0, duration_seconds=9)
    new = Voicemail.create(account=account_id, contact=vera, caller="+13055550111",
                           recording_name=RECORDING, created_at=T0 + dt.timedelta(hours=1),
                           duration_seconds=2)
    attempt = Attempt.create(campaign=campaign_id, contact=vera, phone="+13055550111",
                             channel_id="c-web", agent=agent_id, started_at=T0,
                             answered_at=T0 + dt.timedelta(seconds=5),
                             ended_at=T0 + dt.timedelta(seconds=65), outcome="human",
                             recording_name=RECORDING, consent_announced=True)
    TransferLeg.create(attempt=attempt, leg_no=1, mode="blind", status="completed",
                       by_agent=agent_id, to_number="+13055550122")
    inbound = InboundCall.create(account=account_id, channel_id="in-web", caller="+13055550111",
                                 contact=vera, agent=agent_id, started_at=T0)
    TransferLeg.create(inbound_call=inbound, leg_no=1, mode="warm", status="conferenced",
                       by_agent=agent_id, to_group=group_id)
    AgentGroupMember.delete().where(AgentGroupMember.group == group_id).execute()
    return {"vera": vera.id, "old_vm": old.id, "new_vm": new.id, "attempt": attempt.id,
            "inbound": inbound.id}


@pytest.fixture
async def admin(console, browser, screenshots, lab):
    write_recording(lab)
    console.update(await console["dialer"].store.run(
        seed_calls, console["account_id"], console["visible_id"], console["agent_id"],
        console["group_id"]))
    page = await sign_in(browser, console["url"], "admin")
    yield Pages(page, console["url"], screenshots)
    await page.context.close()


async def played(audio) -> float:
    """Play an <audio> (muted: no user gesture in a test) until it has advanced; its
    duration as the browser decoded it from the authenticated audio route."""
    await audio.evaluate("a => { a.muted = true; return a.play(); }")
    await audio.page.wait_for_function("a => a.currentTime > 0.2", arg=await audio.element_handle())
    return await audio.evaluate("a => a.duration")


async def deleted(admin, slug: str) -> None:
    """Delete the object of the detail page: its list shows none left."""
    await admin.remove()
    await admin.page.wait_for_url(f"{admin.url}/manage/{slug}")
    assert await admin.search(slug, "") == []


async def test_the_voicemail_inbox(admin, console):
    page = admin.page
    assert await admin.search("voicemails", "") == ["+13055550111", "+13055550199"]  # newest first
    row = page.locator(f"#object-list tr[data-id='{console['new_vm']}']")
    assert await row.locator("td[data-field=duration_seconds]").inner_text() == "2"
    assert await row.locator("td[data-field=handled]").inner_text() == "no"
    assert await played(row.locator("audio")) == pytest.approx(2.0, abs=0.1)

    await row.locator("a:has-text('+13055550111')").click()
    await page.wait_for_url(f"{admin.url}/manage/voicemails/{console['new_vm']}")
    await page.wait_for_selector("#action-0:not([hidden])")
    assert await page.locator("#object-links a", has_text="Contact").get_attribute("href") \
        == f"/contacts/{console['vera']}"
    assert await played(page.locator("#f-recording_name")) == pytest.approx(2.0, abs=0.1)
    await page.click("#action-0")  # Mark handled
    await page.wait_for_selector("#flash.ok:has-text('Mark handled')")
    assert await page.input_value("#f-handled_by_name") == "admin"
    assert await page.is_checked("#f-handled")
    assert await page.locator("#action-0").is_hidden() and await page.locator("#action-1").is_visible()
    await admin.checked("voicemail_handled")
    stored = await console["dialer"].store.run(
        lambda: Voicemail.get_by_id(console["new_vm"]).handled_at)
    assert stored is not None
    assert await admin.search("voicemails", "", handled="yes") == ["+13055550111"]
    assert await admin.search("voicemails", "", handled="no") == ["+13055550199"]
    await page.goto(f"{admin.url}/manage/voicemails/{console['new_vm']}")
    await page.click("#action-1")  # Mark not handled
    await page.wait_for_selector("#flash.ok:has-text('Mark not handled')")
    assert not await page.is_checked("#f-handled")
    assert await page.input_value("#f-handled_by_name") == ""


async def test_a_calls_page_and_the_contacts_timeline_play_the_recording(admin, console):
    page = admin.page
    await page.goto(f"{admin.url}/manage/attempts/{console['attempt']}")
    await page.wait_for_selector("#related-0 tbody tr")
    assert await page.input_value("#f-outcome") == "human"
    assert await page.is_checked("#f-consent_announced")
    leg = page.locator("#related-0 tbody tr")
    assert await leg.locator("td[data-field=mode]").inner_text() == "blind"
    assert await leg.locator("td[data-field=to_number]").inner_text() == "+13055550122"
    assert await leg.locator("td[data-field=by_agent_id]").inner_text() == "ann"
    assert await played(page.locator("#f-recording_name")) == pytest.approx(2.0, abs=0.1)
    await admin.checked("attempt_page")

    await page.click("#object-links a")
    await page.wait_for_url(f"{admin.url}/contacts/{console['vera']}")
    entry = page.locator("#timeline li[data-kind=attempt]")
    await entry.locator("audio").wait_for()
    assert await played(entry.locator("audio")) == pytest.approx(2.0, abs=0.1)
    assert await entry.locator("a", has_text="the call").get_attribute("href") \
        == f"/manage/attempts/{console['attempt']}"
    await admin.checked("contact_recording")
    assert await admin.search("attempts", "", outcome="human") == ["+13055550111"]


async def test_inbound_calls_and_action_calls(admin, console):
    page = admin.page
    assert await admin.search("inbound-calls", "") == ["+13055550111"]
    assert await page.inner_text("#object-list td[data-field=agent_id]") == "ann"
    await page.click("#object-list a:has-text('+13055550111')")
    await page.wait_for_selector("#related-0 tbody tr")
    leg = page.locator("#related-0 tbody tr")
    assert await leg.locator("td[data-field=to_group_id]").inner_text() == "sales"
    assert await leg.locator("td[data-field=status]").inner_text() == "conferenced"
    await admin.checked("inbound_call")

    await admin.create("action-calls", {"contact_id": "999999"})
    assert await admin.field_error("contact_id", "action_call_error")
    await admin.fill({"contact_id": str(console["vera"]), "delay_minutes": "90"})
    await page.click("#object-form button[type=submit]")
    call = await admin.created("action-calls", "action_call_created")
    assert await page.input_value("#f-status") == "scheduled"
    assert await page.locator("[data-field=delay_minutes]").is_hidden()  # create-only
    assert await page.locator("#object-links a").count() == 0  # no call to the contact yet
    assert await admin.search("action-calls", "", status="scheduled") == [str(console["vera"])]
    assert call > 0


async def test_filters_with_their_matching_contacts(admin, console):
    page = admin.page
    await admin.create("filters", {"name": "gold", "definition": '{"all": [{"field": "shoe"}]}'})
    assert "condition" in await admin.field_error("definition", "filter_error")
    await admin.fill({"definition": '{"all": [{"field": "email", "op": "contains", "value": "gold"}]}'})
    await page.click("#object-form button[type=submit]")
    await admin.created("filters", "filter_created")
    await page.wait_for_selector("#related-0 tbody tr")
    assert await page.locator("#related-0 tbody td[data-field=name]").all_inner_texts() == ["Vera Gold"]
    walt = '{"any": [{"field": "name", "op": "startswith", "value": "Walt"}]}'
    await admin.edit({"name": "plain", "definition": walt})
    await page.wait_for_selector("#flash.ok:has-text('Saved')")
    await page.reload()
    await page.wait_for_selector("#related-0 td:has-text('Walt Plain')")
    assert await page.inner_text("#related-0 .related-count") == "(1)"
    await page.click("#related-0 a:has-text('Walt Plain')")
    await page.wait_for_url(f"{admin.url}/contacts/*")
    assert await admin.search("filters", "PLA") == ["plain"]
    await page.click("#object-list a:has-text('plain')")
    await deleted(admin, "filters")


async def test_webhooks_secret_once_deliveries_and_replay(admin, console):
    page = admin.page
    await admin.create("webhooks", {"url": "ftp://hooks.invalid/in", "events": ["attempt.finished"]})
    assert "http" in await admin.field_error("url", "webhook_error")
    await admin.fill({"url": "https://hooks.invalid/in", "description": "CRM"})
    await page.click("#object-form button[type=submit]")
    hook = await admin.created("webhooks", "webhook_created")
    secret = await page.inner_text("#shown-once-value")
    assert secret.startswith("whsec_") and await page.locator("#shown-once").is_visible()
    assert await page.is_checked("#f-enabled")
    await page.reload()  # shown once: not again
    await page.wait_for_selector("#object-title:has-text('https://hooks.invalid/in')")
    assert await page.locator("#shown-once").is_hidden()
    await page.click("#action-0")  # New secret
    await page.wait_for_selector("#shown-once:not([hidden])")
    assert (await page.inner_text("#shown-once-value")) not in ("", secret)

    delivered = await console["dialer"].store.run(lambda: WebhookDelivery.create(
        endpoint=hook, event_id="evt_web", kind="attempt.finished", body="{}",
        status="delivered", attempts=1, last_status_code=204, next_attempt_at=T0,
        created_at=T0).id)
    await page.reload()
    row = page.locator(f"#related-0 tr[data-id='{delivered}']")
    await row.wait_for()
    assert await row.locator("td[data-field=last_status_code]").inner_text() == "204"
    await row.locator("button:has-text('Replay')").click()
    await page.wait_for_selector("#flash.ok:has-text('Replay')")
    await page.wait_for_selector("#related-0 tbody tr >> nth=1")
    assert await page.inner_text("#related-0 .related-count") == "(2)"
    await admin.checked("webhook_deliveries")
    await admin.edit({"enabled": False, "url": "https://169.254.169.254/x"})
    assert await admin.field_error("url", "webhook_edit_error")
    await admin.edit({"url": "https://hooks.invalid/other"})
    await page.wait_for_selector("#flash.ok:has-text('Saved')")
    await deleted(admin, "webhooks")


async def test_an_agent_groups_members_and_an_agents_desk_phone(admin, console):
    page = admin.page
    await page.goto(f"{admin.url}/manage/agent-groups/{console['group_id']}")
    await page.wait_for_selector("[data-field=agent_ids] input")
    await admin.edit({"agent_ids": [str(console["agent_id"])], "wrap_up_seconds": "30"})
    await page.wait_for_selector("#flash.ok:has-text('Saved')")
    members = await console["dialer"].store.run(lambda: [m.agent_id for m in AgentGroupMember.select().where(
        AgentGroupMember.group == console["group_id"])])
    assert members == [console["agent_id"]]
    await admin.edit({"name": ""})
    assert await admin.field_error("name", "agent_group_edit_error")
    await page.goto(f"{admin.url}/manage/agents/{console['agent_id']}")
    await page.wait_for_selector(f"[data-field=group_ids] input[value='{console['group_id']}']:checked")
    await admin.edit({"endpoint": "PJSIP/has space"})
    assert await admin.field_error("endpoint", "agent_edit_error")
    await admin.remove()  # ann took a call (the seed's): history keeps her
    await page.wait_for_selector("#flash.error:has-text('attempt')")  # not the edit's error
    admin.errors.remove(next(e for e in admin.errors if "status of 409" in e))  # that refusal
    assert await admin.search("agents", "ann") == ["ann"]


async def test_pages_a_role_may_not_use(console, browser):
    url = console["url"]
    manager = await sign_in(browser, url, "manager")  # manage_campaigns only
    errors = console_errors(manager)
    links = await manager.locator("header nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert "/manage/filters" in links and "/manage/attempts" in links
    assert not {"/manage/voicemails", "/manage/inbound-calls", "/manage/action-calls",
                "/manage/webhooks"} & set(links)
    for path in ("/manage/voicemails", "/manage/inbound-calls/1", "/manage/action-calls/new",
                 "/manage/webhooks"):
        response = await manager.goto(f"{url}{path}")
        assert response.status == 403, path
        await assert_accessible(manager)
    # the browser logs each refused page load itself; nothing else went wrong
    assert [e for e in errors if "status of 403" not in e] == [] and len(errors) == 4
    await manager.context.close()
    agent = await sign_in(browser, url, "ann")
    for path in ("/manage/filters", "/manage/attempts/1", "/manage/voicemails"):
        assert (await agent.goto(f"{url}{path}")).status == 403, path
    await agent.context.close()
    # webhooks carry every campaign's events: a supervisor narrowed to one campaign neither
    await console["dialer"].store.run(lambda: auth.create_user(
        console["account_id"], username="narrow", password=PASSWORD, role="supervisor",
        profile_id=Profile.get(Profile.name == "only visible").id))
    narrow = await sign_in(browser, url, "narrow")
    links = await narrow.locator("header nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert "/manage/users" in links and "/manage/webhooks" not in links
    assert (await narrow.goto(f"{url}/manage/webhooks")).status == 403
    await narrow.context.close()
