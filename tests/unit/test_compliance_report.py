"""The compliance report (dialer.compliance.report, report_store, chart): abandonment per
local day against the limit (30 days rolling, or 24 h), calls outside allowed hours
recomputed across zones and DST, do-not-call hits prevented at claim time, the CSV, and the
API from the attacker's side."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from dialer.compliance import importer, lists
from dialer.compliance.chart import abandonment_svg
from dialer.amd.store import evaluation
from dialer.compliance.report import (CSV_COLUMNS, AttemptTime, DayCounts, csv_text,
                                      day_figures, day_slices, outside_hours)
from dialer.compliance.report_store import account_report, campaign_report
from dialer.db import Store, migrate, open_database, roles
from dialer.db.models import (Account, Attempt, Campaign, CampaignContact, Contact, ContactPhone,
                              ServicePlan)
from dialer.outbound.eligibility import CampaignRules, PlanRules
from dialer.outbound.store import claim_due
from dialer.web.app import create_app
from tests.auth_helpers import bearer
from tests.web_dialer import FakeDialer

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.timezone.utc)  # 13:00 EDT, March 10
UTC = dt.timezone.utc


def _utc(*args: int) -> dt.datetime:  # naive UTC, as stored
    return dt.datetime(*args)


# --- pure ---------------------------------------------------------------------------------


def test_local_days_follow_the_zone_across_the_dst_change():
    days = day_slices(NEW_YORK, dt.date(2026, 3, 9), 3)
    assert [(d.day.isoformat(), d.start, d.end) for d in days] == [
        ("2026-03-07", _utc(2026, 3, 7, 5), _utc(2026, 3, 8, 5)),
        ("2026-03-08", _utc(2026, 3, 8, 5), _utc(2026, 3, 9, 4)),  # 23 hours: clocks forward
        ("2026-03-09", _utc(2026, 3, 9, 4), _utc(2026, 3, 10, 4))]


def test_rolling_30_days_or_each_day_against_the_limit():
    day0 = dt.date(2026, 1, 1)
    counts = [DayCounts(day0 + dt.timedelta(days=i), 100, 2) for i in range(35)]
    counts[33] = DayCounts(counts[33].day, 100, 10)  # one bad day: 10%
    counts[34] = DayCounts(counts[34].day, 0, 0)  # no human answered
    us = day_figures(counts, 3, "30d", {counts[33].day: 1})
    assert [(f.day_percent, f.rolling_percent, f.over_limit, f.outside_hours) for f in us] == [
        (2.0, 2.0, False, 0),
        (10.0, round(100 * 68 / 3000, 3), False, 1),  # 2.267% over 30 days: within
        (None, round(100 * 66 / 2900, 3), False, 0)]
    uk = day_figures(counts, 3, "24h", {})
    assert [f.over_limit for f in uk] == [False, True, False]  # the day itself counts


def test_amd_false_positives_count_in_the_percentages_and_apart():
    """People AMD hung up on as machines (estimated) are abandoned humans: added to both the
    abandoned and the humans answered, shown apart from the measured counts."""
    day0 = dt.date(2026, 1, 1)
    counts = [DayCounts(day0, 100, 2, amd_false_positives=1.5),
              DayCounts(day0 + dt.timedelta(days=1), 0, 0, amd_false_positives=0.5)]
    first, second = day_figures(counts, 2, "30d", {})
    assert (first.humans, first.abandoned, first.amd_false_positives) == (100, 2, 1.5)
    assert first.day_percent == round(100 * 3.5 / 101.5, 3)
    assert second.day_percent == 100.0  # nobody measured, one estimated person hung up on
    assert second.rolling_percent == round(100 * 4 / 102, 3)
    assert [f.over_limit for f in day_figures(counts, 2, "24h", {})] == [True, True]


def test_outside_hours_in_each_callees_zone_across_dst():
    plan, campaign = PlanRules(), CampaignRules(home_region="US")  # 08:00-21:00 callee-local
    attempts = [
        AttemptTime(1, "+12125550100", None, _utc(2026, 3, 6, 12, 30)),  # 07:30 EST: out
        AttemptTime(2, "+12125550100", None, _utc(2026, 3, 9, 12, 30)),  # 08:30 EDT: in
        AttemptTime(3, "+12135550100", None, _utc(2026, 3, 6, 15, 30)),  # 07:30 PST: out
        AttemptTime(4, "+12135550100", None, _utc(2026, 3, 9, 15, 30)),  # 08:30 PDT: in
        AttemptTime(5, "+442079460000", None, _utc(2026, 3, 27, 20, 30)),  # 20:30 GMT: in
        AttemptTime(6, "+442079460000", None, _utc(2026, 3, 30, 20, 30)),  # 21:30 BST: out
        # the contact's own zone wins over the number's: 07:00 in Los Angeles
        AttemptTime(7, "+12125550100", "America/Los_Angeles", _utc(2026, 3, 9, 14, 0)),
    ]
    found = outside_hours(attempts, campaign, plan)
    assert [c.attempt_id for c in found] == [1, 3, 6, 7]
    assert "America/New_York" in found[0].reason and "07:30" in found[0].reason
    daily = CampaignRules(home_region="US", daily_start=dt.time(9), daily_stop=dt.time(17),
                          timezone="Europe/London")  # the campaign's hours, in its zone
    assert [c.attempt_id for c in outside_hours(attempts[1:2], campaign,
                                                PlanRules(all_day=True))] == []
    london = [AttemptTime(8, "+12125550100", None, _utc(2026, 3, 27, 8, 30)),  # 08:30 GMT
              AttemptTime(9, "+12125550100", None, _utc(2026, 3, 30, 8, 30)),  # 09:30 BST
              attempts[0]]  # 12:30 GMT
    assert [c.attempt_id for c in outside_hours(london, daily, PlanRules(all_day=True))] == [8]


# --- the database -------------------------------------------------------------------------


def make_world():
    plan = ServicePlan.create(name="base")  # the default window: 08:00-21:00 callee-local
    account = Account.create(name="a", company_number="+12125550100", plan=plan,
                             timezone="America/New_York")
    campaign = Campaign.create(account=account, name="=spring", status="running")
    return account, campaign


@pytest.fixture
def world(db):
    return make_world()


def _attempt(account, campaign, phone, started_at, outcome, zone=None):
    contact = Contact.create(account=account, name=phone, timezone=zone)
    return Attempt.create(campaign=campaign, contact=contact, phone=phone, outcome=outcome,
                          channel_id=f"c-{Attempt.select().count()}", started_at=started_at)


def _seed(account, campaign):
    """March 8 (local): 1 abandoned of 4 humans; March 9: 0 of 1, and a call at 07:30 EDT;
    March 10: nothing yet. An attempt at 02:30 UTC on March 9 is still March 8 in New York
    (and 21:30 in Chicago, the contact's zone: outside the window)."""
    for hour, outcome in [(14, "human"), (15, "human"), (16, "abandoned"), (17, "machine")]:
        _attempt(account, campaign, "+12125550100", _utc(2026, 3, 8, hour), outcome)
    _attempt(account, campaign, "+12125550101", _utc(2026, 3, 9, 2, 30), "human",
             "America/Chicago")
    late = _attempt(account, campaign, "+12125550102", _utc(2026, 3, 9, 11, 30), "human")
    return late


def test_campaign_report_on_seeded_attempts(world):
    account, campaign = world
    late = _seed(account, campaign)
    registry = lists.create_list(name="US DNC", scope="system", format="us", source="FTC",
                                 as_of="2026-03-01")
    importer.import_lines(registry.id, ["212,5550199\n"])
    contact = Contact.create(account=account, name="listed")
    ContactPhone.create(contact=contact, number="+12125550199")
    CampaignContact.create(campaign=campaign, contact=contact)
    assert claim_due(campaign.id, "n1", 10, NOW) == []  # screened out, and recorded

    report = campaign_report(campaign.id, 3, NOW)
    assert report is not None and report.timezone == "America/New_York"
    figures = [(d.day.isoformat(), d.humans, d.abandoned, d.day_percent, d.over_limit,
                d.outside_hours, d.dnc_prevented) for d in report.days]
    assert figures == [("2026-03-08", 4, 1, 25.0, True, 1, 0),
                       ("2026-03-09", 1, 0, 0.0, True, 1, 0),  # 30 days: 1 of 5, still over
                       ("2026-03-10", 0, 0, None, True, 0, 1)]
    assert report.days[1].rolling_percent == 20.0 and report.measured_over == "30d"
    assert [c.attempt_id for c in report.outside_hours][1] == late.id
    assert [(h.list_name, h.hits) for h in report.dnc_by_list] == [("US DNC", 1)]
    assert report.consent_recorded == ("consent_announced" in Attempt._meta.fields)

    rows = list(csv.reader(io.StringIO(csv_text((report,)))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 4
    assert rows[1][:12] == [str(campaign.id), "'=spring", "2026-03-08", "4", "1", "0.0", "25.0",
                            "25.0", "30d", "3.0", "yes", "1"]
    svg = abandonment_svg(report)
    assert svg.count('class="day"') == 2 and 'class="limit"' in svg


def test_machines_decided_by_amd_add_their_estimated_false_positives(world):
    """Each detector's machines times its shipped false-positive share, at the campaign's
    machine threshold; a machine no detector decided adds nothing."""
    account, campaign = world
    _seed(account, campaign)  # one machine on March 8, no detector recorded
    Campaign.update(amd_machine_threshold=0.8).where(Campaign.id == campaign.id).execute()
    for minute, detector in enumerate(["classifier"] * 6 + ["app_amd"] * 4):
        a = _attempt(account, campaign, "+12125550103", _utc(2026, 3, 9, 15, minute), "machine")
        Attempt.update(amd_detector=detector).where(Attempt.id == a.id).execute()
    figures = evaluation()
    estimate = 6 * figures.share("classifier", 0.8) + 4 * figures.share("app_amd")
    assert figures.share("classifier", 0.8) > 0 and figures.share("app_amd") > 0
    day8, day9, _ = campaign_report(campaign.id, 3, NOW).days
    assert (day8.humans, day8.abandoned, day8.amd_false_positives) == (4, 1, 0.0)
    assert (day9.humans, day9.abandoned) == (1, 0)
    assert day9.amd_false_positives == round(estimate, 2)
    assert day9.day_percent == round(100 * estimate / (1 + estimate), 3)


def test_a_24h_campaign_is_held_to_each_day(world):
    account, campaign = world
    Campaign.update(abandon_window="24h").where(Campaign.id == campaign.id).execute()
    _seed(account, campaign)
    report = campaign_report(campaign.id, 3, NOW)
    assert [(d.day.isoformat(), d.over_limit) for d in report.days] == [
        ("2026-03-08", True), ("2026-03-09", False), ("2026-03-10", False)]
    assert report.measured_over == "24h"


def test_account_report_keeps_to_the_campaigns_shown(world):
    account, campaign = world
    other = Campaign.create(account=account, name="autumn")
    assert [r.campaign_id for r in account_report(account.id, None, 1, NOW).campaigns] == [
        campaign.id, other.id]
    assert [r.campaign_id for r in account_report(account.id, (other.id,), 1, NOW).campaigns
            ] == [other.id]


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
async def api(tmp_path, aiohttp_client):
    db = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(db)
    plan = ServicePlan.create(name="base")
    a = Account.create(name="a", company_number="+12125550100", plan=plan,
                       timezone="America/New_York")
    b = Account.create(name="b", company_number="+12125550100", plan=plan)
    spring = Campaign.create(account=a, name="spring", status="running")
    autumn = Campaign.create(account=a, name="autumn")
    _seed(a, spring)
    narrow = roles.create_profile(a.id, "autumn only", False, [autumn.id])["id"]
    tokens = {"manager": bearer(a.id, "campaign manager", "m"),
              "narrow": bearer(a.id, "campaign manager", "n", profile_id=narrow),
              "agent": bearer(a.id, "agent", "g"), "other": bearer(b.id, "campaign manager", "o")}
    db.close()
    store = Store(db)
    client = await aiohttp_client(create_app(FakeDialer(store, lambda: NOW)))
    yield client, tokens, {"a": a.id, "spring": spring.id, "autumn": autumn.id}
    await store.close()


async def test_api_json_and_csv(api):
    client, tokens, ids = api
    manager = tokens["manager"]
    resp = await client.get(f"/api/campaigns/{ids['spring']}/compliance-report?days=3",
                            headers=manager)
    assert resp.status == 200
    body = await resp.json()
    assert [d["abandoned"] for d in body["days"]] == [1, 0, 0]
    assert body["days"][0]["day"] == "2026-03-08" and len(body["outside_hours"]) == 2
    resp = await client.get(f"/api/accounts/{ids['a']}/compliance-report?format=csv&days=2",
                            headers=manager)
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert 'filename="compliance-account-' in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await resp.text())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r[1], r[2]) for r in rows[1:]] == [("spring", "2026-03-09"), ("spring", "2026-03-10"),
                                                ("autumn", "2026-03-09"), ("autumn", "2026-03-10")]
    for query, field in [("days=0", "days"), ("days=x", "days"), ("days=400", "days"),
                         ("format=xml", "format")]:
        resp = await client.get(f"/api/campaigns/{ids['spring']}/compliance-report?{query}",
                                headers=manager)
        assert resp.status == 400 and (await resp.json())["error"]["field"] == field


async def test_api_attackers_other_account_lower_role_outside_the_profile(api):
    client, tokens, ids = api
    spring, account = f"/api/campaigns/{ids['spring']}", f"/api/accounts/{ids['a']}"
    for who in ("other", "agent"):
        for url in (spring, account):
            resp = await client.get(f"{url}/compliance-report", headers=tokens[who])
            assert resp.status == 403, (who, url)
    resp = await client.get(f"{spring}/compliance-report", headers=tokens["narrow"])
    assert resp.status == 403
    body = await (await client.get(f"{account}/compliance-report",
                                   headers=tokens["narrow"])).json()
    assert [c["campaign_name"] for c in body["campaigns"]] == ["autumn"]
    resp = await client.get(f"{account}/compliance-report?format=csv", headers=tokens["narrow"])
    assert "spring" not in await resp.text()
    assert (await client.get(f"{spring}/compliance-report")).status == 401
