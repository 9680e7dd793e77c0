"""Streamed import of a do-not-call file into a `DncList`, in constant memory.

The file is read line by line (parsers.parse) and written in batches, each one
transaction that also moves the list's progress (lines read, bad lines, count), so a
reader of the list sees an import advance and a crash loses at most one batch. SQLite:
executemany of INSERT OR IGNORE; PostgreSQL: COPY into a temporary table, then one
INSERT ... ON CONFLICT DO NOTHING (COPY alone cannot skip a number already listed).
`write_batch` is the one transaction: the CLI calls it directly, the web app through the
Store (so it queues with the runtime's other writes).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from ..db.audit import audited
from ..db.database import is_postgres
from ..db.models import database_proxy
from ..db.models.dnc import DncList, DncNumber
from .parsers import BadLine, ListFormat, parse

BATCH = 50_000  # numbers per transaction
MAX_ERRORS_KEPT = 100  # bad lines stored on the list (all are counted)


@dataclass(frozen=True)
class Batch:
    numbers: tuple[int, ...]
    bad: tuple[BadLine, ...] = ()
    lines: int = 0  # numbers and bad lines read in this batch


@dataclass(frozen=True)
class Progress:
    list_id: int
    status: str
    lines_read: int
    count: int
    bad_lines: int
    errors: tuple[dict, ...] = field(default=())


def batches(lines: Iterable[str], fmt: ListFormat, region: str, column: str | None = None,
            size: int = BATCH) -> Iterator[Batch]:
    """The file's numbers and bad lines, `size` entries at a time."""
    parsed = parse(lines, fmt, region, column)
    while chunk := list(itertools.islice(parsed, size)):
        yield Batch(tuple(n for n in chunk if isinstance(n, int)),
                    tuple(b for b in chunk if isinstance(b, BadLine)), len(chunk))


def _insert_sqlite(list_id: int, numbers: tuple[int, ...]) -> int:
    cursor = database_proxy.cursor()
    cursor.executemany("INSERT OR IGNORE INTO dnc_number (list_id, number) VALUES (?, ?)",
                       ((list_id, n) for n in numbers))
    return cursor.rowcount


def _insert_postgres(list_id: int, numbers: tuple[int, ...]) -> int:
    with database_proxy.connection().cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS dnc_stage (number bigint) "
                       "ON COMMIT DELETE ROWS")
        with cursor.copy("COPY dnc_stage (number) FROM STDIN") as copy:
            copy.write("\n".join(map(str, numbers)) + "\n")
        cursor.execute("INSERT INTO dnc_number (list_id, number) SELECT %s, number "
                       "FROM dnc_stage ON CONFLICT DO NOTHING", (list_id,))
        return cursor.rowcount


def list_format(list_id: int) -> tuple[ListFormat, str]:
    """How the list's files are read: format and region of national numbers."""
    dnc = DncList.get_by_id(list_id)
    return ListFormat(dnc.format), dnc.default_region


@audited("dnc_list")
def start_import(list_id: int, *, replace: bool, as_of: dt.date | None) -> None:
    """Mark the list importing (emptied first when `replace`), with its new as-of date."""
    with database_proxy.atomic():
        dnc = DncList.get_by_id(list_id)
        if replace:
            DncNumber.delete().where(DncNumber.dnc_list == list_id).execute()
            dnc.count = 0
        dnc.status, dnc.lines_read, dnc.bad_lines, dnc.errors = "importing", 0, 0, []
        if as_of is not None:
            dnc.as_of = as_of
        dnc.save()


def write_batch(list_id: int, batch: Batch) -> Progress:
    """One batch in one transaction, with the list's progress."""
    with database_proxy.atomic():
        insert = _insert_postgres if is_postgres(database_proxy) else _insert_sqlite
        added = insert(list_id, batch.numbers) if batch.numbers else 0
        errors = [{"line": b.line, "text": b.text, "reason": b.reason} for b in batch.bad]
        (DncList.update(count=DncList.count + added, lines_read=DncList.lines_read + batch.lines,
                        bad_lines=DncList.bad_lines + len(batch.bad))
         .where(DncList.id == list_id).execute())
        dnc = DncList.get_by_id(list_id)
        if errors and len(dnc.errors) < MAX_ERRORS_KEPT:
            dnc.errors = (dnc.errors + errors)[:MAX_ERRORS_KEPT]
            dnc.save(only=[DncList.errors])
        return progress(dnc)


@audited("dnc_list")
def finish_import(list_id: int, failed: bool = False) -> Progress:
    with database_proxy.atomic():
        DncList.update(status="failed" if failed else "ready").where(
            DncList.id == list_id).execute()
        return progress(DncList.get_by_id(list_id))


def progress(dnc: DncList) -> Progress:
    return Progress(dnc.id, dnc.status, dnc.lines_read, dnc.count, dnc.bad_lines,
                    tuple(dnc.errors))


def import_lines(list_id: int, lines: Iterable[str], *, replace: bool = False,
                 as_of: dt.date | None = None, column: str | None = None,
                 on_progress: Callable[[Progress], None] = lambda p: None,
                 size: int = BATCH) -> Progress:
    """Import a file's lines into the list (in this thread, on its own transactions)."""
    fmt, region = list_format(list_id)
    start_import(list_id, replace=replace, as_of=as_of)
    try:
        for batch in batches(lines, fmt, region, column, size):
            on_progress(write_batch(list_id, batch))
    except BaseException:
        finish_import(list_id, failed=True)
        raise
    return finish_import(list_id)
