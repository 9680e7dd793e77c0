"""Portable custom fields.

Each one subclasses a plain peewee field and stores the same column type on SQLite and
PostgreSQL, so peewee-migrate writes them into migrations as their peewee base class
(TextField, CharField, DateTimeField) and no custom import is needed there.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import peewee as pw


def utcnow() -> dt.datetime:
    """Current time as naive UTC, the only datetime form stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def to_naive_utc(value: dt.datetime) -> dt.datetime:
    """Aware -> naive UTC; naive values are taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class UTCDateTimeField(pw.DateTimeField):
    """DATETIME/TIMESTAMP holding naive UTC.

    Aware values are converted on the way in (writes and WHERE comparisons), so callers
    may pass either; values read back are always naive UTC. Storing aware values would be
    wrong on PostgreSQL (a TIMESTAMP column converts them through the session time zone)
    and would break text ordering on SQLite (mixed '+00:00' suffixes).
    """

    def db_value(self, value):
        if isinstance(value, dt.datetime):
            value = to_naive_utc(value)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime):
            value = to_naive_utc(value)
        return value


class JSONField(pw.TextField):
    """A JSON document in a TEXT column: same behaviour on SQLite and PostgreSQL.

    Deliberately not jsonb: we never query inside these documents in SQL, and TEXT keeps
    both back ends and their migrations identical.
    """

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class EnumValueError(ValueError):
    """A value outside an EnumField's set: the input's fault (the API answers 400)."""

    def __init__(self, field: str, value, values: tuple[str, ...]):
        super().__init__(f"{field}: {value!r} is not one of {values}")
        self.field = field
        self.message = f"{value!r} is not one of: {', '.join(values)}"
        self._made_of = (field, value, values)

    def __reduce__(self):  # pickled whole (reads in reader processes raise it)
        return type(self), self._made_of


class EnumField(pw.CharField):
    """VARCHAR limited to a fixed set of strings, checked in Python before it reaches SQL.

    No CHECK constraint on purpose: adding a value then needs no migration.
    """

    def __init__(self, values, max_length: int = 32, **kwargs):
        self.values = tuple(values)
        super().__init__(max_length=max_length, choices=[(v, v) for v in self.values], **kwargs)

    def db_value(self, value):
        if value is not None and value not in self.values:
            raise EnumValueError(self.name, value, self.values)
        return super().db_value(value)


E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")


class E164Field(pw.CharField):
    """A phone number already normalised to E.164 (+ and up to 15 digits).

    Checked by `validate()`, which `BaseModel.save()` calls, and not in `db_value()`:
    lookups with raw caller IDs ("anonymous", national formats) must simply not match,
    not raise. Bulk `insert()`/`update()` queries skip the check: normalise first.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        if value is not None and not E164_RE.match(value):
            raise ValueError(f"{self.name}: {value!r} is not an E.164 number")
