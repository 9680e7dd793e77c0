"""Peewee models of the dialer.

Conventions (keep them when adding models, and add a migration: see `migrate.py`):

- Every model binds to `database_proxy`; `database.open_database()` initialises it.
  No database is configured at import time.
- Datetimes are **naive UTC** everywhere (`UTCDateTimeField`, `utcnow()`); aware values
  are converted on write. Local wall-clock settings (calling windows) are `TimeField`s
  read in the zone named by a sibling `timezone` column (IANA name, e.g. "Europe/Paris").
- JSON columns are TEXT (`JSONField`), identical on SQLite and PostgreSQL.
- Enumerated strings are `EnumField`s: checked in Python, so a new value needs no migration.
- Phone numbers that must be dialable are `E164Field`s, validated on `save()`.
- Table names are snake_case; `User` lives in "users" because "user" is reserved in PostgreSQL.
- Child rows that mean nothing without their parent (phones, memberships, through tables)
  are deleted with it (ON DELETE CASCADE); history (attempts, voicemails, followups) is not.
"""

from __future__ import annotations

import peewee as pw

database_proxy = pw.DatabaseProxy()

CASCADE = "CASCADE"


class BaseModel(pw.Model):
    id = pw.AutoField()  # peewee's implicit primary key, declared for the type checker

    class Meta:
        database = database_proxy
        # snake_case table names. Not via `legacy_table_names = False`: that also renames
        # indexes, and peewee-migrate's models (always legacy) would then disagree.
        table_function = staticmethod(
            lambda model: pw.make_snake_case(model.__name__))  # type: ignore[attr-defined]  # not in the stubs

    def save(self, *args, **kwargs):
        for field in self._meta.sorted_fields:
            validate = getattr(field, "validate", None)
            if validate is not None:
                validate(getattr(self, field.name))
        return super().save(*args, **kwargs)
