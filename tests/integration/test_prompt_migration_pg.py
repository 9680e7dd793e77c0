"""Migration 011 on a real PostgreSQL (DIALER_TEST_PG_URL), in a schema of its own."""

from __future__ import annotations

import uuid

from dialer.db import open_database
from tests.integration.test_db_postgres import PG_URL, admin, pytestmark  # noqa: F401
from tests.prompt_migration import check_migration_011


def test_migration_011_turns_stored_media_uris_into_prompt_names():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    db = open_database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}&max_connections=4")
    try:
        check_migration_011(db)
    finally:
        db.close_all()
        admin(f'DROP SCHEMA "{schema}" CASCADE')
