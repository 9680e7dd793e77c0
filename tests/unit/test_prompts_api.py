"""Audio prompts over the API (dialer/prompts) with the real converter (sox, espeak-ng):
uploads in several formats, refusals naming the field, rename, delete refused while used,
text to speech; and from the attacker's side: another account's prompt ids, files never
named by user text, message fields limited to prompts and the shipped sounds."""

from __future__ import annotations

import datetime as dt
import subprocess
import wave
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest

from dialer.config import PromptsConfig
from dialer.db import Store, auth, migrate, open_database
from dialer.db.models import Account, Campaign, RingGroup, ServicePlan
from dialer.outbound.store import campaign_settings
from dialer.inbound.store import ring_plan
from dialer.prompts import files, model
from dialer.web.app import create_app
from tests.web_dialer import FakeDialer

COMPANY = "+12125550199"


def tone(tmp_path: Path, name: str, seconds: float = 1.0, freq: int = 1000) -> bytes:
    """A sine made by sox, in the format of `name`'s extension (44.1 kHz stereo)."""
    path = tmp_path / name
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", str(seconds),
                    "sine", str(freq)], check=True)
    return path.read_bytes()


def _token(account_id: int, role: str, name: str) -> dict:
    user = auth.create_user(account_id, username=name, role=role)
    return {"Authorization": f"Bearer {auth.create_api_token(user['id'])['token']}"}


@pytest.fixture
async def api(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/d.sqlite3")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", plan=plan, company_number=COMPANY)
    rival = Account.create(name="Rival", plan=plan, company_number="+12125550198")
    heads = {"acme": _token(acme.id, "admin", "a-admin"),
             "agent": _token(acme.id, "agent", "a-agent"),
             "sup": _token(acme.id, "supervisor", "a-sup"),  # the admin role spans accounts
             "rival": _token(rival.id, "admin", "r-admin")}
    files.use(PromptsConfig(directory=str(tmp_path / "prompts"),
                            pbx_directory="/var/lib/asterisk/prompts"))
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)))
    yield SimpleNamespace(client=client, acme=acme.id, rival=rival.id, h=heads, dir=tmp_path)
    files.use(PromptsConfig())
    await store.close()


async def _upload(api, data: bytes, name: str, who: str = "acme", account=None):
    form = aiohttp.FormData()
    form.add_field("name", name)
    form.add_field("file", data, filename="../../etc/passwd.mp3",
                   content_type="application/octet-stream")
    return await api.client.post(f"/api/accounts/{account or api.acme}/prompts",
                                 headers=api.h[who], data=form)


def _error_field(body: dict) -> str:
    assert set(body) == {"error"}, body
    return body["error"]["field"]


@pytest.mark.parametrize("kind", ["mp3", "wav", "flac", "ogg"])
async def test_an_upload_becomes_8khz_mono_wav_and_ulaw_named_by_its_id(api, kind):
    resp = await _upload(api, tone(api.dir, f"t.{kind}", 1.5), f"hello {kind}")
    body = await resp.json()
    assert resp.status == 201, body
    assert body["status"] == "ready" and body["source"] == "upload"
    assert 1.4 <= body["duration_seconds"] <= 1.6 and body["reference"] == f"prompt:{body['id']}"
    folder = api.dir / "prompts" / str(api.acme)
    assert sorted(p.name for p in folder.iterdir()) == [f"prompt-{body['id']}.ulaw",
                                                         f"prompt-{body['id']}.wav"]
    with wave.open(str(folder / f"prompt-{body['id']}.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    assert (folder / f"prompt-{body['id']}.ulaw").stat().st_size == pytest.approx(12000, abs=200)
    resp = await api.client.get(f"/api/prompts/{body['id']}/audio", headers=api.h["acme"])
    assert resp.status == 200 and resp.content_type == "audio/wav"
    assert (await resp.read())[:4] == b"RIFF"


async def test_a_raw_body_upload_takes_its_name_from_the_query(api):
    resp = await api.client.post(f"/api/accounts/{api.acme}/prompts?name=raw",
                                 headers=api.h["acme"] | {"Content-Type": "audio/mpeg"},
                                 data=tone(api.dir, "t.mp3"))
    assert resp.status == 201 and (await resp.json())["name"] == "raw"


async def test_bad_uploads_are_refused_naming_the_field(api, monkeypatch):
    not_audio = await _upload(api, b"<html>hello</html>" * 10, "page")
    assert not_audio.status == 400 and _error_field(await not_audio.json()) == "file"
    broken = await _upload(api, b"RIFF" + b"\x00" * 400, "broken")  # a header, no audio
    assert broken.status == 400 and _error_field(await broken.json()) == "file"
    monkeypatch.setattr(model, "MAX_BYTES", 5000)
    big = await _upload(api, tone(api.dir, "big.wav", 1), "big")
    assert big.status == 400 and "larger" in (await big.json())["error"]["message"]
    monkeypatch.undo()
    monkeypatch.setattr("dialer.prompts.convert.MAX_SECONDS", 2)
    long = await _upload(api, tone(api.dir, "long.mp3", 4), "long")
    body = await long.json()
    assert long.status == 400 and _error_field(body) == "file" and "longer" in body["error"]["message"]
    malformed = await api.client.post(
        f"/api/accounts/{api.acme}/prompts", data=b'--x\r\nContent-Disposition: form-data; '
        b'name="\xc2\x81\x00"\r\n\r\nabc\r\n--x--\r\n',
        headers=api.h["acme"] | {"Content-Type": "multipart/form-data; boundary=x"})
    assert malformed.status == 400 and _error_field(await malformed.json()) == "body"
    nameless = await _upload(api, tone(api.dir, "t.wav"), "  ")
    assert nameless.status == 400 and _error_field(await nameless.json()) == "name"
    listed = await (await api.client.get(f"/api/accounts/{api.acme}/prompts",
                                         headers=api.h["acme"])).json()
    assert listed["total"] == 0  # nothing refused was kept
    assert not (api.dir / "prompts" / str(api.acme)).exists() or \
        not list((api.dir / "prompts" / str(api.acme)).iterdir())


async def test_text_to_speech_makes_a_prompt(api):
    resp = await api.client.post(f"/api/accounts/{api.acme}/prompts/speech",
                                 headers=api.h["acme"],
                                 json={"name": "welcome", "text": "Thank you for calling."})
    body = await resp.json()
    assert resp.status == 201 and body["source"] == "speech" and body["duration_seconds"] > 0.8
    for bad, field in (({"name": "x", "text": " "}, "text"),
                       ({"name": "x", "text": "hi", "voice": "../../x"}, "voice"),
                       ({"name": "welcome", "text": "again"}, "name")):
        resp = await api.client.post(f"/api/accounts/{api.acme}/prompts/speech",
                                     headers=api.h["acme"], json=bad)
        assert resp.status in (400, 409) and _error_field(await resp.json()) == field


async def test_campaign_and_ring_group_messages_play_the_prompt_by_id(api):
    prompt = await (await _upload(api, tone(api.dir, "t.mp3"), "sale")).json()
    ref = prompt["reference"]
    resp = await api.client.post(f"/api/accounts/{api.acme}/campaigns", headers=api.h["acme"],
                                 json={"name": "spring", "machine_action": "message",
                                       "machine_message": ref, "safe_harbour_message": ref,
                                       "consent_prompt": "vm-sorry"})
    assert resp.status == 201, await resp.json()
    settings = campaign_settings((await resp.json())["id"])
    media = f"sound:/var/lib/asterisk/prompts/{api.acme}/prompt-{prompt['id']}"
    assert (settings.machine_message, settings.safe_harbour_message,
            settings.consent_prompt) == (media, media, "sound:vm-sorry")
    resp = await api.client.put(f"/api/accounts/{api.acme}/ring-group", headers=api.h["acme"],
                                json={"status_message": True, "status_prompt": ref,
                                      "whisper_prompt": "beep"})
    assert resp.status == 200, await resp.json()
    plan = ring_plan(COMPANY, "+13125550777")
    assert plan is not None and (plan.status_media, plan.whisper_media) == (media, "sound:beep")

    # in use: refused, naming every place
    resp = await api.client.delete(f"/api/prompts/{prompt['id']}", headers=api.h["acme"])
    body = await resp.json()
    assert resp.status == 409 and _error_field(body) == "prompt"
    for where in ("campaign 'spring' (machine_message)", "(safe_harbour_message)",
                  "ring group 'company number' (status_prompt)"):
        assert where in body["error"]["message"]
    Campaign.update(machine_message="vm-goodbye", safe_harbour_message="tt-allbusy").execute()
    RingGroup.update(status_prompt=None).execute()
    resp = await api.client.delete(f"/api/prompts/{prompt['id']}", headers=api.h["acme"])
    assert resp.status == 200
    assert not list((api.dir / "prompts" / str(api.acme)).iterdir())


async def test_rename_and_choices(api):
    prompt = await (await _upload(api, tone(api.dir, "t.wav"), "first")).json()
    await _upload(api, tone(api.dir, "t.wav"), "second")
    resp = await api.client.patch(f"/api/prompts/{prompt['id']}", headers=api.h["acme"],
                                  json={"name": "second"})
    assert resp.status == 409 and _error_field(await resp.json()) == "name"
    resp = await api.client.patch(f"/api/prompts/{prompt['id']}", headers=api.h["acme"],
                                  json={"name": "renamed"})
    assert resp.status == 200 and (await resp.json())["name"] == "renamed"
    choices = await (await api.client.get(f"/api/accounts/{api.acme}/prompt-choices",
                                          headers=api.h["acme"])).json()
    assert choices[0] == {"value": f"prompt:{prompt['id']}", "label": "renamed"}
    assert {c["value"] for c in choices} >= set(model.BUILT_IN_SOUNDS)


# ---- the attacker's side --------------------------------------------------------------------
async def test_another_accounts_prompt_is_refused_and_unreachable(api):
    theirs = await (await _upload(api, tone(api.dir, "t.mp3"), "secret", "rival",
                                  api.rival)).json()
    ref = theirs["reference"]
    for path in ("", "/audio"):
        resp = await api.client.get(f"/api/prompts/{theirs['id']}{path}", headers=api.h["sup"])
        assert resp.status == 403
    for method in ("patch", "delete"):
        resp = await getattr(api.client, method)(f"/api/prompts/{theirs['id']}",
                                                 headers=api.h["sup"], json={"name": "x"})
        assert resp.status == 403
    resp = await api.client.post(f"/api/accounts/{api.acme}/campaigns", headers=api.h["sup"],
                                 json={"name": "steal", "machine_message": ref})
    assert resp.status == 400 and _error_field(await resp.json()) == "machine_message"
    mine = await (await api.client.post(f"/api/accounts/{api.acme}/campaigns",
                                        headers=api.h["sup"], json={"name": "c"})).json()
    for field in ("machine_message", "safe_harbour_message", "consent_prompt"):
        resp = await api.client.patch(f"/api/campaigns/{mine['id']}", headers=api.h["sup"],
                                      json={field: ref})
        assert resp.status == 400 and _error_field(await resp.json()) == field
    for field in ("status_prompt", "whisper_prompt"):
        resp = await api.client.put(f"/api/accounts/{api.acme}/ring-group",
                                    headers=api.h["sup"], json={field: ref})
        assert resp.status == 400 and _error_field(await resp.json()) == field
    resp = await _upload(api, tone(api.dir, "t.mp3"), "x", "sup", api.rival)
    assert resp.status == 403
    resp = await _upload(api, tone(api.dir, "t.mp3"), "x", "agent")
    assert resp.status == 403


@pytest.mark.parametrize("value", ["prompt:0", "prompt:99999", "prompt:1/../../x",
                                   "custom/anything", "sound:/etc/passwd", "/tmp/x",
                                   "prompt:1,recording:x", "hello-world,beep"])
async def test_message_fields_take_prompts_and_shipped_sounds_only(api, value):
    resp = await api.client.post(f"/api/accounts/{api.acme}/campaigns", headers=api.h["acme"],
                                 json={"name": "x", "safe_harbour_message": value})
    assert resp.status == 400 and _error_field(await resp.json()) == "safe_harbour_message"


async def test_a_sound_stored_before_migration_028_keeps_playing_and_may_be_sent_back(api):
    c = Campaign.create(account=api.acme, name="old", safe_harbour_message="custom/sorry")
    assert campaign_settings(c.id).safe_harbour_message == "sound:custom/sorry"
    resp = await api.client.patch(f"/api/campaigns/{c.id}", headers=api.h["acme"],
                                  json={"safe_harbour_message": "custom/sorry", "name": "old2"})
    assert resp.status == 200, await resp.json()
    resp = await api.client.patch(f"/api/campaigns/{c.id}", headers=api.h["acme"],
                                  json={"machine_message": "custom/other"})
    assert resp.status == 400 and _error_field(await resp.json()) == "machine_message"


def test_an_upload_type_is_read_from_its_bytes_never_its_name():
    assert model.audio_type(b"RIFF\x00\x00\x00\x00WAVE") == "wav"
    assert model.audio_type(b"ID3\x04") == "mp3" and model.audio_type(b"\xff\xfb\x90") == "mp3"
    assert model.audio_type(b"<?php system($_GET[1]);") is None
    assert model.audio_type(b"") is None


def test_a_recording_left_by_a_stopped_dialer_shows_as_failed():
    t0 = dt.datetime(2026, 12, 5, 8, 0)
    assert model.status_of(model.Status.RECORDING, t0, t0 + dt.timedelta(minutes=6)) \
        is model.Status.RECORDING
    assert model.status_of(model.Status.RECORDING, t0, t0 + dt.timedelta(minutes=8)) \
        is model.Status.FAILED
    assert model.status_of(model.Status.READY, t0, t0 + dt.timedelta(days=9)) \
        is model.Status.READY
