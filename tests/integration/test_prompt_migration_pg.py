"""Migration 011 on a real PostgreSQL (DIALER_TEST_PG_URL), in a schema of its own."""

from tests.integration.test_db_postgres import pg, pytestmark  # noqa: F401  (fixture, marks)
from tests.prompt_migration import check_migration_011


def test_migration_011_turns_stored_media_uris_into_prompt_names(pg):  # noqa: F811
    check_migration_011(pg)
