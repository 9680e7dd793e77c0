"""Issue 19: the campaigns' abandonment `/metrics` reads per scrape, on a real PostgreSQL:
today in the account's zone, the campaign's rolling window, only campaigns that may dial."""

from __future__ import annotations

import datetime as dt

from dialer.db.models import Account, Attempt, Campaign
from dialer.metrics.store import Abandonment, campaign_abandonment
from tests.integration.test_db_postgres import pg, pytestmark, seed  # noqa: F401 - the fixture

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.timezone.utc)  # 10:00 in New York


def test_abandonment_today_and_over_the_window(pg):  # noqa: F811 - the fixture
    with pg.atomic():
        account, _, campaign, contact = seed()
        Account.update(timezone="America/New_York").where(Account.id == account.id).execute()
        Campaign.update(status="running", abandon_target_percent=3.0).where(
            Campaign.id == campaign.id).execute()
        Campaign.create(account=account, name="draft")  # may not dial: not listed
        calls = [(NOW - dt.timedelta(hours=1), "abandoned"), (NOW - dt.timedelta(hours=2), "human"),
                 (NOW - dt.timedelta(hours=3), "machine"),
                 (NOW - dt.timedelta(hours=16), "abandoned"),  # yesterday in New York
                 (NOW - dt.timedelta(days=10), "human"),
                 (NOW - dt.timedelta(days=31), "abandoned")]  # outside the 30 days
        for number, (started, outcome) in enumerate(calls):
            Attempt.create(campaign=campaign, contact=contact, phone="+12125550100",
                           channel_id=f"out-{number}", started_at=started, outcome=outcome)
        found = campaign_abandonment(NOW)
    assert found == (Abandonment(campaign.id, account.id, abandoned_today=1, humans_today=2,
                                 abandoned_window=2, humans_window=4, limit_percent=3.0),)
