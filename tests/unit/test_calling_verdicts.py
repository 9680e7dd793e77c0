"""Per-number caps across an account's campaigns, counted when the attempt is written, and
the verdict each attempt keeps (GET /api/attempts/{id}/compliance), from the attacker's
side too."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.compliance import importer, lists
from dialer.compliance import store as compliance
from dialer.db import Store, campaigns, migrate, open_database, roles
from dialer.db.models import (Account, Attempt, AttemptCompliance, Campaign, CampaignContact,
                              Contact, ContactPhone, ServicePlan)
from dialer.outbound import store as dialing
from dialer.outbound.model import RulesCheck
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

NOW = dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.timezone.utc)  # 11:00 in Miami
MIAMI = "+13055550123"
_channels = iter(range(10**6))


def _contact(account, campaign, phone=MIAMI):
    contact = Contact.create(account=account, name=phone)
    ContactPhone.create(contact=contact, number=phone)
    return CampaignContact.create(campaign=campaign, contact=contact)


def _dial(campaign_id: int, now: dt.datetime, node: str = "n1") -> int | None:
    """Claim the campaign's due contact and write its attempt as the shell does."""
    [claim] = dialing.claim_due(campaign_id, node, 1, now)
    settings = dialing.campaign_settings(campaign_id)
    return dialing.start_attempt(cc_id=claim.cc_id, phone=claim.phone, caller_id=None,
                                 channel_id=f"c{next(_channels)}", node=node, now=now,
                                 rules=RulesCheck.of(settings, claim))


def _done(attempt_id: int, now: dt.datetime) -> None:
    Attempt.update(outcome="no_answer", ended_at=now).where(Attempt.id == attempt_id).execute()
    cc = Attempt.get_by_id(attempt_id)
    (CampaignContact.update(state="waiting", claimed_by=None, next_attempt_at=None)
     .where((CampaignContact.contact == cc.contact_id)).execute())


@pytest.fixture
def world(db):
    plan = ServicePlan.create(name="base")
    account = Account.create(name="a", company_number="+12125550100", plan=plan)
    other = Account.create(name="b", company_number="+12125550100", plan=plan)
    spring = Campaign.create(account=account, name="spring", status="running")
    autumn = Campaign.create(account=account, name="autumn", status="running")
    theirs = Campaign.create(account=other, name="theirs", status="running")
    return spring, autumn, theirs


def test_florida_cap_counts_the_accounts_calls_across_campaigns_only(world):
    spring, autumn, theirs = world
    for campaign in world:
        _contact(campaign.account, campaign)
    first = _dial(spring.id, NOW)
    _done(first, NOW)
    second = _dial(autumn.id, NOW + dt.timedelta(hours=1))
    _done(second, NOW + dt.timedelta(hours=1))
    assert _dial(theirs.id, NOW + dt.timedelta(hours=1)) is not None  # another account's
    third = _dial(spring.id, NOW + dt.timedelta(hours=2))
    assert third is not None
    _done(third, NOW + dt.timedelta(hours=2))
    # the fourth call within 24 h: the claim's check says why and when
    [claim] = dialing.claim_due(autumn.id, "n1", 1, NOW + dt.timedelta(hours=3))
    assert len(claim.history) == 3
    settings = dialing.campaign_settings(autumn.id)
    verdict = RulesCheck.of(settings, claim).verdict(claim.history, NOW + dt.timedelta(hours=3))
    assert verdict.codes == ("number_cap",)
    assert verdict.next_possible_at == NOW + dt.timedelta(hours=24)
    why = campaigns.why_not(autumn.id, claim.contact_id, NOW + dt.timedelta(hours=3))
    assert [r["code"] for r in why["reasons"]] == ["number_cap"]
    assert "501.616(6)(b)" in why["reasons"][0]["message"]
    assert why["next_possible_at"] == (NOW + dt.timedelta(hours=24)).isoformat()
    # and the write refuses it even if a node skipped the check (the count under the lock)
    assert dialing.start_attempt(cc_id=claim.cc_id, phone=claim.phone, caller_id=None,
                                 channel_id="late", node="n1", now=NOW + dt.timedelta(hours=3),
                                 rules=RulesCheck.of(settings, claim)) is None
    assert Attempt.select().where(Attempt.phone == MIAMI).count() == 4


def test_account_caps_and_a_listed_number_are_refused_at_write_time(world):
    spring, autumn, _ = world
    account = spring.account
    compliance.set_account_calling_rules(account.id, {"max_per_number_day": 1})
    _contact(account, spring)
    cc = _contact(account, autumn, "+12125550199")
    _done(_dial(spring.id, NOW), NOW)
    [claim] = dialing.claim_due(spring.id, "n1", 1, NOW + dt.timedelta(hours=1))
    assert "the account's setting" in RulesCheck.of(
        dialing.campaign_settings(spring.id), claim).verdict(
        claim.history, NOW + dt.timedelta(hours=1)).reasons[0].message
    # listed after its claim: the attempt is not written
    [claim] = dialing.claim_due(autumn.id, "n1", 1, NOW)
    own = lists.create_list(name="own", scope="account", format="e164", account_id=account.id)
    importer.import_lines(own.id, ["+12125550199"])
    assert dialing.start_attempt(cc_id=cc.id, phone=claim.phone, caller_id=None, channel_id="x",
                                 node="n1", now=NOW, rules=RulesCheck.of(
                                     dialing.campaign_settings(autumn.id), claim)) is None


def test_each_attempt_keeps_its_verdict_and_a_recomputation_matches(world):
    spring, _, _ = world
    _contact(spring.account, spring)
    registry = lists.create_list(name="US DNC", scope="system", format="us", source="FTC",
                                 as_of=NOW.date().isoformat())
    importer.import_lines(registry.id, ["212,5550000\n"])
    attempt_id = _dial(spring.id, NOW)
    kept = AttemptCompliance.get(AttemptCompliance.attempt == attempt_id).verdict
    assert kept["eligible"] is True and kept["jurisdictions"] == ["US", "US-FL"]
    assert kept["zones"] == [{"zone": "America/New_York",
                              "local_time": "2026-12-03T11:00:00-05:00"}]
    assert {r["source"] for r in kept["rules"]} == {
        "Fla. Stat. s. 501.616(6)(a) (2021 SB 1120)", "Fla. Stat. s. 501.616(6)(b) (2021 SB 1120)"}
    assert [(c["limit"], c["count"]) for c in kept["caps"]] == [(3, 0)]
    assert kept["lists"] == [{"name": "US DNC", "as_of": "2026-12-03", "registry": True,
                              "listed": False}]
    answer = compliance.attempt_compliance(attempt_id)
    assert answer["matches"] is True and answer["differences"] == []
    # the account changes its rules afterwards: the recomputation says what differs
    compliance.set_account_calling_rules(spring.account_id, {"max_per_number_week": 5})
    assert compliance.attempt_compliance(attempt_id)["differences"] == ["rules", "caps"]


# --- API, from the attacker's side -------------------------------------------------------


@pytest.fixture
async def api(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    a = Account.create(name="a", company_number="+12125550100", plan=plan)
    b = Account.create(name="b", company_number="+12125550100", plan=plan)
    spring = Campaign.create(account=a, name="spring", status="running")
    autumn = Campaign.create(account=a, name="autumn", status="running")
    _contact(a, spring)
    attempt_id = _dial(spring.id, NOW)
    narrow = roles.create_profile(a.id, "autumn only", False, [autumn.id])["id"]
    tokens = {"manager": bearer(a.id, "campaign manager", "m"),
              "narrow": bearer(a.id, "campaign manager", "n", profile_id=narrow),
              "agent": bearer(a.id, "agent", "g"), "other": bearer(b.id, "campaign manager", "o")}
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, lambda: NOW)))
    yield client, tokens, {"a": a.id, "b": b.id, "spring": spring.id, "attempt": attempt_id}
    await store.close()


async def test_api_compliance_of_an_attempt_and_who_may_see_it(api):
    client, tokens, ids = api
    url = f"/api/attempts/{ids['attempt']}/compliance"
    resp = await client.get(url, headers=tokens["manager"])
    assert resp.status == 200
    body = await resp.json()
    assert body["matches"] is True and body["verdict"]["jurisdictions"] == ["US", "US-FL"]
    for who in ("other", "agent", "narrow"):  # other account, lower role, outside profile
        resp = await client.get(url, headers=tokens[who])
        assert resp.status in (403, 404), who
    resp = await client.get("/api/attempts/999999/compliance", headers=tokens["manager"])
    assert resp.status == 404


async def test_api_account_calling_rules_validated_and_kept_to_the_account(api):
    client, tokens, ids = api
    url = f"/api/accounts/{ids['a']}/calling-rules"
    resp = await client.put(url, headers=tokens["manager"], json={
        "max_per_number_day": 2, "closed_days": ["2026-12-24", "2026-12-31"]})
    assert resp.status == 200
    assert (await resp.json())["closed_days"] == ["2026-12-24", "2026-12-31"]
    for body, field in [({"max_per_number_day": 0}, "max_per_number_day"),
                        ({"closed_days": ["24/12"]}, "closed_days"),
                        ({"closed_days": "2026-12-24"}, "closed_days"),
                        ({"sneaky": 1}, "sneaky")]:
        resp = await client.put(url, headers=tokens["manager"], json=body)
        assert resp.status == 400 and (await resp.json())["error"]["field"] == field, body
    resp = await client.put(url, headers=tokens["other"], json={"max_per_number_day": 100})
    assert resp.status == 403
    resp = await client.get(url, headers=tokens["agent"])
    assert resp.status == 403
    resp = await client.put(f"/api/campaigns/{ids['spring']}/calling-purpose",
                            headers=tokens["manager"], json={"purpose": "debt_collection"})
    assert resp.status == 200
    resp = await client.put(f"/api/campaigns/{ids['spring']}/calling-purpose",
                            headers=tokens["manager"], json={"purpose": "anything"})
    assert resp.status == 400 and (await resp.json())["error"]["field"] == "purpose"
    resp = await client.put(f"/api/campaigns/{ids['spring']}/calling-purpose",
                            headers=tokens["narrow"], json={"purpose": "informational"})
    assert resp.status == 403
    shipped = await (await client.get("/api/calling-rules", headers=tokens["agent"])).json()
    assert all(r["source"] for r in shipped["rules"])
