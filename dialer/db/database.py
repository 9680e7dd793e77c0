"""Open the database from a URL, and run peewee work off the event loop.

Peewee is synchronous. Rather than an async ORM, the dialer runs plain peewee functions
in worker threads through `Store` (DESIGN.md section 2): one function = one transaction,
and it returns plain values to the event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import multiprocessing
import pickle
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Awaitable, Callable, MutableMapping, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import peewee as pw
from playhouse.pool import PooledPostgresqlDatabase

from .models import database_proxy


class _NoQueryParameters(logging.Filter):
    """peewee logs each query with its parameters at DEBUG: password hashes, CSRF tokens,
    contacts' personal data. Keep the SQL, drop the values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            sql, params = record.msg
            record.msg = (sql, f"<{len(params or ())} parameter(s)>")
        return True


logging.getLogger("peewee").addFilter(_NoQueryParameters())

T = TypeVar("T")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer, nor the writer readers
    "foreign_keys": 1,
    "busy_timeout": 5000,  # ms to wait for another process's write lock
    "synchronous": "normal",  # safe with WAL; a power cut may lose the last commits only
}
# Query parameters of a postgresql:// URL that configure the pool, not libpq.
PG_POOL_DEFAULTS = {"max_connections": 10, "stale_timeout": 300, "timeout": 10}


def open_database(url: str, *, bind: bool = True) -> pw.Database:
    """Open `url` and (by default) bind the models' proxy to it.

    - ``sqlite:///relative.db``, ``sqlite:////absolute.db``, ``sqlite:///:memory:``:
      WAL, foreign keys on, busy timeout, and BEGIN IMMEDIATE for every transaction
      (takes the write lock up front, so a read-then-write transaction never fails
      half-way with SQLITE_BUSY when another process writes). An in-memory database
      exists per connection, i.e. per thread: use it only through one `Store`.
    - ``postgresql://user:pass@host:port/db[?max_connections=10&stale_timeout=300&timeout=10]``
      (also ``postgres://``): a thread-safe connection pool over psycopg 3. Other
      query parameters go to libpq (e.g. ``connect_timeout``, ``options``).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError(f"expected sqlite:///path, got {url!r}")
        db: pw.Database = pw.SqliteDatabase(
            path.split("?", 1)[0], pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
    elif parts.scheme in ("postgresql", "postgres"):
        libpq = dict(parse_qsl(parts.query))
        pool = {k: int(libpq.pop(k, v)) for k, v in PG_POOL_DEFAULTS.items()}
        conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(libpq), ""))
        # peewee 4 picks psycopg 3 by itself when psycopg2 is absent; say so explicitly.
        db = PooledPostgresqlDatabase(conninfo, prefer_psycopg3=True, **pool)
    else:
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}")
    if bind:
        database_proxy.initialize(db)
    return db


def is_postgres(db: pw.Database | pw.DatabaseProxy) -> bool:
    return isinstance(getattr(db, "obj", db), pw.PostgresqlDatabase)


class Store:
    """Async facade over a peewee database.

    ``await store.run(fn, *args)`` calls ``fn(*args)`` in a worker thread inside
    ``db.atomic()``: one function = one transaction, rolled back if it raises.

    ``fn`` must return plain values (ints, dicts, tuples, lists of those): never model
    instances or queries. Those are lazy (a FK attribute or iteration runs SQL later),
    and that SQL would then run on the event-loop thread, outside the transaction, and on
    SQLite outside the single writer.

    Threads: SQLite gets exactly one (so writes are serialised in-process and the one
    connection is reused); PostgreSQL gets ``threads`` (default 4) sharing the pool, each
    call borrowing a connection and returning it.

    ``await store.read(fn, *args)`` is for reads that may take long (reports, charts,
    listings the console polls): they never queue behind the runtime's writes. Given the
    database's URL (``read_url``, as `dialer serve` gives it), a module-level ``fn`` runs
    in one of ``readers`` reader processes, each with its own connection: its Python work
    (decoding rows, building pages and CSV) then never holds the GIL the event loop
    needs; its arguments and result are pickled. Other callables (closures), or without a
    URL, run on ``readers`` reader threads with their own connections. SQLite in WAL mode
    reads a snapshot while the writer writes; PostgreSQL lends a connection of a pool. An
    in-memory SQLite database exists per connection: its reads stay on the writer.

    Cancelling the awaiting task does not stop ``fn``: its transaction still commits.
    """

    def __init__(self, db: pw.Database, *, threads: int = 4, readers: int = 2,
                 read_url: str | None = None):
        self.db = db
        self.pooled = is_postgres(db)
        workers = threads if self.pooled else 1
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="dialer-db")
        self._readers = readers if self.pooled or db.database != ":memory:" else 0
        self._reader = (ThreadPoolExecutor(self._readers, thread_name_prefix="dialer-db-read")
                        if self._readers else self._executor)
        self._read_url = read_url if self._readers else None
        self._processes: ProcessPoolExecutor | None = None  # started on first use
        self._broken_workers: list[MutableMapping[int, Any]] = []  # of pools that broke (_kill_workers)
        # told ("write" or "read", the function, seconds) after each call (dialer.metrics)
        self.observe: Callable[[str, Callable, float], None] | None = None

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` as one transaction in a worker thread."""
        return await self._timed("write", fn, self._submit(fn, args, kwargs, atomic=True))

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Like `run` but without the surrounding transaction, for functions that
        manage their own (e.g. ``migrate``)."""
        return await self._timed("write", fn, self._submit(fn, args, kwargs, atomic=False))

    async def read(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run the read-only ``fn(*args, **kwargs)`` as one transaction (one consistent
        snapshot) in a reader process or thread, beside the writer."""
        return await self._timed("read", fn, self._read(fn, args, kwargs))

    async def _timed(self, kind: str, fn: Callable, work: Awaitable[T]) -> T:
        """`work`'s result; its time, queueing included, told to `observe`."""
        started = time.perf_counter()
        try:
            return await work
        finally:
            if self.observe is not None:
                self.observe(kind, fn, time.perf_counter() - started)

    async def _read(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        url = self._read_url
        if url is None or not _importable(fn):
            return await self._submit(fn, args, kwargs, atomic=True, read=True)
        job = functools.partial(_read_in_reader_process, fn, args, kwargs)
        try:
            return await self._in_reader_process(job, url)
        except BrokenProcessPool:  # a reader died (killed, out of memory): new ones, once
            return await self._in_reader_process(job, url)

    async def _in_reader_process(self, job: Callable[[], T], url: str) -> T:
        if self._processes is None:
            self._processes = ProcessPoolExecutor(
                self._readers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_open_reader_process, initargs=(url,))
        pool = self._processes
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool:
            if self._processes is pool:
                self._processes = None
            workers = pool._processes  # the pool's own dict: a late worker is added to it
            pool.shutdown(wait=False)
            if workers is not None:
                self._broken_workers.append(workers)
                _kill_workers(workers)
            raise

    async def close(self) -> None:
        """Finish queued work, then close the connection(s)."""
        if not self.pooled:  # a SQLite connection belongs to the thread that opened it
            await self.call(self.db.close)
            if self._readers:
                await asyncio.to_thread(self._close_reader_connections)
        for executor in {self._executor, self._reader, self._processes}:
            if executor is not None:
                await asyncio.to_thread(executor.shutdown, wait=True)
        for workers in self._broken_workers:
            _kill_workers(workers)
        if isinstance(self.db, PooledPostgresqlDatabase):
            self.db.close_all()

    def _close_reader_connections(self) -> None:
        """One job per reader thread (the barrier holds each until all are taken), each
        closing its own thread's connection."""
        barrier = threading.Barrier(self._readers)

        def close_mine():
            barrier.wait()
            self.db.close()
        for job in [self._reader.submit(close_mine) for _ in range(self._readers)]:
            job.result()

    def _submit(self, fn, args, kwargs, atomic, read=False):
        loop = asyncio.get_running_loop()
        # the caller's context (the audit log's actor) goes with the job into the thread
        job = functools.partial(contextvars.copy_context().run, self._invoke, fn, args, kwargs,
                                atomic, read)
        return loop.run_in_executor(self._reader if read else self._executor, job)

    def _invoke(self, fn, args, kwargs, atomic, read=False):
        return _transaction(self.db, fn, args, kwargs, atomic, read)


def _transaction(db: pw.Database, fn, args, kwargs, atomic: bool, read: bool):
    pooled = is_postgres(db)
    db.connect(reuse_if_open=True)
    try:
        if not atomic:
            return fn(*args, **kwargs)
        # A reader's SQLite transaction must not take the write lock (the database's
        # default is BEGIN IMMEDIATE): DEFERRED only reads a snapshot.
        deferred = {"lock_type": "DEFERRED"} if read and not pooled else {}
        with db.atomic(**deferred):
            return fn(*args, **kwargs)
    finally:
        if pooled:
            db.close()  # back to the pool


def _kill_workers(workers: MutableMapping[int, Any]) -> None:
    """Kill a broken pool's workers still alive. A worker killed while idle holds the job
    queue's lock for good; CPython 3.11 may start one more worker for a job submitted while
    the pool breaks, after it has terminated the others: that worker waits forever on the
    lock, and the pool's thread (which the interpreter joins at exit) waits forever for it."""
    for worker in list(workers.values()):
        if worker.is_alive():
            worker.kill()


def _importable(fn: Callable) -> bool:
    """A function pickle can send by name to another process (no lambda, no closure)."""
    return (getattr(fn, "__module__", None) is not None
            and "<" not in getattr(fn, "__qualname__", "<"))


_reader_db: pw.Database | None = None  # in a reader process


def _open_reader_process(url: str) -> None:
    global _reader_db
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends its readers
    _reader_db = open_database(url)


def _read_in_reader_process(fn, args, kwargs):
    """In a reader process: `fn` as one read transaction. An exception that would not
    come back through pickle whole (peewee's per-model DoesNotExist classes, exceptions
    whose constructor differs from their args) is sent as the nearest that does."""
    assert _reader_db is not None, "a reader process opens its database first"
    try:
        return _transaction(_reader_db, fn, args, kwargs, atomic=True, read=True)
    except pw.DoesNotExist as exc:
        raise pw.DoesNotExist(*exc.args) from None
    except pw.PeeweeException as exc:  # e.g. DataError, holding the driver's exception
        raise type(exc)(str(exc)) from None
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - any failure to round-trip
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise
