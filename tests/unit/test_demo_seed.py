"""The demo's seed data: a runnable campaign, created once."""

from __future__ import annotations

import peewee as pw

from dialer.core.phones import normalise
from dialer.db.migrate import migrate
from dialer.db.models import Campaign, CampaignContact, database_proxy
from dialer.demo import NUMBERS, seed_demo


def test_seed_is_idempotent_and_numbers_are_e164(tmp_path):
    db = pw.SqliteDatabase(str(tmp_path / "d.sqlite3"))
    migrate(db)
    database_proxy.initialize(db)
    first = seed_demo()
    second = seed_demo()
    assert first == second and len(first["agent_ids"]) == 3
    assert Campaign.select().count() == 1
    assert CampaignContact.select().count() == len(NUMBERS) == len(set(NUMBERS))
    assert all(normalise(n, "US") == n for n in NUMBERS)
    db.close()
