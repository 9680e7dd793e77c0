"""Rows as tuples or dicts, typed: peewee's stubs say `.tuples()` and `.dicts()` yield
model instances."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import peewee as pw


def tuples(query: pw.SelectBase) -> Iterator[tuple[Any, ...]]:
    return iter(query.tuples())


def dicts(query: pw.SelectBase) -> Iterator[dict[str, Any]]:
    return iter(query.dicts())
