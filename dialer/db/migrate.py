"""Schema migrations with peewee-migrate.

Migration files live in `dialer/db/migrations/NNN_name.py`. After changing models,
generate the next one from the models and review it:

    python -m dialer.db.migrate make <name>

The unit tests fail while the models and the migrations disagree.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import peewee as pw
from peewee_migrate import Router

from .models import MODELS

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger("dialer.db.migrate")


def router(db: pw.Database) -> Router:
    return Router(db, migrate_dir=MIGRATIONS_DIR, logger=log)


def migrate(db: pw.Database) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied.

    Idempotent: when the schema is current it returns [] and changes nothing.
    """
    return router(db).run()


def make_migration(db: pw.Database, name: str) -> str | None:
    """Write the migration that takes `db`'s migrated schema to the current models.

    Returns its name, or None when the models need no migration.
    """
    created = router(db).create(name, auto=list(MODELS))
    if created:  # the template leaves trailing blanks; keep the committed file lint-clean
        path = MIGRATIONS_DIR / f"{created}.py"
        lines = [line.rstrip() for line in path.read_text().splitlines()]
        path.write_text("\n".join(lines) + "\n")
    return created


if __name__ == "__main__":  # python -m dialer.db.migrate make <name>
    from .database import open_database

    if len(sys.argv) != 3 or sys.argv[1] != "make":
        sys.exit("usage: python -m dialer.db.migrate make <name>")
    logging.basicConfig(level=logging.INFO)
    print(make_migration(open_database("sqlite:///:memory:"), sys.argv[2]))
