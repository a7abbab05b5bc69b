"""SQLite storage for the relay: one writer thread with group commit, one reader thread.

SQLite allows one writer; funnelling every write through one thread keeps the event loop free and lets
concurrent writers share a commit: the writer drains its queue, runs each job inside a SAVEPOINT of one
transaction, commits once (WAL, ``synchronous=FULL``: durable when COMMIT returns) and only then resolves
the jobs' futures. A notification is therefore acknowledged only after its row is on disk.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kiosk.trade import PAYABLE

log = logging.getLogger(__name__)

T = TypeVar("T")

_PAYABLE = ", ".join(sorted(f"'{state}'" for state in PAYABLE))  # SQL literals: a partial index needs them

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS orders (
    out_trade_no     TEXT PRIMARY KEY,
    store_id         TEXT NOT NULL,
    kiosk_id         TEXT NOT NULL,
    amount_fen       INTEGER NOT NULL,
    description      TEXT NOT NULL,
    attach           TEXT,
    items            TEXT,
    time_expire      TEXT NOT NULL,
    state            TEXT NOT NULL,
    trade_state_desc TEXT,
    version          INTEGER NOT NULL,
    transaction_id   TEXT,
    success_time     TEXT,
    payer_total_fen  INTEGER,
    bank_type        TEXT,
    code_url         TEXT,
    code_url_at      TEXT,
    refunded_fen     INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_payable ON orders(state) WHERE state IN ({_PAYABLE});
CREATE TABLE IF NOT EXISTS notifications (
    id            TEXT PRIMARY KEY,
    event_type    TEXT NOT NULL,
    out_trade_no  TEXT,
    out_refund_no TEXT,
    outcome       TEXT NOT NULL,
    received_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    out_refund_no TEXT PRIMARY KEY,
    out_trade_no  TEXT NOT NULL REFERENCES orders(out_trade_no),
    store_id      TEXT NOT NULL,
    kiosk_id      TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    total_fen     INTEGER NOT NULL,
    reason        TEXT,
    status        TEXT NOT NULL,
    refund_id     TEXT,
    success_time  TEXT,
    error_code    TEXT,
    error_message TEXT,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_by_order ON refunds(out_trade_no);
CREATE TABLE IF NOT EXISTS bills (
    merchant   TEXT NOT NULL,
    bill_date  TEXT NOT NULL,
    bill_type  TEXT NOT NULL,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (merchant, bill_date, bill_type)
);
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    out_trade_no TEXT,
    detail       TEXT
);
"""


class StorageError(Exception):
    """The store could not complete a write (disk full, I/O error, closed)."""


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def _exclusive_lock(path: Path) -> Any:
    """One relay per SQLite file: it must be the only writer. The OS drops the lock if the process dies."""
    handle = open(path.with_name(path.name + ".lock"), "a+b")  # noqa: SIM115 - held for the object's life
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StorageError(f"{path} is in use by another relay process") from None
    return handle


class _Job:
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        self.fn = fn
        self.future: concurrent.futures.Future[Any] = concurrent.futures.Future()


class Database:
    """The relay's SQLite file. ``write`` jobs run in one transaction per batch; ``read`` jobs on a reader."""

    MAX_BATCH = 500

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = _exclusive_lock(self.path)
        self._writer_connection = connect(self.path)
        self._writer_connection.executescript(SCHEMA)
        self._reader_connection = connect(self.path)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="relay-db-writer", daemon=True)
        self._writer.start()
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="relay-db-reader")
        #: Test seam: raise from here to simulate a failing disk.
        self.fail_writes: Exception | None = None

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> concurrent.futures.Future[T]:
        job = _Job(fn)
        if self._closed:
            job.future.set_exception(StorageError("storage is closed"))
        else:
            self._queue.put(job)
        return job.future

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise StorageError("storage is closed")
        return await asyncio.wrap_future(self._reader.submit(fn, self._reader_connection))

    def read_now(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking read for start-up and tests, never from the event loop."""
        return self._reader.submit(fn, self._reader_connection).result()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join(10)
        self._reader.shutdown(wait=True)
        self._reader_connection.close()
        self._writer_connection.close()
        self._lock.close()  # releases the flock

    def _write_loop(self) -> None:
        connection = self._writer_connection
        running = True
        while running:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    running = False
                    break
                batch.append(job)
            self._run_batch(connection, batch)

    def _run_batch(self, connection: sqlite3.Connection, batch: list[_Job]) -> None:
        results: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            if self.fail_writes is not None:
                raise self.fail_writes
            connection.execute("BEGIN IMMEDIATE")
            for job in batch:
                connection.execute("SAVEPOINT job")
                try:
                    value = job.fn(connection)
                except Exception as exc:  # one job's failure must not sink the others in the batch
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    results.append((job, None, exc))
                else:
                    connection.execute("RELEASE job")
                    results.append((job, value, None))
            connection.execute("COMMIT")
        except Exception as exc:
            log.error("storage write failed: %s", exc)
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            error = StorageError(f"could not store: {exc}")
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        for job, value, failure in results:
            if failure is not None:
                job.future.set_exception(failure)
            else:
                job.future.set_result(value)
