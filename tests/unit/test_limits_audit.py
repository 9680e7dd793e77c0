"""Issue 17: legal limits a campaign cannot be configured past, the system override, and the
audit log (who changed what, before and after), through the API on a real Store."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from dialer.compliance.limits import LimitSettings, blocked_reason, limit_problems
from dialer.compliance.store import why_not_dialling
from dialer.db import Store, auth, migrate, open_database
from dialer.db.migrate import router
from dialer.db.models import Account, AuditEntry, AuthToken, Campaign, ServicePlan, User
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.prompt_migration import old_campaign
from tests.web_dialer import FakeDialer

GOOD = {"name": "Spring", "mode": "progressive"}


@pytest.fixture
async def env(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    acme = Account.create(name="Acme", company_number="+12125550100", plan=plan)
    other = Account.create(name="Other", company_number="+12125550199", plan=plan)
    headers = {role: bearer(acme.id, role) for role in ("admin", "supervisor",
                                                         "campaign manager", "agent")}
    headers["other"] = bearer(other.id, "supervisor")
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store)))
    yield client, headers, acme.id, other.id, store
    await store.close()


async def _post(client, path, headers, body=None):
    resp = await client.post(path, json=body or {}, headers=headers)
    return resp.status, await resp.json()


def _field(body: dict) -> str:
    return body["error"]["field"]


# ---- the limits -----------------------------------------------------------------------------
@pytest.mark.parametrize("field, value", [
    ("abandon_target_percent", 3.5), ("abandon_target_percent", 50),
    ("ring_timeout_seconds", 14), ("ring_timeout_seconds", 1)])
async def test_a_campaign_past_a_legal_limit_is_refused_naming_the_field(env, field, value):
    client, headers, acme, _, _ = env
    status, body = await _post(client, f"/api/accounts/{acme}/campaigns",
                               headers["campaign manager"], GOOD | {field: value})
    assert status == 400 and _field(body) == field, body
    status, created = await _post(client, f"/api/accounts/{acme}/campaigns",
                                  headers["campaign manager"], GOOD)
    assert status == 201
    resp = await client.patch(f"/api/campaigns/{created['id']}", json={field: value},
                              headers=headers["campaign manager"])
    assert resp.status == 400 and _field(await resp.json()) == field


async def test_the_limits_themselves_are_allowed(env):
    client, headers, acme, _, _ = env
    status, body = await _post(client, f"/api/accounts/{acme}/campaigns", headers["admin"],
                               GOOD | {"abandon_target_percent": 3, "ring_timeout_seconds": 15})
    assert status == 201 and body["regulated"] is True


async def test_an_empty_safe_harbour_message_is_refused(env):
    client, headers, acme, _, _ = env
    for value in ("", "  ", None):
        status, body = await _post(client, f"/api/accounts/{acme}/campaigns", headers["admin"],
                                   GOOD | {"safe_harbour_message": value})
        assert status == 400 and _field(body) == "safe_harbour_message"


def test_safe_harbour_is_needed_only_where_a_callee_may_wait_for_an_agent():
    def settings(mode: str) -> LimitSettings:
        return LimitSettings(True, mode, 3.0, 30, "", caller_ids=1)
    assert [p.field for p in limit_problems(settings("predictive"), starting=True)] == [
        "safe_harbour_message"]
    assert limit_problems(settings("preview"), starting=True) == ()


async def test_a_campaign_starts_only_with_a_caller_id(env):
    client, headers, acme, _, _ = env
    _, campaign = await _post(client, f"/api/accounts/{acme}/campaigns",
                              headers["campaign manager"], GOOD)
    status, body = await _post(client, f"/api/campaigns/{campaign['id']}/start",
                               headers["campaign manager"])
    assert status == 400 and _field(body) == "caller_ids"
    await _post(client, f"/api/campaigns/{campaign['id']}/caller-ids",
                headers["campaign manager"], {"number": "+12125550123"})
    status, body = await _post(client, f"/api/campaigns/{campaign['id']}/start",
                               headers["campaign manager"])
    assert status == 200 and body["status"] == "running"


async def test_clone_keeps_to_the_limits_and_to_the_exemption_holder(env):
    client, headers, acme, _, store = env
    _, exempt = await _post(client, f"/api/accounts/{acme}/campaigns", headers["admin"],
                            GOOD | {"regulated": False, "unregulated_reason": "staff alerts",
                                    "abandon_target_percent": 20})
    # a campaign manager may not copy the exemption: the copy would break the limits
    status, body = await _post(client, f"/api/campaigns/{exempt['id']}/clone",
                               headers["campaign manager"], {"name": "copy"})
    assert status == 400 and _field(body) == "abandon_target_percent"
    status, copy = await _post(client, f"/api/campaigns/{exempt['id']}/clone",
                               headers["admin"], {"name": "copy"})
    assert status == 201 and (copy["regulated"], copy["unregulated_reason"]) == (
        False, "staff alerts")


# ---- the override ---------------------------------------------------------------------------
async def test_only_a_system_administrator_exempts_a_campaign_and_it_is_logged(env, caplog):
    client, headers, acme, _, store = env
    exempt = GOOD | {"regulated": False, "unregulated_reason": "internal notification calls",
                     "abandon_target_percent": 10, "ring_timeout_seconds": 5}
    for role in ("supervisor", "campaign manager"):
        status, body = await _post(client, f"/api/accounts/{acme}/campaigns", headers[role],
                                   exempt)
        assert status == 403 and _field(body) == "regulated", body
    status, body = await _post(client, f"/api/accounts/{acme}/campaigns", headers["admin"],
                               exempt | {"unregulated_reason": None})
    assert status == 400 and _field(body) == "unregulated_reason"
    with caplog.at_level("WARNING", logger="dialer.db.campaign_admin"):
        status, campaign = await _post(client, f"/api/accounts/{acme}/campaigns",
                                       headers["admin"], exempt)
    assert status == 201 and campaign["ring_timeout_seconds"] == 5
    assert "internal notification calls" in caplog.text
    entry = await store.run(lambda: AuditEntry.get(kind="campaign", object_id=campaign["id"]))
    assert entry.after["regulated"] is False
    assert entry.after["unregulated_reason"] == "internal notification calls"
    # a campaign manager may change other settings, not the exemption
    resp = await client.patch(f"/api/campaigns/{campaign['id']}", json={"bcw_seconds": 5},
                              headers=headers["campaign manager"])
    assert resp.status == 200
    resp = await client.patch(f"/api/campaigns/{campaign['id']}",
                              json={"unregulated_reason": "whatever"},
                              headers=headers["campaign manager"])
    assert resp.status == 403 and _field(await resp.json()) == "unregulated_reason"


async def test_a_stored_campaign_past_a_limit_does_not_dial_and_says_why(env):
    """Campaigns from before the limits keep their settings (the migration rewrites none)
    and stop dialling until fixed."""
    _, _, acme, _, store = env

    def stored() -> int:
        return Campaign.create(account=acme, name="old", mode="predictive",
                               abandon_target_percent=50, ring_timeout_seconds=1).id
    campaign_id = await store.run(stored)
    reason = await store.run(why_not_dialling, campaign_id, dt.date(2026, 3, 2))
    assert "abandon_target_percent" in reason and "ring_timeout_seconds" in reason

    def fixed() -> None:
        Campaign.update(abandon_target_percent=3, ring_timeout_seconds=20).where(
            Campaign.id == campaign_id).execute()
    await store.run(fixed)
    assert await store.run(why_not_dialling, campaign_id, dt.date(2026, 3, 2)) is None


def test_an_unregulated_campaign_is_not_blocked():
    assert blocked_reason(LimitSettings(False, "predictive", 50.0, 1, None, 0)) is None
    assert blocked_reason(LimitSettings(True, "predictive", 50.0, 1, None, 0)) is not None


# ---- the audit log --------------------------------------------------------------------------
async def _entries(client, headers, path):
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["items"]


async def test_campaign_changes_are_audited_with_before_and_after(env):
    client, headers, acme, _, _ = env
    who = headers["campaign manager"]
    _, c = await _post(client, f"/api/accounts/{acme}/campaigns", who, GOOD)
    resp = await client.patch(f"/api/campaigns/{c['id']}", json={"bcw_seconds": 7}, headers=who)
    assert resp.status == 200
    statuses = [(await _post(client, f"/api/campaigns/{c['id']}/{path}", who, body))[0]
                for path, body in [
                    ("caller-ids", {"number": "+12125550123"}),
                    ("rules", {"action": "call_again", "condition": {"outcomes": ["busy"]},
                               "params": {"after_minutes": 30}}),
                    ("start", None)]]
    assert statuses == [201, 201, 200]
    entries = await _entries(client, headers["supervisor"],
                             f"/api/accounts/{acme}/audit?kind=campaign&object_id={c['id']}")
    assert [e["action"] for e in entries] == ["update"] * 4 + ["create"]
    start, rule, caller_id, bcw, create = entries
    assert create["before"] is None and create["after"]["name"] == "Spring"
    assert (bcw["before"]["bcw_seconds"], bcw["after"]["bcw_seconds"]) == (0, 7)
    assert (caller_id["before"]["caller_ids"], caller_id["after"]["caller_ids"]) == (
        [], ["+12125550123"])
    assert rule["before"]["rules"] == [] and rule["after"]["rules"][0]["action"] == "call_again"
    assert (start["before"]["status"], start["after"]["status"]) == ("draft", "running")
    assert all(e["actor"].startswith("campaign-manager-") and e["actor_token_id"]
               and e["account_id"] == acme for e in entries)
    # filters: by actor and time
    user_id = entries[0]["actor_user_id"]
    assert len(await _entries(client, headers["supervisor"],
                              f"/api/accounts/{acme}/audit?actor_user_id={user_id}")) == 5
    assert await _entries(client, headers["supervisor"],
                          f"/api/accounts/{acme}/audit?since=2999-01-01T00:00:00Z") == []
    resp = await client.get(f"/api/accounts/{acme}/audit?kind=secrets",
                            headers=headers["supervisor"])
    assert resp.status == 400 and _field(await resp.json()) == "kind"


async def test_users_tokens_roles_profiles_lists_and_plans_are_audited_without_secrets(env):
    client, headers, acme, _, _ = env
    admin = headers["admin"]
    status, user = await _post(client, f"/api/accounts/{acme}/users", admin,
                               {"username": "zoe", "password": "s3cret-pass", "role": "agent"})
    assert status == 201, user
    resp = await client.patch(f"/api/users/{user['id']}", json={"password": "other-pass-1"},
                              headers=admin)
    assert resp.status == 200
    status, token = await _post(client, f"/api/users/{user['id']}/api-tokens", admin,
                                {"name": "ci"})
    assert status == 201
    await client.delete(f"/api/users/{user['id']}/api-tokens/{token['id']}", headers=admin)
    status, profile = await _post(client, f"/api/accounts/{acme}/profiles", admin,
                                  {"name": "north"})
    assert status == 201, profile
    status, sl = await _post(client, f"/api/accounts/{acme}/suppression-lists", admin,
                             {"name": "dnc", "kind": "device"})
    assert status == 201, sl
    await _post(client, f"/api/suppression-lists/{sl['id']}/entries", admin,
                {"values": ["+12125550111", "+12125550112"]})
    status, plan = await _post(client, "/api/plans", admin, {"name": "gold"})
    assert status == 201
    resp = await client.put(f"/api/accounts/{acme}/business-hours",
                            json={"start": "09:00", "stop": "17:00"}, headers=admin)
    assert resp.status == 200

    entries = await _entries(client, admin, f"/api/accounts/{acme}/audit?limit=100")
    kinds = {(e["kind"], e["action"]) for e in entries}
    assert {("user", "create"), ("user", "update"), ("api_token", "create"),
            ("api_token", "delete"), ("profile", "create"), ("suppression_list", "create"),
            ("suppression_list", "update")} <= kinds
    hours = next(e for e in entries if e["kind"] == "account")
    assert (hours["object_id"], hours["before"]["business_start"],
            hours["after"]["business_start"]) == (acme, None, "09:00:00")
    password_change = next(e for e in entries if (e["kind"], e["action"]) == ("user", "update"))
    assert password_change["object_id"] == user["id"]
    assert (password_change["before"]["password_hash"],
            password_change["after"]["password_hash"]) == ("(previous)", "(changed)")
    text = str(entries)
    assert "s3cret-pass" not in text and token["token"] not in text
    assert "argon2" not in text and "$" not in text  # no hash of any kind
    entries_added = next(e for e in entries if (e["kind"], e["action"]) == (
        "suppression_list", "update"))
    assert (entries_added["before"]["entries"], entries_added["after"]["entries"]) == (0, 2)
    # the plan is a system object: in the system log only
    assert all(e["kind"] != "plan" for e in entries)
    system = await _entries(client, admin, "/api/audit?kind=plan")
    assert [(e["object_id"], e["account_id"]) for e in system] == [(plan["id"], None)]


async def test_a_cli_change_is_audited_as_the_command_line(env):
    _, _, acme, _, store = env

    def direct() -> AuditEntry:  # no request: no actor
        auth.create_user(acme, username="cli-made", password="password1", role="agent")
        return AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    entry = await store.run(direct)
    assert (entry.actor, entry.actor_user_id, entry.kind) == ("cli", None, "user")


async def test_a_refused_change_leaves_no_entry(env):
    client, headers, acme, _, store = env
    before = await store.run(AuditEntry.select().count)
    status, _ = await _post(client, f"/api/accounts/{acme}/campaigns", headers["admin"],
                            GOOD | {"ring_timeout_seconds": 2})
    assert status == 400
    assert await store.run(AuditEntry.select().count) == before


# ---- attacker side --------------------------------------------------------------------------
async def test_no_one_reads_an_audit_log_beyond_their_reach(env):
    client, headers, acme, other, _ = env
    await _post(client, f"/api/accounts/{acme}/campaigns", headers["campaign manager"], GOOD)
    for who in ("other",):  # another account's supervisor
        resp = await client.get(f"/api/accounts/{acme}/audit", headers=headers[who])
        assert resp.status == 403
    for who in ("agent", "campaign manager"):  # no manage_users in the account
        resp = await client.get(f"/api/accounts/{acme}/audit", headers=headers[who])
        assert resp.status == 403
    for who in ("supervisor", "other", "agent"):  # the whole log: manage_system only
        resp = await client.get("/api/audit", headers=headers[who])
        assert resp.status == 403
    # their own account's log holds nothing of Acme's (only the fixture's user and token)
    theirs = await _entries(client, headers["other"], f"/api/accounts/{other}/audit")
    assert {e["kind"] for e in theirs} == {"user", "api_token"}
    assert all(e["account_id"] == other for e in theirs)
    resp = await client.get(f"/api/accounts/{acme}/audit")
    assert resp.status == 401


async def test_a_token_stays_secret_in_the_snapshot_of_its_user(env):
    _, _, acme, _, store = env

    def rows() -> tuple[list, list]:
        user = User.select().where(User.account == acme).first()
        token = AuthToken.select().where(AuthToken.user == user.id).first()
        return ([e.after for e in AuditEntry.select().where(AuditEntry.kind == "api_token")],
                [token.token_hash, user.password_hash])
    snapshots, secrets = await store.run(rows)
    assert snapshots and not any(s in str(snapshots) for s in secrets)


async def test_imports_filters_and_do_not_call_lists_are_audited(env):
    client, headers, acme, _, _ = env
    who = headers["campaign manager"]
    _, c = await _post(client, f"/api/accounts/{acme}/campaigns", who, GOOD)
    status, imported = await _post(client, f"/api/accounts/{acme}/contacts/import", who, {
        "csv": "Name,Phone\nAnn,+12125550101\nBob,+12125550102\n", "list_name": "spring",
        "mapping": {"Name": "name", "Phone": "phone"}})
    assert status == 201, imported
    status, f = await _post(client, f"/api/accounts/{acme}/filters", who, {
        "name": "all", "definition": {"all": []}})
    assert status == 201, f
    status, _ = await _post(client, f"/api/campaigns/{c['id']}/filters/{f['id']}", who)
    assert status == 200
    status, dnc = await _post(client, "/api/dnc-lists", who, {
        "name": "opt-outs", "scope": "account", "format": "e164"})
    assert status == 201, dnc
    resp = await client.put(f"/api/dnc-lists/{dnc['id']}/numbers", data=b"+12125550101\n",
                            headers=who)
    assert resp.status == 202, await resp.text()
    resp = await client.put(f"/api/campaigns/{c['id']}/dnc-max-age", json={"max_age_days": 10},
                            headers=who)
    assert resp.status == 200, await resp.text()
    for _ in range(100):  # the import finishes in the background
        if (await (await client.get(f"/api/dnc-lists/{dnc['id']}", headers=who)).json()
                )["status"] == "ready":
            break
        await asyncio.sleep(0.05)

    entries = await _entries(client, headers["supervisor"],
                             f"/api/accounts/{acme}/audit?limit=100")
    by = {(e["kind"], e["object_id"], e["action"]): e for e in reversed(entries)}
    contact_list = by[("contact_list", imported["list_id"], "create")]
    assert contact_list["after"]["name"] == "spring"
    assert by[("filter", f["id"], "create")]["after"]["definition"] == {"all": []}
    attach, max_age = [e for e in entries if (e["kind"], e["object_id"]) == (
        "campaign", c["id"]) and e["action"] == "update"][::-1]
    assert (attach["before"]["contacts"], attach["after"]["contacts"]) == (0, 2)
    assert (max_age["before"]["dnc_max_age_days"], max_age["after"]["dnc_max_age_days"]) == (
        None, 10)
    imported_dnc = [e for e in entries if (e["kind"], e["object_id"]) == ("dnc_list", dnc["id"])]
    assert [e["action"] for e in imported_dnc] == ["update", "update", "create"]
    finished = imported_dnc[0]
    assert (finished["before"]["status"], finished["after"]["status"]) == ("importing", "ready")
    assert finished["after"]["count"] == 1
    assert all(e["actor"].startswith("campaign-manager-") for e in entries
               if e["kind"] in ("dnc_list", "filter", "contact_list"))


def test_migration_022_keeps_a_campaign_past_the_limits_as_it_was_and_stops_it(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/old.db")
    migrate(db)
    while "022_limits_audit" in router(db).done:  # back to before 022: no regulated column
        router(db).rollback()
    assert "regulated" not in {c.name for c in db.get_columns("campaign")}
    account = Account.create(name="Acme", plan=ServicePlan.create(name="p"))
    campaign_id = old_campaign(db, account.id, name="old", mode="predictive",
                               abandon_target_percent=50.0, ring_timeout_seconds=1,
                               status="running")
    assert "022_limits_audit" in migrate(db)
    c = Campaign.get_by_id(campaign_id)
    assert (c.regulated, c.abandon_target_percent, c.ring_timeout_seconds, c.status) == (
        True, 50.0, 1, "running")
    reason = why_not_dialling(campaign_id, dt.date(2026, 3, 2))
    assert reason.startswith("settings break legal limits")
    db.close()
