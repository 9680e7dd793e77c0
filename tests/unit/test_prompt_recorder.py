"""The desk-phone recorder's shell (dialer/prompts/shell.py) on a fake ARI: the phone that
never answers, or an originate ARI refuses, leaves the prompt `failed`; an answered phone
is recorded with a beep, ended by #, 5 s of silence or 5 minutes, into a name of the
prompt's id. (The whole flow on a real PBX: tests/integration/test_prompts_lab.py.)"""

from __future__ import annotations

import pytest

from dialer.ari import AriClient
from dialer.db import Store, migrate, open_database
from dialer.db.models import Account
from dialer.prompts import store
from dialer.prompts.model import Source, Status
from dialer.prompts.shell import PromptRecorder
from tests.fake_ari import FakeAri


@pytest.fixture
async def recorder(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/d.sqlite3")
    migrate(db)
    account = Account.create(name="Acme")
    ari = FakeAri()
    await ari.start()
    client = AriClient(ari.base_url, ari.username, ari.password, "dialer")
    db_store = Store(db)
    yield PromptRecorder(client, db_store, "dialer"), ari, db_store, account.id
    await client.close()
    await db_store.close()
    await ari.stop()


async def _recording(db_store, account_id: int):
    return await db_store.run(store.create_prompt, account_id, "hello", Source.RECORDING,
                              status=Status.RECORDING)


async def test_a_phone_that_never_answers_fails_the_prompt(recorder):
    shell, ari, db_store, account_id = recorder
    prompt = await _recording(db_store, account_id)
    await shell.start(prompt, "PJSIP/alice")
    originate = ari.last("POST")
    assert originate.query["endpoint"] == "PJSIP/alice" and originate.query["app"] == "dialer"
    (leg,) = shell.channels()
    assert originate.query["channelId"] == leg and leg.startswith(f"promptrec-{prompt.id}-")
    assert await shell.on_channel_destroyed({"channel": {"id": leg}})
    assert (await db_store.run(store.get_prompt, prompt.id)).status is Status.FAILED
    assert shell.channels() == set() and shell.recordings == {}


async def test_a_refused_originate_fails_the_prompt(recorder):
    shell, ari, db_store, account_id = recorder
    ari.respond("POST", "/channels", status=400, body={"message": "Allocation failed"})
    prompt = await _recording(db_store, account_id)
    await shell.start(prompt, "PJSIP/nobody")
    assert (await db_store.run(store.get_prompt, prompt.id)).status is Status.FAILED
    assert shell.recordings == {}


async def test_an_answered_phone_is_recorded_by_prompt_id(recorder):
    shell, ari, db_store, account_id = recorder
    prompt = await _recording(db_store, account_id)
    await shell.start(prompt, "PJSIP/alice")
    (leg,) = shell.channels()
    await shell.on_answered({"channel": {"id": leg}}, ["promptrec", leg])
    record = ari.last("POST")
    assert record.path.endswith(f"/channels/{leg}/record")
    assert record.query["name"] == f"prompt-{prompt.id}-{leg}"
    assert (record.query["beep"], record.query["terminateOn"]) == ("true", "#")
    assert (record.query["maxSilenceSeconds"], record.query["maxDurationSeconds"]) == ("5", "300")
