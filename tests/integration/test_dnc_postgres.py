"""Do-not-call lists on a real PostgreSQL: COPY import in batches (repeats and replaces),
the claim-time screen under SKIP LOCKED claims, and the internal list seen by another
connection (another node) at its next claim.

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.compliance import importer, lists
from dialer.db.models.dnc import DncNumber
from dialer.db.models import Account, Campaign, CampaignContact, Contact, ContactPhone, ServicePlan
from dialer.outbound.store import claim_due
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]
NOW = dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.timezone.utc)


def test_copy_import_in_batches_skips_repeats_and_replaces(pg):  # noqa: F811
    dnc = lists.create_list(name="US", scope="system", format="us", as_of="2026-12-01")
    lines = [f"212,{5550000 + i}\n" for i in range(95)] + ["212,5550000\n", "x\n"]
    seen = []
    done = importer.import_lines(dnc.id, lines, on_progress=seen.append, size=20)
    assert [p.count for p in seen] == [20, 40, 60, 80, 95]
    assert (done.status, done.count, done.bad_lines, done.lines_read) == ("ready", 95, 1, 97)
    assert DncNumber.select().count() == 95
    again = importer.import_lines(dnc.id, ["415,5550100\n"], replace=True)
    assert again.count == 1 and DncNumber.select().count() == 1


def test_claims_on_postgres_never_take_a_listed_number(pg):  # noqa: F811
    plan = ServicePlan.create(name="p", all_day=True)
    account = Account.create(name="a", company_number="+12125550100", plan=plan)
    campaign = Campaign.create(account=account, name="c", status="running")
    registry = lists.create_list(name="US", scope="system", format="us", as_of="2026-12-01")
    importer.import_lines(registry.id, [f"212,{5550000 + i}\n" for i in range(0, 40, 2)])
    for i in range(40):
        contact = Contact.create(account=account, name=str(i))
        ContactPhone.create(contact=contact, number=f"+1212555{i:04d}")
        CampaignContact.create(campaign=campaign, contact=contact)
    claimed = claim_due(campaign.id, "n1", 15, NOW) + claim_due(campaign.id, "n2", 40, NOW)
    phones = sorted(c.state.phone for c in claimed)
    assert phones == [f"+1212555{i:04d}" for i in range(1, 40, 2)]
    failed = CampaignContact.select().where(CampaignContact.state == "failed").count()
    assert failed == 20
    # a number listed now (a disposition on another node) is not claimed next time
    CampaignContact.update(state="waiting", claimed_by=None).execute()
    lists.add_to_internal(account.id, "+12125550001")
    again = claim_due(campaign.id, "n3", 40, NOW)
    assert "+12125550001" not in {c.state.phone for c in again}
