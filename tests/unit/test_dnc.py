"""Do-not-call lists at registry scale (dialer.compliance): parsers, streamed import, the
claim-time screen, freshness, dispositions and rule actions, the API from the attacker's
side, the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys

import pytest

from dialer.compliance import importer, lists
from dialer.compliance.decisions import ListAge, stale_reason
from dialer.db.models.dnc import DncList, DncNumber
from dialer.compliance.parsers import BadLine, ListFormat, parse
from dialer.compliance.store import listed
from dialer.db import Store, campaigns, migrate, open_database, roles, scripts, suppression
from dialer.db.models import (Account, Agent, Attempt, Campaign, CampaignContact, Contact,
                              ContactPhone, ServicePlan, User)
from dialer.outbound.rules import RuleSpec
from dialer.outbound.store import claim_due, finish_attempt
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

NOW = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.timezone.utc)
TODAY = NOW.date()


# --- parsers --------------------------------------------------------------------------------


def test_us_registry_lines_and_bad_lines_by_line_number():
    lines = ["201,2345678\n", "\n", "# header\n", "2125550100\n", "212-555-0101\n",
             "101,2345678\n", "212,555\n", "1 (415) 555-0100\n", "999,2345678\n"]
    assert list(parse(lines, ListFormat.US, "US")) == [
        12012345678, 12125550100, 12125550101,
        BadLine(6, "101,2345678", "not a US area code + 7-digit number"),
        BadLine(7, "212,555", "not a US area code + 7-digit number"),
        14155550100,
        BadLine(9, "999,2345678", "invalid for region US")]


def test_uk_tps_lines_read_as_gb_whatever_the_list_region():
    lines = ["020 7946 0000\n", "+44 7911 123456\n", "07911123457\n", "12\n", "0800 00\n"]
    parsed = list(parse(lines, ListFormat.UK, "US"))
    assert parsed[:3] == [442079460000, 447911123456, 447911123457]
    assert [(b.line, b.reason) for b in parsed[3:]] == [(4, "too short"),
                                                        (5, "invalid for region GB")]


def test_e164_list_reads_national_numbers_in_its_region():
    assert list(parse(["+33 1 42 68 53 00", "01 42 68 53 01", "x"], ListFormat.E164, "FR")) == [
        33142685300, 33142685301, BadLine(3, "x", "not a number")]


def test_csv_with_a_named_column_counts_physical_lines():
    lines = ['name,Phone,note\n', 'a,+12125550100,x\n', 'b,,y\n', '"multi\n',
             'line",212 555 0102,z\n', 'c,junk,z\n']
    assert list(parse(lines, ListFormat.CSV, "US", column="phone")) == [
        12125550100, BadLine(3, "b,,y", "no value in column 'phone'"), 12125550102,
        BadLine(6, "junk", "not a number")]
    [missing] = parse(lines, ListFormat.CSV, "US", column="mobile")
    assert missing.line == 1 and "no column named 'mobile'" in missing.reason


def test_stale_reason_counts_days_past_the_limit():
    fresh = ListAge(1, "US", TODAY - dt.timedelta(days=31))
    old = ListAge(2, "US", TODAY - dt.timedelta(days=32))
    assert stale_reason((fresh,), 31, TODAY) is None
    reason = stale_reason((fresh, old, ListAge(3, "TPS", None)), 31, TODAY)
    assert reason is not None and "'US' (as of 2026-11-02)" in reason
    assert "'TPS' (as of never)" in reason and "31-day" in reason


# --- import and claims ------------------------------------------------------------------------


@pytest.fixture
def world(db):
    plan = ServicePlan.create(name="base", all_day=True)
    account = Account.create(name="a", company_number="+12125550100", plan=plan)
    other = Account.create(name="b", company_number="+12125550100", plan=plan)
    campaign = Campaign.create(account=account, name="spring", status="running")
    return account, other, campaign


def _contact(account, campaign, phone, client_id=None):
    contact = Contact.create(account=account, name=phone, client_id=client_id)
    ContactPhone.create(contact=contact, number=phone)
    return CampaignContact.create(campaign=campaign, contact=contact)


def _registry(scope="system", as_of=TODAY, **where) -> int:
    return lists.create_list(name="US DNC", scope=scope, format="us", source="FTC",
                             as_of=as_of.isoformat(), **where).id


def test_import_streams_batches_with_progress_and_keeps_bad_lines(world):
    list_id = _registry()
    seen = []
    lines = (f"212,{5550000 + i}\n" for i in range(25))
    done = importer.import_lines(list_id, list(lines) + ["junk\n", "212,5550000\n"],
                                 on_progress=seen.append, size=10)
    assert [p.lines_read for p in seen] == [10, 20, 27]
    assert (done.status, done.count, done.bad_lines) == ("ready", 25, 1)
    assert done.errors == ({"line": 26, "text": "junk",
                            "reason": "not a US area code + 7-digit number"},)
    again = importer.import_lines(list_id, ["415,5550100\n"], replace=True,
                                  as_of=TODAY + dt.timedelta(days=1))
    assert again.count == 1 and DncNumber.select().count() == 1
    assert DncList.get_by_id(list_id).as_of == TODAY + dt.timedelta(days=1)


def test_claims_skip_listed_numbers_in_any_format_and_say_which_list(world):
    account, other, campaign = world
    importer.import_lines(_registry(), ["212,5550101\n"])
    mine = lists.create_list(name="own", scope="account", format="e164", account_id=account.id)
    importer.import_lines(mine.id, ["(212) 555-0102"])  # national, read in the region
    theirs = lists.create_list(name="theirs", scope="account", format="e164",
                               account_id=other.id)
    importer.import_lines(theirs.id, ["+12125550103"])
    legacy = suppression.create_list(account.id, name="legacy", kind="device")
    suppression.add_entries(legacy["id"], ["+12125550104"])
    suppression.attach_to_campaign(legacy["id"], campaign.id)
    opt_out = suppression.create_list(account.id, name="opt-outs", kind="client_id")
    suppression.add_entries(opt_out["id"], ["C9"])
    suppression.attach_to_campaign(opt_out["id"], campaign.id)
    ccs = [_contact(account, campaign, f"+1212555010{i}") for i in range(1, 6)]
    ccs.append(_contact(account, campaign, "+12125550106", client_id="C9"))
    claimed = claim_due(campaign.id, "n1", 10, NOW)
    assert [c.cc_id for c in claimed] == [ccs[2].id, ccs[4].id]  # 0103: another account's
    reasons = {cc.id: (cc.state, cc.last_reason) for cc in CampaignContact.select()}
    assert reasons[ccs[0].id] == ("failed", "+12125550101 is on do-not-call list 'US DNC' "
                                            "(as of 2026-12-04)")
    assert reasons[ccs[1].id] == ("failed", "+12125550102 is on do-not-call list 'own'")
    assert reasons[ccs[3].id] == ("failed", "+12125550104 is on do-not-call list 'legacy'")
    assert reasons[ccs[5].id] == ("failed", "client id 'C9' is on do-not-call list 'opt-outs'")


def test_a_stale_registry_stops_the_campaign_and_why_not_says_so(world):
    account, _, campaign = world
    list_id = _registry(as_of=TODAY - dt.timedelta(days=40))
    cc = _contact(account, campaign, "+12125550109")
    assert claim_due(campaign.id, "n1", 10, NOW) == []
    assert CampaignContact.get_by_id(cc.id).state == "waiting"  # never claimed
    why = campaigns.why_not(campaign.id, cc.contact_id, NOW)
    assert not why["eligible"]
    [stale] = [r for r in why["reasons"] if r["code"] == "dnc_registry_stale"]
    assert "'US DNC' (as of 2026-10-25)" in stale["message"]
    lists.set_max_age(campaign.id, 45)  # the campaign's own limit
    assert [c.cc_id for c in claim_due(campaign.id, "n1", 10, NOW)] == [cc.id]
    lists.set_max_age(campaign.id, 31)
    DncList.update(as_of=TODAY).where(DncList.id == list_id).execute()
    codes = [r["code"] for r in campaigns.why_not(campaign.id, cc.contact_id, NOW)["reasons"]]
    assert "dnc_registry_stale" not in codes


def test_do_not_call_disposition_and_rule_list_the_number_at_once(world):
    account, _, campaign = world
    first, second = (_contact(account, campaign, p) for p in ("+12125550111", "+12125550112"))
    user = User.create(account=account, username="al", password_hash="!")
    agent = Agent.create(user=user, endpoint="PJSIP/al")
    attempt = Attempt.create(campaign=campaign, contact=first.contact, phone="+12125550111",
                             channel_id="c1", agent=agent, started_at=NOW)
    scripts.set_disposition(attempt.id, "DNC", now=NOW)
    assert set(listed(campaign.id, ["+12125550111", "+12125550112"])) == {"+12125550111"}
    other = Campaign.create(account=account, name="autumn", status="running")
    assert set(listed(other.id, ["+12125550111"])) == {"+12125550111"}  # account-wide
    attempt2 = Attempt.create(campaign=campaign, contact=second.contact, phone="+12125550112",
                              channel_id="c2", started_at=NOW)
    decision = finish_attempt(attempt2.id, outcome="human", ended_at=NOW, connected=True,
                              rules=[RuleSpec(1, {}, "do_not_call")], max_attempts=3)
    assert decision.do_not_call and decision.state == "failed"
    [internal] = DncList.select().where(DncList.format == "internal")
    assert (internal.count, internal.registry, internal.account_id) == (2, False, account.id)
    assert lists.check_number(account.id, "212-555-0112").listed


def test_a_disposition_meaning_do_not_call_lists_the_number_whatever_its_code(world):
    account, _, campaign = world
    contact = _contact(account, campaign, "+12125550113").contact
    script = scripts.create_script(account.id, name="s", definition=[], dispositions=[
        "sale", {"code": "opt_out", "label": "Opted out", "meaning": "do_not_call"}])
    Campaign.update(script=script["id"]).where(Campaign.id == campaign.id).execute()
    attempt = Attempt.create(campaign=campaign, contact=contact, phone="+12125550113",
                             channel_id="c3", started_at=NOW)
    assert scripts.set_disposition(attempt.id, "sale", now=NOW)["meaning"] == "final"
    assert not lists.check_number(account.id, "+12125550113").listed
    assert scripts.set_disposition(attempt.id, "opt_out", now=NOW)["meaning"] == "do_not_call"
    assert lists.check_number(account.id, "+12125550113").listed


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
async def api(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    a = Account.create(name="a", company_number="+12125550100", plan=plan)
    b = Account.create(name="b", company_number="+12125550100", plan=plan)
    campaign = Campaign.create(account=a, name="spring")
    autumn = Campaign.create(account=a, name="autumn")
    narrow = roles.create_profile(a.id, "spring only", False, [campaign.id])["id"]
    lists.create_list(name="autumn list", scope="campaign", format="e164",
                      campaign_id=autumn.id)
    tokens = {"admin": bearer(a.id), "manager": bearer(a.id, "campaign manager", "m"),
              "narrow": bearer(a.id, "campaign manager", "n", profile_id=narrow),
              "agent": bearer(a.id, "agent", "g"), "other": bearer(b.id, "campaign manager", "o")}
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, lambda: NOW)))
    yield client, tokens, {"a": a.id, "b": b.id, "campaign": campaign.id}
    await store.close()


async def _wait_ready(client, headers, list_id) -> dict:
    for _ in range(200):
        body = await (await client.get(f"/api/dnc-lists/{list_id}", headers=headers)).json()
        if body["status"] != "importing":
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("import did not finish")


async def test_api_create_upload_progress_and_check(api):
    client, tokens, ids = api
    manager = tokens["manager"]
    resp = await client.post("/api/dnc-lists", headers=manager, json={
        "name": "registry", "scope": "account", "format": "us", "as_of": "2026-12-01"})
    assert resp.status == 201
    created = await resp.json()
    assert (created["account_id"], created["status"]) == (ids["a"], "empty")
    body = "".join(f"212,{5550000 + i}\n" for i in range(120)) + "bad line\n"
    resp = await client.put(f"/api/dnc-lists/{created['id']}/numbers", data=body.encode(),
                            headers=manager)
    assert resp.status == 202 and (await resp.json())["status"] == "importing"
    done = await _wait_ready(client, manager, created["id"])
    assert (done["status"], done["count"], done["bad_lines"], done["lines_read"]) == (
        "ready", 120, 1, 121)
    assert done["errors"][0]["line"] == 121
    resp = await client.get("/api/dnc-check", params={"phone": "(212) 555-0007"},
                            headers=manager)
    assert (await resp.json())["listed"] is True
    resp = await client.get("/api/dnc-check", params={"phone": "nope"}, headers=manager)
    assert resp.status == 400 and (await resp.json())["error"]["field"] == "phone"
    resp = await client.post("/api/dnc-lists", headers=manager, json={
        "name": "x", "scope": "account", "format": "pdf"})
    assert resp.status == 400 and (await resp.json())["error"]["field"] == "format"


async def test_api_attackers_other_account_lower_role_and_system_lists(api):
    client, tokens, ids = api
    resp = await client.post("/api/dnc-lists", headers=tokens["manager"], json={
        "name": "mine", "scope": "account", "format": "e164"})
    mine = (await resp.json())["id"]
    other = tokens["other"]
    for method, url in [("GET", f"/api/dnc-lists/{mine}"), ("DELETE", f"/api/dnc-lists/{mine}"),
                        ("PUT", f"/api/dnc-lists/{mine}/numbers")]:
        resp = await client.request(method, url, headers=other, data=b"+12125550100\n")
        assert resp.status == 403, (method, url)
    listing = await (await client.get("/api/dnc-lists", headers=other)).json()
    assert listing["items"] == []
    resp = await client.post("/api/dnc-lists", headers=other, json={
        "name": "theirs", "scope": "account", "format": "e164", "account_id": ids["a"]})
    assert resp.status == 403
    resp = await client.post("/api/dnc-lists", headers=other, json={
        "name": "theirs", "scope": "campaign", "format": "e164", "campaign_id": ids["campaign"]})
    assert resp.status == 403
    resp = await client.get(f"/api/dnc-lists/{mine}", headers=tokens["agent"])
    assert resp.status == 403
    autumn = (await (await client.get("/api/dnc-lists", headers=tokens["manager"])).json())
    [autumn_id] = [r["id"] for r in autumn["items"] if r["name"] == "autumn list"]
    narrow = (await (await client.get("/api/dnc-lists", headers=tokens["narrow"])).json())
    assert [r["name"] for r in narrow["items"]] == ["mine"]  # not the other campaign's
    resp = await client.get(f"/api/dnc-lists/{autumn_id}", headers=tokens["narrow"])
    assert resp.status == 403
    resp = await client.post("/api/dnc-lists", headers=tokens["manager"], json={
        "name": "US", "scope": "system", "format": "us"})
    assert resp.status == 403
    resp = await client.post("/api/dnc-lists", headers=tokens["admin"], json={
        "name": "US", "scope": "system", "format": "us"})
    assert resp.status == 201
    system = (await resp.json())["id"]
    for token in (tokens["manager"], other):
        assert (await client.get(f"/api/dnc-lists/{system}", headers=token)).status == 403
        assert (await client.delete(f"/api/dnc-lists/{system}", headers=token)).status == 403
    assert (await client.get(f"/api/dnc-lists/{system}", headers=tokens["admin"])).status == 200


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_imports_a_registry_file_with_progress(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    src = tmp_path / "us.txt"
    src.write_text("".join(f"415,{5550000 + i}\n" for i in range(30)) + "nope\n")
    result = subprocess.run(
        [sys.executable, "-m", "dialer.cli", "dnc", "import", str(src), "--format", "us",
         "--as-of", "2026-12-01", "--name", "US"],
        env={**os.environ, "DIALER_DATABASE_URL": url}, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert "30 numbers, 1 bad lines, ready" in result.stdout
    assert "31 lines read" in result.stderr and "line 31: not a US area code" in result.stderr
    db = open_database(url)
    [dnc] = DncList.select()
    assert (dnc.count, dnc.as_of, dnc.scope) == (30, dt.date(2026, 12, 1), "system")
    db.close()
