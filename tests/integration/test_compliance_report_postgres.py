"""The compliance report's reads on a real PostgreSQL: the same seeded attempts and
figures as tests/unit/test_compliance_report.py (days as a VALUES list joined to the
attempts, do-not-call hits recorded at claim time, outside-hours recomputation).

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import pytest

from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture
from tests.unit import test_compliance_report as on_sqlite

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]


def test_campaign_report_on_postgres(pg):  # noqa: F811
    on_sqlite.test_campaign_report_on_seeded_attempts(on_sqlite.make_world())


def test_a_24h_campaign_on_postgres(pg):  # noqa: F811
    on_sqlite.test_a_24h_campaign_is_held_to_each_day(on_sqlite.make_world())


def test_account_report_on_postgres(pg):  # noqa: F811
    on_sqlite.test_account_report_keeps_to_the_campaigns_shown(on_sqlite.make_world())
