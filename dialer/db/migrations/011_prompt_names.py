"""Migration 011_prompt_names.py: audio fields hold prompt names, not ARI media URIs.

"sound:vm-goodbye" becomes "vm-goodbye" (the dialer adds "sound:" itself). A stored value
that is no safe prompt name (a URL, "recording:...", a comma-separated list) is replaced by
the default: the shipped safe-harbour prompt, or none (the default machine message).
"""

import re

import peewee as pw
from peewee_migrate import Migrator

# The rule of dialer.core.asterisk_input at the time of this migration.
_SAFE = re.compile(r"[a-z0-9_-]{1,64}(/[a-z0-9_-]{1,64})?")
_FIELDS = (("campaign", "machine_message", None),
           ("campaign", "safe_harbour_message", "tt-allbusy"),
           ("account", "voicemail_greeting", None))


def _rewrite(database: pw.Database, to_name: bool) -> None:
    param = database.param
    for table, column, default in _FIELDS:
        rows = database.execute_sql(
            f'SELECT id, {column} FROM "{table}" WHERE {column} IS NOT NULL').fetchall()
        for row_id, value in rows:
            if to_name:
                name = value[len("sound:"):] if value.startswith("sound:") else value
                new = name if _SAFE.fullmatch(name) else default
            else:
                new = "sound:" + value
            if new != value:
                database.execute_sql(f'UPDATE "{table}" SET {column} = {param} WHERE id = {param}',
                                     (new, row_id))


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.run(_rewrite, database, True)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.run(_rewrite, database, False)
