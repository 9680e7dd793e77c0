"""The wallboard's feed on the real lab: a call to the company number and an action-plan
call show up on their account's floor ringing, then talking, then gone; another account's
wallboard sees none of it."""

from __future__ import annotations

import pytest

from dialer.actions import store as actions
from dialer.db.models import Contact, ContactPhone
from dialer.floor.events import CallChanged, Scope, Source
from tests.campaign_driver import wait_until
from tests.integration.test_inbound_lab import call_company, seed

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]


def stages(subscription) -> list[tuple[str, str, Source]]:
    """(key, stage, source) of the calls the subscriber was told of so far."""
    return [(e.channel_id, e.stage, e.source) for e in subscription.queued()
            if isinstance(e, CallChanged)]


async def test_an_inbound_call_shows_ringing_then_talking_then_ends(dialer, lab, caller):
    account_id = await dialer.store.run(seed, ["agent4"], strategy="ordered", ring_seconds=20)
    ours = dialer.agents.floor.subscribe(Scope(frozenset(), frozenset(), account_id))
    theirs = dialer.agents.floor.subscribe(Scope(frozenset(), frozenset(), account_id + 1))
    seen: list[tuple[str, str, Source]] = []
    await call_company(caller)
    await wait_until(lambda: seen.extend(stages(ours)) or ("talking" in [s for _, s, _ in seen]),
                     30)
    [key] = {k for k, _, _ in seen}
    assert {src for _, _, src in seen} == {Source.INBOUND}
    assert dialer.agents.floor.calls[key].stage == "talking"  # a new wallboard's snapshot
    await dialer.ari.hangup(key)  # the caller's channel: the call ends
    await wait_until(lambda: seen.extend(stages(ours)) or seen[-1][1] == "closed", 10)
    # the user accepted (digit 1), was put through, talked; the caller hung up
    assert [s for _, s, _ in seen] == ["ringing", "waiting_agent", "talking", "closed"]
    assert key not in dialer.agents.floor.calls
    assert stages(theirs) == []


async def test_an_action_call_shows_ringing_then_talking(dialer, lab):
    account_id = await dialer.store.run(seed, ["agent4"], strategy="simultaneous")
    contact = await dialer.store.run(lambda: Contact.get(Contact.name == "Ann Lee").id)
    await dialer.store.run(lambda: ContactPhone.update(number="+14155551000").execute())
    ours = dialer.agents.floor.subscribe(Scope(frozenset(), frozenset(), account_id))
    seen: list[tuple[str, str, Source]] = []
    await dialer.store.run(actions.schedule_action_call, account_id, contact_id=contact,
                           now=dialer.now())
    await wait_until(lambda: seen.extend(stages(ours)) or ("talking" in [s for _, s, _ in seen]),
                     30)
    assert [s for _, s, _ in seen] == ["ringing", "talking"]
    assert {src for _, _, src in seen} == {Source.ACTION}
    [key] = {k for k, _, _ in seen}
    assert key.startswith("actc-")  # the contact's channel: what a hold would name
    await dialer.ari.hangup(key)
    await wait_until(lambda: seen.extend(stages(ours)) or seen[-1][1] == "closed", 10)
    assert key not in dialer.agents.floor.calls
