"""Fixtures shared by unit tests that use a database."""

from __future__ import annotations

import pytest

from dialer.db import migrate, open_database


@pytest.fixture
def db(tmp_path):
    """A migrated SQLite file database, bound to the models."""
    database = open_database(f"sqlite:///{tmp_path}/dialer.db")
    migrate(database)
    yield database
    database.close()
