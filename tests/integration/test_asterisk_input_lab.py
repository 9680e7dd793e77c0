"""Nothing raw reaches Asterisk, on the real lab: a hostile contact name reaches the desk
phone as a caller-ID name (the number unchanged) and is spelled as one `characters:` item;
a training account cannot point a phone at the carrier, and no call of a training account
leaves through the carrier, not even from values stored before the checks existed."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest

from dialer.ari.endpoints import AriEndpoints, EndpointKind
from dialer.db import auth
from dialer.db.models import (Account, Contact, ContactPhone, RingGroup, RingGroupMember,
                              ServicePlan, User)
from dialer.web.app import create_app
from tests.campaign_driver import wait_until
from tests.integration.test_inbound_lab import CALLER, COMPANY, call_company
from tests.lab_calls import Recorder, new_id

pytestmark = [pytest.mark.lab, pytest.mark.timeout(150)]

HOSTILE_NAME = 'Eve "Boss" <+1999>,sound:x\n${X}'


def seed(*, training: bool, contact_name: str, endpoints: list[str], **group) -> int:
    """Stored as is (no API): values from before the checks included."""
    plan = ServicePlan.create(name="plan", training=training)
    account = Account.create(name="Acme", company_number=COMPANY, plan=plan)
    ContactPhone.create(contact=Contact.create(account=account, name=contact_name),
                        number=CALLER)
    ring_group = RingGroup.create(account=account, name="main", **group)
    for position, endpoint in enumerate(endpoints):
        user = User.create(account=account, username=f"u{position}", password_hash="!",
                           endpoint=endpoint)
        RingGroupMember.create(ring_group=ring_group, user=user, position=position)
    return account.id


@contextlib.asynccontextmanager
async def watch_channels(dialer, sim):
    """Every channel the PBX and the simulator hold while the block runs (polled)."""
    seen: dict[str, dict] = {}

    async def poll():
        while True:
            for side, client in (("pbx", dialer.ari), ("sim", sim)):
                for channel in await client.list_channels():
                    seen[f"{side}:{channel['id']}"] = channel | {"side": side}
            await asyncio.sleep(0.1)
    task = asyncio.create_task(poll())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def carrier_calls(seen: dict[str, dict]) -> list[str]:
    """Calls that went out through the carrier: on the PBX a carrier channel other than the
    caller's own (which comes in on that trunk, dialling the company number); on the
    simulator a call from the PBX to a number rather than to a desk phone."""
    out = [c["name"] for c in seen.values() if c["side"] == "pbx"
           and c["name"].startswith("PJSIP/carrier-") and c["dialplan"]["exten"] != COMPANY]
    out += [c["dialplan"]["exten"] for c in seen.values() if c["side"] == "sim"
            and not c["id"].startswith("caller")  # the simulator's own calls to the PBX
            and re.fullmatch(r"\+?[0-9]+", c["dialplan"]["exten"])]
    return out


async def test_a_hostile_contact_name_is_shown_and_spelled_as_one_name(dialer, lab, caller):
    await dialer.store.run(seed, training=False, contact_name=HOSTILE_NAME,
                           endpoints=["PJSIP/agent4"], strategy="simultaneous",
                           caller_id_mode="caller")
    pbx = Recorder(dialer.ari)
    caller_channel = await call_company(caller)
    await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                 and e["channel"]["name"].startswith("PJSIP/agent4")
                                 for e in pbx.events), 30)
    shown = next(e["channel"]["caller"] for e in caller.recorder.events
                 if e["type"] == "ChannelCreated"
                 and e["channel"]["dialplan"]["exten"] == "agent4")
    assert shown == {"name": "Eve Boss +1999,sound:x ${X}", "number": CALLER}
    [whisper] = [e["playback"] for e in pbx.events if e["type"] == "PlaybackStarted"
                 and e["playback"]["id"].endswith("-whisper")]
    assert whisper["media_uri"] == "characters:Eve Boss 1999 sound x X"
    assert "next_media_uri" not in whisper  # one item: the comma split nothing
    await caller.hangup(caller_channel)


async def test_a_training_account_never_reaches_the_carrier(dialer, lab, caller, sim,
                                                           aiohttp_client):
    # The real PBX tells the trunk from desk phones, by the configured name or by its
    # own settings (calls from it enter [dialer-inbound]; an identify matches it).
    assert await AriEndpoints(dialer.ari, "none").kind("carrier") is EndpointKind.TRUNK
    assert await AriEndpoints(dialer.ari, "none").kind("agent1") is EndpointKind.PHONE
    assert await AriEndpoints(dialer.ari, "none").kind("nosuch") is EndpointKind.MISSING

    account_id = await dialer.store.run(
        seed, training=True, contact_name="Ann Lee", strategy="simultaneous",
        # agent4 accepts; the other was stored before the checks: a trunk address
        endpoints=["PJSIP/15550001230@carrier", "PJSIP/agent4"])

    def admin():
        user = auth.create_user(account_id, username="boss", role="admin")
        return {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}
    headers = await dialer.store.run(admin)
    client = await aiohttp_client(create_app(dialer), headers=headers)
    for endpoint in ("PJSIP/15550001230@carrier", "carrier", "PJSIP/carrier", "Local/1@x"):
        resp = await client.post(f"/api/accounts/{account_id}/agents",
                                 json={"username": "eve", "endpoint": endpoint})
        assert resp.status == 400, endpoint
        assert (await resp.json())["error"]["field"] == "endpoint"
    resp = await client.put(f"/api/accounts/{account_id}/ring-group",
                            json={"forward_number": "+14155551000"})
    assert resp.status == 400 and (await resp.json())["error"]["field"] == "forward_number"
    resp = await client.post(f"/api/accounts/{account_id}/agents",
                             json={"username": "ann", "endpoint": "agent1"})
    assert resp.status == 201
    agent_id = (await resp.json())["id"]

    pbx = Recorder(dialer.ari)
    async with watch_channels(dialer, sim) as seen:
        resp = await client.post(f"/api/agents/{agent_id}/login")
        assert resp.status == 200
        await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                     and e["channel"]["name"].startswith("PJSIP/agent1")
                                     for e in pbx.events), 20)
        # A ring group: the trunk address stored before the checks is not dialled.
        caller_channel = await call_company(caller)
        await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                     and e["channel"]["name"].startswith("PJSIP/agent4")
                                     for e in pbx.events), 30)
        await caller.hangup(caller_channel)
        # A forward number stored before the checks: simulated, never through the trunk.
        await dialer.store.run(lambda: RingGroup.update(forward_number="+14155551000")
                               .where(RingGroup.account == account_id).execute())
        caller_channel = await call_company(caller)
        await wait_until(lambda: any(e["type"] == "ChannelEnteredBridge"
                                     and e["channel"]["name"].startswith(
                                         "Local/+14155551000@dialer-training")
                                     for e in pbx.events), 30)
        await caller.hangup(caller_channel)
        await asyncio.sleep(0.5)
    names = {c["name"].split("-")[0] for c in seen.values() if c["side"] == "pbx"}
    assert {"PJSIP/agent1", "PJSIP/agent4", "PJSIP/carrier"} <= names  # the watch saw them
    assert carrier_calls(seen) == []
    assert not [e for e in pbx.events if e["type"] == "ChannelCreated"
                and "15550001230" in e["channel"]["name"]]

    # The watch does see a call through the carrier when there is one.
    async with watch_channels(dialer, sim) as seen:
        await dialer.ari.originate("PJSIP/14155551005@carrier", channel_id=new_id("probe"),
                                   app=dialer.ari.app, app_args="probe", timeout=10)
        await wait_until(lambda: len(carrier_calls(seen)) == 2, 15)
    # the PBX's carrier channel, and the simulator's side (its exten: the number, or the
    # behaviour's own extension once it has moved on)
    assert [n.startswith("PJSIP/carrier-") for n in carrier_calls(seen)].count(True) == 1
