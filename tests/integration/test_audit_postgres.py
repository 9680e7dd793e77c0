"""The audit log on a real PostgreSQL: entries with the actor, before and after (JSON text),
none for a refused change, the filters (time included) and paging.

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.db import audit, campaign_admin, listing
from dialer.db.audit import AuditFilters
from dialer.db.models import Account, AuditEntry, ServicePlan
from dialer.db.validation import FieldError
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]


def test_campaign_changes_are_audited_on_postgres(pg):  # noqa: F811
    account = Account.create(name="a", company_number="+12125550100",
                             plan=ServicePlan.create(name="p"))
    token = audit.ACTOR.set(audit.Actor(7, "zoe", 3, system=False))
    try:
        c = campaign_admin.create_campaign(account.id, name="Spring")
        campaign_admin.update_campaign(c["id"], ring_timeout_seconds=20)
        with pytest.raises(FieldError) as refused:
            campaign_admin.update_campaign(c["id"], abandon_target_percent=4)
        assert refused.value.field == "abandon_target_percent"
        campaign_admin.add_caller_id(c["id"], "+12125550123")
    finally:
        audit.ACTOR.reset(token)
    assert AuditEntry.select().count() == 3  # the refused change left none
    page = listing.list_entries(account.id, 2, 0, AuditFilters(kind="campaign"))
    assert page["total"] == 3 and len(page["items"]) == 2
    caller_id, ring = page["items"]
    assert (ring["before"]["ring_timeout_seconds"], ring["after"]["ring_timeout_seconds"]) == (
        30, 20)
    assert caller_id["after"]["caller_ids"] == ["+12125550123"]
    assert {(e["actor"], e["actor_user_id"], e["actor_token_id"]) for e in page["items"]} == {
        ("zoe (API token 3)", 7, 3)}
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    assert listing.list_entries(account.id, 10, 0, AuditFilters(since=later))["total"] == 0
    assert listing.list_entries(account.id, 10, 0, AuditFilters(until=later))["total"] == 3
    assert listing.list_entries(account.id + 1, 10, 0)["total"] == 0
