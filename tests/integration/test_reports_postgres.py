"""The reports on a real PostgreSQL, through the API: the same seeded day and the same
figures as tests/unit/test_reports_api.py on SQLite (hours as a VALUES list joined to the
attempts, naive UTC timestamps on both, the session log read back per agent).

Needs DIALER_TEST_PG_URL:  export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
"""

from __future__ import annotations

import pytest

from dialer.db import Store
from dialer.web.app import create_app
from tests.integration.test_db_postgres import PG_URL, pg  # noqa: F401 - the fixture
from tests.unit import test_reports_api as on_sqlite
from tests.web_dialer import FakeDialer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="DIALER_TEST_PG_URL is not set"),
]


async def test_the_reports_on_postgres(pg, aiohttp_client):  # noqa: F811
    world = on_sqlite.make_world()
    store = Store(pg)
    try:
        client = await aiohttp_client(create_app(FakeDialer(store, lambda: on_sqlite.NOW)))
        await on_sqlite.check_agents(client, world)
        await on_sqlite.check_campaigns(client, world)
        await on_sqlite.check_dispositions(client, world)
    finally:
        await store.close()
