"""From the attacker's side: every field a user types that reaches Asterisk, with hostile
values, through the API of a real Dialer on a fake ARI that records what it is sent.
Each is either a 400 naming the field (and nothing of it reaches ARI) or arrives
neutralised in the ARI request."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from dialer.config import AriConfig, Config, DatabaseConfig, WebConfig
from dialer.db import auth, migrate, open_database, suppression
from dialer.outbound.store import campaign_settings
from dialer.db.models import (Account, Agent, Campaign, Contact, ContactPhone, RingGroup,
                              RingGroupMember, ServicePlan, User)
from dialer.outbound.call import Call
from dialer.outbound.machine import start
from dialer.server import Dialer
from dialer.web.app import create_app
from tests.fake_ari import FakeAri, channel_event

COMPANY, CALLER = "+12125550199", "+13125550777"
URLS_AND_LISTS = ["sound:http://10.0.0.1/x", "http://10.0.0.1/x", "recording:voicemail-2-abc",
                  "sound:a,recording:b", "vm-goodbye,beep", "sound:../../../etc/passwd",
                  "characters:abc", "a\nb", "${SHELL}", '"x" <y>']
DIAL_STRINGS = ["PJSIP/15550001230@carrier", "Local/100@default", "Local/15550001230@dialer-amd",
                "SIP/100", "IAX2/peer/100", "PJSIP/agent1&PJSIP/agent2", "agent1/n",
                "agent1@carrier", "agent1,agent2", '"x" <agent1>', "agent1\nDial", "${EXTEN}",
                "PJSIP/${X}"]
NUMBERS = ["+1555 <0001>", "http://10.0.0.1/x", "15550001230@carrier", "Local/15550001230",
           "${CALLERID(num)}", "+14155550100,+14155550101", "a\nb", "4155550100\nDial(Local/1)"]
# Read as a number by phonenumbers: what is stored (and dialled) is the E.164 number alone.
NUMBERS_NEUTRALISED = ['"Eve" <+14155550100>', "+14155550100;ext=1", "+1 (415) 555-0100 x12"]


def assert_field(resp_json: dict, field: str) -> None:
    assert set(resp_json) == {"error"} and resp_json["error"]["field"] == field, resp_json


def _admin(account_id: int) -> dict:
    """An admin's API token headers (no password: no hashing, the tests stay fast)."""
    user = auth.create_user(account_id, username=f"admin-{account_id}", role="admin")
    return {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}


def last_play(ari: FakeAri):
    return [r for r in ari.requests if r.method == "POST" and "/play" in r.path][-1]


def no_ari_request_with(ari: FakeAri, value: str) -> bool:
    """Nothing of `value` was sent to ARI, in a path or a query parameter."""
    return not any(value in unquote(r.raw_url) for r in ari.requests)


@pytest.fixture
async def app(tmp_path, aiohttp_client, monkeypatch):
    monkeypatch.setenv("DIALER_BEEP_DETECTOR", "silence")  # machine messages play at once
    url = f"sqlite:///{tmp_path}/dialer.db"
    db = open_database(url)
    migrate(db)
    plan = ServicePlan.create(name="base")
    training = ServicePlan.create(name="training", training=True)
    acme = Account.create(name="Acme", plan=plan, company_number=COMPANY)
    school = Account.create(name="School", plan=training, company_number="+12125550198")
    tokens = {"acme": _admin(acme.id), "school": _admin(school.id)}
    db.close()
    ari = FakeAri()
    await ari.start()
    ari.respond("GET", "/endpoints/PJSIP/nosuch", status=404, body={"message": "not found"})
    dialer = Dialer(Config(ari=AriConfig(url=ari.base_url, user=ari.username,
                                         password=ari.password),
                           database=DatabaseConfig(url=url), web=WebConfig(port=0)))
    dialer.ari.start()
    await asyncio.wait_for(dialer.ari.connected.wait(), 10)
    client = await aiohttp_client(create_app(dialer))

    yield SimpleNamespace(client=client, ari=ari, dialer=dialer, acme=acme.id, school=school.id,
                          as_=tokens.__getitem__)
    await dialer.ari.stop()
    await dialer.ari.close()
    await dialer.store.close()
    await ari.stop()


# ---- audio fields ---------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["machine_message", "safe_harbour_message", "consent_prompt",
                                   "screening_message"])
async def test_audio_fields_take_prompt_names_only(app, field):
    resp = await app.client.post(f"/api/accounts/{app.acme}/campaigns", headers=app.as_("acme"),
                                 json={"name": "spring"})
    campaign = (await resp.json())["id"]
    for value in URLS_AND_LISTS:
        resp = await app.client.post(f"/api/accounts/{app.acme}/campaigns",
                                     headers=app.as_("acme"), json={"name": "x", field: value})
        assert resp.status == 400, value
        assert_field(await resp.json(), field)
        resp = await app.client.patch(f"/api/campaigns/{campaign}", headers=app.as_("acme"),
                                      json={field: value})
        assert resp.status == 400, value
        assert_field(await resp.json(), field)


async def test_the_consent_announcement_setting_takes_its_three_values_only(app):
    resp = await app.client.post(f"/api/accounts/{app.acme}/campaigns", headers=app.as_("acme"),
                                 json={"name": "spring", "record": True})
    body = await resp.json()
    assert resp.status == 201 and body["consent_announcement"] == "always"
    assert body["consent_prompt"] is None  # the shipped prompt
    for value in ("sometimes", "", None, True, "ALWAYS", "where_required"):
        resp = await app.client.patch(f"/api/campaigns/{body['id']}", headers=app.as_("acme"),
                                      json={"consent_announcement": value})
        assert resp.status == 400, value
        assert_field(await resp.json(), "consent_announcement")
    for value in ("where required", "never", "always"):
        resp = await app.client.patch(f"/api/campaigns/{body['id']}", headers=app.as_("acme"),
                                      json={"consent_announcement": value,
                                            "consent_prompt": "vm-sorry"})
        assert resp.status == 200, value
        assert ((await resp.json())["consent_announcement"], campaign_settings(
            body["id"]).consent_prompt) == (value, "sound:vm-sorry")


async def test_the_amd_detector_settings_are_checked_naming_the_field(app):
    url, headers = f"/api/accounts/{app.acme}/campaigns", app.as_("acme")
    for field, value in [("amd_detector", "ARI"), ("amd_machine_threshold", 2),
                         ("amd_machine_threshold", "high"), ("screening_action", "record")]:
        resp = await app.client.post(url, headers=headers, json={"name": "x", field: value})
        assert resp.status == 400, (field, value)
        assert_field(await resp.json(), field)
    resp = await app.client.post(url, headers=headers, json={
        "name": "heard", "amd_enabled": True, "amd_detector": "classifier",
        "amd_machine_threshold": 0.95, "screening_action": "announce",
        "screening_message": "vm-sorry"})
    body = await resp.json()
    assert resp.status == 201, body
    assert (body["amd_detector"], body["amd_machine_threshold"], body["screening_action"],
            body["screening_message"]) == ("classifier", 0.95, "announce", "vm-sorry")
    resp = await app.client.patch(f"/api/campaigns/{body['id']}", headers=headers,
                                  json={"screening_message": None})
    assert resp.status == 400
    assert_field(await resp.json(), "screening_message")


async def test_legacy_sound_values_still_work_and_are_stored_as_names(app):
    resp = await app.client.post(f"/api/accounts/{app.acme}/campaigns", headers=app.as_("acme"),
                                 json={"name": "spring", "machine_message": "sound:vm-goodbye",
                                       "safe_harbour_message": "tt-allbusy"})
    assert resp.status == 201
    body = await resp.json()
    assert (body["machine_message"], body["safe_harbour_message"]) == ("vm-goodbye", "tt-allbusy")


@pytest.mark.parametrize("stored,played", [("beep", "sound:beep"), (None, "sound:vm-goodbye"),
                                           ("sound:a,recording:b", "sound:vm-goodbye"),
                                           ("http://10.0.0.1/x", "sound:vm-goodbye")])
async def test_the_machine_message_sent_to_ari_is_one_sound_item(app, stored, played):
    """Stored before the checks (by hand): an unsafe value plays the default instead."""
    def campaign():
        c = Campaign.create(account=app.acme, name="x", machine_action="message", amd_enabled=True,
                            machine_message=stored)
        return campaign_settings(c.id)
    settings = await app.dialer.store.run(campaign)
    state, _ = start(settings, 1, "out-1", 0.0)
    app.dialer.calls.calls["out-1"] = Call(state, "+14155550100")
    await app.dialer.calls.on_amd(channel_event("StasisStart", "out-1",
                                                args=["amd", "MACHINE", "LONGGREETING"]))
    play = last_play(app.ari)
    assert play.path == "/ari/channels/out-1/play/out-1-machine"
    assert play.query["media"] == played


async def test_no_audio_for_the_classifier_sends_the_call_through_the_dialplans_amd(
        app, monkeypatch):
    """The classifier's call entered Stasis at its answer; no RTP comes (the fake PBX sends
    none): the listener's channels go, the call continues in [dialer-amd] with AMD on, and
    app_amd's verdict decides."""
    from dialer.beep import shell as beep
    from dialer.outbound.machine import Stage
    from dialer.outbound.model import AmdDetector
    from tests.campaign_driver import wait_until

    monkeypatch.setattr(beep, "NO_AUDIO_SECONDS", 0.2)

    def campaign():
        c = Campaign.create(account=app.acme, name="x", amd_enabled=True,
                            amd_detector="classifier")
        return campaign_settings(c.id)
    state, effects = start(await app.dialer.store.run(campaign), 1, "out-1", 0.0)
    assert effects[0].skip_amd  # straight to Stasis at the answer
    call = app.dialer.calls.calls["out-1"] = Call(state, "+14155550100")
    await app.dialer.calls.on_amd(channel_event("StasisStart", "out-1", args=["amd", "SKIPPED", ""]))
    assert call.state.classifying

    def sent(method: str, path: str):
        return [r for r in app.ari.requests if r.method == method and r.path == path]
    await wait_until(lambda: sent("POST", "/ari/channels/out-1/continue"), 5)
    assert sent("POST", "/ari/channels/out-1/variable")[-1].query == {
        "variable": "DIALER_SKIP_AMD", "value": "0"}
    assert sent("POST", "/ari/channels/out-1/continue")[0].query == {
        "context": "dialer-amd", "extension": "s", "priority": "1"}
    removed = {r.path.split("/")[3].rsplit("-", 1)[0] for r in app.ari.requests
               if r.method == "DELETE" and "beep-" in r.path}
    assert removed == {"beep-snoop", "beep-media", "beep-bridge"}
    assert call.state.detector is AmdDetector.APP_AMD
    await app.dialer.calls.on_amd(channel_event("StasisStart", "out-1", args=["amd", "HUMAN", ""]))
    assert call.stage is Stage.WAITING_AGENT and not call.state.classifying


# ---- dial strings ---------------------------------------------------------------------------
ENDPOINT_ROUTES = [("post", "/api/accounts/{account}/agents", {"username": "eve"}),
                   ("post", "/api/accounts/{account}/users", {"username": "eve"}),
                   ("patch", "/api/users/{user}", {})]


async def _user(app, account: int) -> int:
    return await app.dialer.store.run(lambda: User.create(
        account=account, username=f"u{account}-{User.select().count()}", password_hash="!").id)


@pytest.mark.parametrize("method,path,extra", ENDPOINT_ROUTES)
async def test_endpoints_are_never_raw_dial_strings(app, method, path, extra):
    url = path.format(account=app.acme, user=await _user(app, app.acme))
    for value in DIAL_STRINGS:
        resp = await getattr(app.client, method)(url, headers=app.as_("acme"),
                                                 json={**extra, "endpoint": value})
        assert resp.status == 400, value
        assert_field(await resp.json(), "endpoint")
        assert no_ari_request_with(app.ari, value)


@pytest.mark.parametrize("method,path,extra", ENDPOINT_ROUTES)
async def test_a_training_account_cannot_point_a_phone_at_a_trunk(app, method, path, extra):
    url = path.format(account=app.school, user=await _user(app, app.school))
    for value, says in [("PJSIP/15550001230@carrier", "no @trunk"), ("carrier", "is a trunk"),
                        ("PJSIP/carrier", "is a trunk"), ("nosuch", "has no PJSIP endpoint")]:
        resp = await getattr(app.client, method)(url, headers=app.as_("school"),
                                                 json={**extra, "endpoint": value})
        assert resp.status == 400, value
        assert_field(await resp.json(), "endpoint")
        assert says in (await resp.json())["error"]["message"], value


async def test_an_existing_desk_phone_is_accepted_and_stored_as_pjsip(app):
    resp = await app.client.post(f"/api/accounts/{app.school}/agents", headers=app.as_("school"),
                                 json={"username": "ann", "endpoint": "agent1"})
    assert resp.status == 201 and (await resp.json())["endpoint"] == "PJSIP/agent1"
    asked = [r.path for r in app.ari.requests if r.method == "GET"]
    assert "/ari/endpoints/PJSIP/agent1" in asked


@pytest.mark.parametrize("field,method,path", [
    ("phone", "post", "/api/accounts/{account}/users"),
    ("phone", "patch", "/api/users/{user}"),
    ("forward_number", "put", "/api/accounts/{account}/ring-group")])
async def test_numbers_are_numbers(app, field, method, path):
    url = path.format(account=app.acme, user=await _user(app, app.acme))
    body = {"username": "eve"} if path.endswith("/users") else {}
    for value in NUMBERS:
        resp = await getattr(app.client, method)(url, headers=app.as_("acme"),
                                                 json={**body, field: value})
        assert resp.status == 400, value
        assert_field(await resp.json(), field)
    for value in NUMBERS_NEUTRALISED:
        body = {"username": f"eve{len(value)}"} if path.endswith("/users") else {}
        resp = await getattr(app.client, method)(url, headers=app.as_("acme"),
                                                 json={**body, field: value})
        assert resp.status in (200, 201) and (await resp.json())[field] == "+14155550100"


@pytest.mark.parametrize("field,method,path", [
    ("phone", "patch", "/api/users/{user}"),
    ("forward_number", "put", "/api/accounts/{account}/ring-group")])
async def test_numbers_get_the_checks_of_campaign_calls(app, field, method, path):
    async def send(who, account, value):
        url = path.format(account=account, user=await _user(app, account))
        return await getattr(app.client, method)(url, headers=app.as_(who), json={field: value})
    resp = await send("school", app.school, "+14155550100")  # a training plan: no trunk
    assert resp.status == 400 and "training" in (await resp.json())["error"]["message"]
    resp = await send("acme", app.acme, "+33612345678")  # the plan allows no international
    assert resp.status == 400 and "international" in (await resp.json())["error"]["message"]

    def suppress():
        dnc = suppression.create_list(app.acme, name=f"dnc-{field}", kind="device")
        suppression.add_entries(dnc["id"], ["+14155550111"])
        suppression.attach_to_strategy(dnc["id"], app.acme)
    await app.dialer.store.run(suppress)
    resp = await send("acme", app.acme, "+14155550111")
    assert resp.status == 409
    assert_field(await resp.json(), field)
    resp = await send("acme", app.acme, "(415) 555-0100")
    assert resp.status == 200 and (await resp.json())[field] == "+14155550100"


# ---- what reaches ARI on a call --------------------------------------------------------------
HOSTILE_NAME = 'Eve "Boss" <+1999>,sound:x\n${X}'


def _ring_group(account_id: int, name: str | None, endpoints: list[str]) -> None:
    """Written as stored data, bypassing the API (values from before the checks too)."""
    if name is not None:
        contact = Contact.create(account=account_id, name=name)
        ContactPhone.create(contact=contact, number=CALLER)
    group = RingGroup.create(account=account_id, name="main", strategy="simultaneous",
                             caller_id_mode="caller")
    for position, endpoint in enumerate(endpoints):
        user = User.create(account=account_id, username=f"r{position}", password_hash="!",
                           endpoint=endpoint)
        RingGroupMember.create(ring_group=group, user=user, position=position)


async def _inbound_call(app, caller_number: str, dialled: str = COMPANY) -> None:
    caller = channel_event("StasisStart", "caller-1", args=["inbound", dialled])
    caller["channel"]["caller"] = {"name": "", "number": caller_number}
    await app.ari.push(caller)
    for _ in range(300):
        if any(r.path == "/ari/channels" and r.method == "POST" for r in app.ari.requests):
            return
        await asyncio.sleep(0.01)


async def _whisper(app, leg: str):
    """The play request on a rung user's leg, once it has answered."""
    await app.ari.push(channel_event("StasisStart", leg, args=["ringleg", "caller-1"]))
    for _ in range(300):
        plays = [r for r in app.ari.requests if r.path.startswith(f"/ari/channels/{leg}/play")]
        if plays:
            return plays[0]
        await asyncio.sleep(0.01)
    raise AssertionError("no whisper played")


async def test_a_hostile_contact_name_is_one_caller_id_and_one_spelled_item(app):
    await app.dialer.store.run(_ring_group, app.acme, HOSTILE_NAME, ["PJSIP/agent1"])
    await _inbound_call(app, CALLER)
    originate = app.ari.last("POST")
    assert originate.path == "/ari/channels"
    assert originate.query["endpoint"] == "PJSIP/agent1"
    assert originate.query["callerId"] == \
        f'"Eve Boss +1999,sound:x ${{X}}" <{CALLER}>'
    leg = originate.query["channelId"]
    media = (await _whisper(app, leg)).query["media"]
    assert media.split(",") == ["characters:Eve Boss 1999 sound x X"]


async def test_a_user_who_accepts_mid_name_is_bridged_once_it_is_said(app):
    """Asterisk cannot stop a `characters:` playback and adds no channel to a bridge while
    one plays: the bridge waits for the name's PlaybackFinished."""
    await app.dialer.store.run(_ring_group, app.acme, "Ann", ["PJSIP/agent1"])
    await _inbound_call(app, CALLER)
    leg = app.ari.last("POST").query["channelId"]
    whisper = await _whisper(app, leg)
    await app.ari.push(channel_event("ChannelDtmfReceived", leg, digit="1"))
    await asyncio.sleep(0.2)
    assert not [r for r in app.ari.requests if r.path.endswith("/addChannel")]
    await app.ari.push({"type": "PlaybackFinished", "application": "dialer",
                        "playback": {"id": whisper.path.rsplit("/", 1)[1], "state": "done",
                                     "target_uri": f"channel:{leg}",
                                     "media_uri": whisper.query["media"]}})
    for _ in range(300):
        added = [r for r in app.ari.requests if r.path.endswith("/addChannel")]
        if added:
            break
        await asyncio.sleep(0.01)
    assert added and added[0].query["channel"] == f"caller-1,{leg}"


async def test_campaign_caller_ids_are_e164_numbers_only(app):
    resp = await app.client.post(f"/api/accounts/{app.acme}/campaigns", headers=app.as_("acme"),
                                 json={"name": "spring"})
    campaign = (await resp.json())["id"]
    for value in NUMBERS:
        resp = await app.client.post(f"/api/campaigns/{campaign}/caller-ids",
                                     headers=app.as_("acme"), json={"number": value})
        assert resp.status == 400, value
        assert_field(await resp.json(), "number")
    resp = await app.client.post(f"/api/campaigns/{campaign}/caller-ids",
                                 headers=app.as_("acme"), json={"number": NUMBERS_NEUTRALISED[0]})
    assert resp.status == 201 and (await resp.json())["number"] == "+14155550100"


async def test_a_caller_number_that_is_no_number_is_neither_shown_nor_dialled(app):
    await app.dialer.store.run(_ring_group, app.acme, None, ["PJSIP/agent1"])
    await _inbound_call(app, '"Boss" <+19995550000>,sound:x')
    originate = app.ari.last("POST")
    assert originate.query["endpoint"] == "PJSIP/agent1" and "callerId" not in originate.query
    leg = originate.query["channelId"]
    assert (await _whisper(app, leg)).query["media"] == "digits:19995550000"


async def test_raw_dial_strings_stored_before_the_checks_are_never_dialled(app):
    await app.dialer.store.run(_ring_group, app.acme, "Ann",
                               ["PJSIP/15550001230@carrier", "Local/1@default", "PJSIP/agent2"])
    await _inbound_call(app, CALLER)
    await asyncio.sleep(0.2)
    dialled = [r.query["endpoint"] for r in app.ari.requests
               if r.method == "POST" and r.path == "/ari/channels"]
    assert dialled == ["PJSIP/agent2"]


async def test_a_training_accounts_forward_number_never_reaches_the_trunk(app):
    def forward():
        ContactPhone.create(contact=Contact.create(account=app.school, name="Ann"),
                            number=CALLER)
        RingGroup.create(account=app.school, name="main", forward_number="+14155550100")
    await app.dialer.store.run(forward)
    await _inbound_call(app, CALLER, dialled="+12125550198")
    assert app.ari.last("POST").query["endpoint"] == "Local/+14155550100@dialer-training"


async def test_an_agent_whose_stored_endpoint_is_a_trunk_address_is_not_rung(app):
    resp = await app.client.post(f"/api/accounts/{app.school}/agents", headers=app.as_("school"),
                                 json={"username": "ann", "endpoint": "agent1"})
    agent_id = (await resp.json())["id"]

    def sabotage():
        Agent.update(endpoint="PJSIP/15550001230@carrier").where(Agent.id == agent_id).execute()
    await app.dialer.store.run(sabotage)
    resp = await app.client.post(f"/api/agents/{agent_id}/login", headers=app.as_("school"))
    assert resp.status == 409
    assert_field(await resp.json(), "endpoint")
    assert not [r for r in app.ari.requests if r.method == "POST" and r.path == "/ari/channels"]
