"""The relay's SQLite engine: one file, one process, one writer thread with group commit.

SQLite allows one writer; funnelling every write through one thread keeps the event loop free and lets
concurrent writers share a commit: the writer drains its queue, runs each job (a transaction of
``transactions.py``) inside a SAVEPOINT of one transaction, commits once (WAL, ``synchronous=FULL``: durable
when COMMIT returns) and only then resolves the jobs' futures. A notification is therefore acknowledged only
after its row is on disk. Reads run on a second connection on their own thread.

A caller that gives up (a deadline, a kiosk hanging up) cancels its future: a job not started yet is then
skipped, a job already running still commits. Either way the writer thread carries on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from kiosk.commandline import CommandError, InstanceLock
from kiosk.files import create_private

from . import transactions
from .interface import ClusterLink, StorageError
from .schema import SQLITE, migrate, params
from .transactions import Transaction, TransactionalStorage

log = logging.getLogger("kiosk.relay.storage")

#: The store counts as full when it cannot grow by this much more (the disk, or SQLite's ``max_page_count``).
MIN_ROOM_BYTES = 16 * 1024 * 1024

T = TypeVar("T")
P = ParamSpec("P")


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def _exclusive_lock(path: Path) -> InstanceLock:
    """One relay per SQLite file: it must be the only writer. The OS drops the lock if the process dies."""
    lock_path = path.with_name(path.name + ".lock")
    create_private(lock_path)  # 0600 like every file of the relay's; InstanceLock opens it as it is
    lock = InstanceLock(lock_path, "another relay")
    try:
        lock.acquire()
    except CommandError as exc:
        raise StorageError(str(exc)) from None
    return lock


# ---- the writer thread ----------------------------------------------------------------------------------


class _Job:
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        self.fn = fn
        self.future: concurrent.futures.Future[Any] = concurrent.futures.Future()


class Writer:
    """One thread that runs every write job; jobs queued together share one transaction and one commit."""

    MAX_BATCH = 500

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        #: When the batch being written started (monotonic), None while the thread waits for work.
        self._busy_since: float | None = None
        #: Test seam: raise from here to simulate a failing disk.
        self.fail_writes: Exception | None = None
        self._thread = threading.Thread(target=self._loop, name="relay-db-writer", daemon=True)
        self._thread.start()

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in a transaction on the writer thread; returns once it is committed."""
        job = _Job(fn)
        if self._closed:
            raise StorageError("storage is closed")
        if not self._thread.is_alive():
            raise StorageError("the storage writer has stopped")  # never queue a job nobody will run
        self._queue.put(job)
        if not self._thread.is_alive():
            self._fail_queued()  # it stopped just now, after draining the queue
        # Cancelling the awaiting task cancels the job's future: skipped if it has not started (see _run_batch).
        result: T = await asyncio.wrap_future(job.future)
        return result

    def stalled(self, after: float) -> str | None:
        """Why no write can make progress: the thread has stopped, or one batch has run over ``after`` seconds."""
        if not self._thread.is_alive():
            return None if self._closed else "the storage writer has stopped"
        since = self._busy_since
        if since is not None and time.monotonic() - since > after:
            return f"a write has been running for {time.monotonic() - since:.0f} s"
        return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(10)

    def _loop(self) -> None:
        try:
            self._serve()
        finally:
            self._fail_queued()  # however the thread ends, nobody may wait for ever on a job it will not run

    def _fail_queued(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                job = self._queue.get_nowait()
                if job is not None and job.future.set_running_or_notify_cancel():
                    job.future.set_exception(StorageError("the storage writer has stopped"))

    def _serve(self) -> None:
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
            # Claim the jobs: a future whose caller gave up (cancelled) is skipped; a claimed one can no longer be
            # cancelled, so setting its result later cannot fail and stop this thread.
            claimed = [job for job in batch if job.future.set_running_or_notify_cancel()]
            if claimed:
                self._busy_since = time.monotonic()
                try:
                    self._run_batch(claimed)
                except BaseException as exc:  # never leave a caller waiting, never let the writer die
                    log.exception("storage writer failed on a batch")
                    for job in claimed:
                        if not job.future.done():
                            job.future.set_exception(StorageError(f"could not store: {exc}"))
                finally:
                    self._busy_since = None

    def _run_batch(self, batch: list[_Job]) -> None:
        connection = self._connection
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
                    if not connection.in_transaction:
                        raise  # unless SQLite rolled the whole transaction back (a full disk): then it does
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    stored: Exception = (
                        StorageError(f"could not store: {exc}") if isinstance(exc, sqlite3.Error) else exc
                    )
                    results.append((job, None, stored))
                else:
                    connection.execute("RELEASE job")
                    results.append((job, value, None))
            connection.execute("COMMIT")
        except Exception as exc:
            log.error("storage write failed: %s", exc)
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            self._busy_since = None
            error = StorageError(f"could not store: {exc}")
            for job in batch:
                job.future.set_exception(error)
            return
        self._busy_since = None  # before anyone hears of it
        for job, value, failure in results:
            if failure is not None:
                job.future.set_exception(failure)
            else:
                job.future.set_result(value)


# ---- driving the transactions ---------------------------------------------------------------------------


def drive(connection: sqlite3.Connection, transaction: Transaction[T]) -> T:
    """Run ``transaction``'s statements on ``connection`` (inside whatever transaction the caller holds)."""
    try:
        statement = next(transaction)
        while True:
            sql = SQLITE.sql(statement.sql, for_update=statement.for_update)  # no-op here: SQLite has no row locks
            cursor = connection.execute(sql, params(statement.params))
            result: Any
            if statement.fetch == "count":
                result = cursor.rowcount
            elif statement.fetch == "one":
                row = cursor.fetchone()
                result = SQLITE.row(row) if row is not None else None
            else:
                result = [SQLITE.row(row) for row in cursor.fetchall()]
            statement = transaction.send(result)
    except StopIteration as done:
        value: T = done.value
        return value


# ---- the engine -----------------------------------------------------------------------------------------


class SQLiteStorage(TransactionalStorage):
    """The relay's SQLite file (a :class:`~kiosk.relay.storage.RelayStorage`): one process, the only writer."""

    #: Several relay processes cannot share it: the hub and the reconciler stay in this process.
    cluster: ClusterLink | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = _exclusive_lock(self.path)
        try:
            create_private(self.path)  # before SQLite creates it: its -wal and -shm files take the same mode
            writer_connection = connect(self.path)
            migrate(writer_connection, SQLITE)
            self._reader_connection = connect(self.path)
        except (sqlite3.Error, OSError, StorageError) as exc:
            self._lock.release()
            raise StorageError(f"cannot open {self.path}: {exc}") from None
        self._writer_connection = writer_connection
        self.writer = Writer(writer_connection)
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="relay-db-reader")
        self._closed = False

    async def _write(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.writer.write(lambda connection: drive(connection, transaction(*args, **kwargs)))

    async def _read(self, transaction: Callable[P, Transaction[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._on_reader(lambda connection: drive(connection, transaction(*args, **kwargs)))

    async def _on_reader(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed:
            raise StorageError("storage is closed")
        return await asyncio.wrap_future(self._reader.submit(fn, self._reader_connection))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.writer.close()
        self._reader.shutdown(wait=True)
        self._reader_connection.close()
        self._writer_connection.close()
        self._lock.release()

    async def aclose(self) -> None:
        self.close()

    async def probe(self) -> None:
        directory = self.path.parent

        def probe(connection: sqlite3.Connection) -> None:
            drive(connection, transactions.probe())
            page_size, pages, most, free = (
                connection.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("page_size", "page_count", "max_page_count", "freelist_count")
            )
            if (most - pages + free) * page_size < MIN_ROOM_BYTES:
                raise StorageError("no room to write: the database has reached its size limit (max_page_count)")
            disk = os.statvfs(directory)
            if disk.f_bavail * disk.f_frsize < MIN_ROOM_BYTES:
                raise StorageError("no room to write: the disk is full")

        await self.writer.write(probe)

    def stalled(self, after: float) -> str | None:
        return self.writer.stalled(after)
