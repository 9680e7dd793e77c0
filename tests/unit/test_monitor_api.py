"""The monitoring routes over a real Store and the web app (dialer/monitor/http.py): the
supervisor's desk phone rung, mode switched, left; refusals naming the field; the audit log
shows each step. The privilege matrix covers who may call them."""

from __future__ import annotations

import pytest

from dialer.db import Store, migrate, open_database, roles
from dialer.db.models import Account, Agent, Campaign, ServicePlan, User
from dialer.web.app import create_app
from dialer.web.common import DIALER
from tests.auth_helpers import bearer
from tests.unit.test_api_admin import assert_error
from tests.unit.test_monitor_shell import Ari
from tests.web_dialer import FakeDialer, live_agents, put_on_call


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    account = Account.create(name="Acme", company_number="+12125550100",
                             plan=ServicePlan.create(name="base"), timezone="America/New_York")
    on_call, idle = (Agent.create(user=User.create(account=account, username=name,
                                                   password_hash="!"), endpoint=f"PJSIP/{name}")
                     for name in ("alice", "bob"))
    campaign = Campaign.create(account=account, name="spring")
    headers = bearer(account.id, "supervisor", username="boss")
    db.close()
    store = Store(db)
    agents = live_agents(store, [on_call.id, idle.id])
    await put_on_call(agents, on_call.id, "customer-1", campaign_id=campaign.id)
    ari = Ari()
    client = await aiohttp_client(create_app(FakeDialer(store, agents=agents, ari=ari)),
                                  headers=headers)
    yield client, store, ari, {"account": account.id, "agent": on_call.id, "idle": idle.id,
                               "campaign": campaign.id}
    await store.close()


async def test_start_switch_leave_and_the_audit_trail(env):
    client, store, ari, ids = env
    url = f"/api/agents/{ids['agent']}/monitor"
    resp = await client.post(url, json={"mode": "listen"})
    assert resp.status == 409
    assert_error(await resp.json(), "endpoint")  # no desk phone to ring yet
    await store.run(lambda: User.update(endpoint="PJSIP/boss")
                    .where(User.username == "boss").execute())
    resp = await client.post(url, json={"mode": "shout"})
    assert resp.status == 400
    assert_error(await resp.json(), "mode")
    resp = await client.post(f"/api/agents/{ids['idle']}/monitor", json={"mode": "listen"})
    assert resp.status == 409
    assert_error(await resp.json(), "agent")

    resp = await client.post(url, json={"mode": "listen"})
    assert resp.status == 201 and (await resp.json())["state"] == "ringing"
    assert ari.requests[0][:2] == ("originate", "PJSIP/boss")
    resp = await client.post(url, json={"mode": "listen"})
    assert resp.status == 409  # one supervisor at a time
    resp = await client.patch(url, json={"mode": "barge"})
    assert resp.status == 200 and (await resp.json())["mode"] == "barge"
    assert (await client.delete(url)).status == 204
    assert (await client.delete(url)).status == 409  # nobody monitors it any more

    resp = await client.get(f"/api/accounts/{ids['account']}/audit?kind=monitoring")
    entries = (await resp.json())["items"]
    assert sorted((e["action"], (e["after"] or {}).get("mode")) for e in entries) == [
        ("create", "listen"), ("delete", None), ("update", "barge")]
    assert {e["actor"] for e in entries} == {"boss (API token %d)" % entries[0]["actor_token_id"]}


async def test_refused_outside_the_supervisors_reach_before_any_phone_rings(env):
    """From the attacker's side: another account's supervisor, a supervisor whose profile
    lacks the call's campaign, and the account's agent (no manage_campaigns) each try to
    listen to the call, switch, leave, read; every try is refused and nothing is rung."""
    client, store, ari, ids = env
    # a campaign call: its attempt shows the campaign on the session
    await put_on_call(client.server.app[DIALER].agents, ids["idle"], "customer-2", 41,
                      campaign_id=ids["campaign"])

    def attackers() -> dict[str, tuple[dict, str]]:
        other = Account.create(name="Rival", company_number="+12125550111",
                               plan=ServicePlan.select().first(), timezone="UTC")
        autumn = Campaign.create(account=ids["account"], name="autumn")  # not the call's
        narrow = roles.create_profile(ids["account"], "autumn only", False, [autumn.id])["id"]
        return {
            "other account": (bearer(other.id, "supervisor", endpoint="PJSIP/rival"), "account"),
            "narrow profile": (bearer(ids["account"], "supervisor", endpoint="PJSIP/narrow",
                                      profile_id=narrow), "campaign"),
            "agent": (bearer(ids["account"], "agent", endpoint="PJSIP/sneak"), None)}

    url = f"/api/agents/{ids['idle']}/monitor"
    for who, (headers, field) in (await store.run(attackers)).items():
        for method, body in (("POST", {"mode": "listen"}), ("PATCH", {"mode": "barge"}),
                             ("GET", None), ("DELETE", None)):
            resp = await client.request(method, url, json=body, headers=headers)
            assert resp.status == 403, (who, method, resp.status)
            if field is not None:
                assert_error(await resp.json(), field)
    assert ari.requests == []
    resp = await client.get(f"/api/accounts/{ids['account']}/audit?kind=monitoring")
    assert (await resp.json())["items"] == []
