"""The relay's SQLite engine: every SQL statement of the relay, one writer thread with group commit.

SQLite allows one writer; funnelling every write through one thread keeps the event loop free and lets
concurrent writers share a commit: the writer drains its queue, runs each job inside a SAVEPOINT of one
transaction, commits once (WAL, ``synchronous=FULL``: durable when COMMIT returns) and only then resolves
the jobs' futures. A notification is therefore acknowledged only after its row is on disk. Reads run on a
second connection on their own thread.

A caller that gives up (a deadline, a kiosk hanging up) cancels its future: a job not started yet is then
skipped, a job already running still commits. Either way the writer thread carries on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from kiosk.clock import parse_rfc3339, rfc3339
from kiosk.commandline import CommandError, InstanceLock
from kiosk.files import create_private
from kiosk.relay.gateway import RefundReport, TradeReport
from kiosk.trade import (
    PAID,
    PAYABLE,
    REFUND_FINAL,
    REFUND_RELEASED,
    RefundStatus,
    TradeState,
    TradeType,
    refund_predecessors,
    trade_predecessors,
)

from .interface import (
    CODEPAY_STEPS,
    CodePayDraft,
    CodePayRecord,
    CodePayStep,
    EventRecord,
    Inserted,
    Mismatch,
    OrderChange,
    OrderDraft,
    OrderRecord,
    Outcome,
    RefundChange,
    RefundDraft,
    RefundRecord,
    StorageError,
)

log = logging.getLogger("kiosk.relay.storage")

#: The store counts as full when it cannot grow by this much more (the disk, or SQLite's ``max_page_count``).
MIN_ROOM_BYTES = 16 * 1024 * 1024

T = TypeVar("T")


def _literals(states: Iterable[str]) -> str:
    """SQL literals for DDL (a partial index cannot take parameters); statements bind their values."""
    return ", ".join(f"'{state}'" for state in sorted(states))


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS orders (
    out_trade_no     TEXT PRIMARY KEY,
    store_id         TEXT NOT NULL,
    kiosk_id         TEXT NOT NULL,
    trade_type       TEXT NOT NULL,
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
    error_code       TEXT,
    failure          TEXT,
    unresolved       INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_payable ON orders(state) WHERE state IN ({_literals(PAYABLE)});
CREATE TABLE IF NOT EXISTS codepay (
    out_trade_no        TEXT PRIMARY KEY REFERENCES orders(out_trade_no),
    payment_code        TEXT NOT NULL,
    device_ip           TEXT NOT NULL,
    charged_at          TEXT NOT NULL,
    step                TEXT NOT NULL,
    next_at             TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    resent              INTEGER NOT NULL DEFAULT 0,
    cancel_requested_at TEXT,
    last_error          TEXT,
    updated_at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS codepay_active ON codepay(step) WHERE step <> '{CodePayStep.DONE}';
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
CREATE TABLE IF NOT EXISTS bill_answers (
    store_id   TEXT NOT NULL,
    bill_date  TEXT NOT NULL,
    bill_type  TEXT NOT NULL,
    body       BLOB NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (store_id, bill_date, bill_type)
);
CREATE TABLE IF NOT EXISTS probe (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    writes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    out_trade_no TEXT,
    detail       TEXT
);
"""


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


# ---- rows -----------------------------------------------------------------------------------------------


#: How columns stored as text (RFC 3339 times, JSON) or integers (flags) are read; every other column as it is.
_TIMES = frozenset(
    {"time_expire", "success_time", "code_url_at", "created_at", "updated_at", "at", "charged_at", "next_at"}
    | {"cancel_requested_at"}
)
_READERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_TIMES, parse_rfc3339),
    **dict.fromkeys(("items", "detail"), json.loads),
    **dict.fromkeys(("unresolved", "resent"), bool),
    "trade_type": TradeType,
    "step": CodePayStep,
}

R = TypeVar("R", OrderRecord, RefundRecord, EventRecord, CodePayRecord)


_COLUMNS = {
    kind: tuple((field.name, _READERS.get(field.name)) for field in dataclasses.fields(kind))
    for kind in (OrderRecord, RefundRecord, EventRecord, CodePayRecord)
}


def _record(kind: type[R], row: sqlite3.Row) -> R:
    """A row as its record: the record's fields are the table's columns."""
    values = {}
    for name, read in _COLUMNS[kind]:
        value = row[name]
        values[name] = read(value) if read is not None and value is not None else value
    return kind(**values)


def _order(row: sqlite3.Row) -> OrderRecord:
    return _record(OrderRecord, row)


def _refund(row: sqlite3.Row) -> RefundRecord:
    return _record(RefundRecord, row)


def _codepay(row: sqlite3.Row) -> CodePayRecord:
    return _record(CodePayRecord, row)


RELEASED = sorted(REFUND_RELEASED)


def _placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def _order_row(connection: sqlite3.Connection, out_trade_no: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)
    ).fetchone()
    return row


def _refund_row(connection: sqlite3.Connection, out_refund_no: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)
    ).fetchone()
    return row


def _codepay_row(connection: sqlite3.Connection, out_trade_no: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM codepay WHERE out_trade_no = ?", (out_trade_no,)
    ).fetchone()
    return row


def _fresh_order(connection: sqlite3.Connection, out_trade_no: str) -> OrderRecord:
    row = _order_row(connection, out_trade_no)
    assert row is not None
    return _order(row)


def _fresh_refund(connection: sqlite3.Connection, out_refund_no: str) -> RefundRecord:
    row = _refund_row(connection, out_refund_no)
    assert row is not None
    return _refund(row)


def _record_event(connection: sqlite3.Connection, at: str, kind: str, out_trade_no: str | None, detail: Any) -> None:
    connection.execute(
        "INSERT INTO events (at, kind, out_trade_no, detail) VALUES (?, ?, ?, ?)",
        (at, kind, out_trade_no, json.dumps(detail, ensure_ascii=False, default=str)),
    )


# ---- the jobs (on the writer thread, inside its transaction) --------------------------------------------


def _advance_order(
    connection: sqlite3.Connection, report: TradeReport, at: str, source: str, mismatch: Mismatch
) -> OrderChange:
    row = _order_row(connection, report.out_trade_no)
    if row is None:
        _record_event(
            connection, at, "unknown_order", report.out_trade_no, {"source": source, "state": report.trade_state}
        )
        return OrderChange("unknown_order", None)
    order = _order(row)
    problem = mismatch(order)
    if not problem and report.total_fen is not None and report.total_fen != order.amount_fen:
        problem = f"amount {report.total_fen} != {order.amount_fen}"
    if problem:
        _record_event(connection, at, "mismatch", report.out_trade_no, {"source": source, "problem": problem})
        log.warning("order %s: %s reports %s; not applied", report.out_trade_no, source, problem)
        return OrderChange("mismatch", order)
    allowed = trade_predecessors(report.trade_state)
    if not allowed:
        return OrderChange("stale", order)
    cursor = connection.execute(
        f"""UPDATE orders SET state = ?, trade_state_desc = ?, transaction_id = COALESCE(?, transaction_id),
                success_time = COALESCE(?, success_time), payer_total_fen = COALESCE(?, payer_total_fen),
                bank_type = COALESCE(?, bank_type), version = version + 1, updated_at = ?
            WHERE out_trade_no = ? AND state IN ({_placeholders(allowed)})""",
        (
            report.trade_state,
            report.trade_state_desc,
            report.transaction_id,
            rfc3339(report.success_time) if report.success_time is not None else None,
            report.payer_total_fen,
            report.bank_type,
            at,
            report.out_trade_no,
            *allowed,
        ),
    )
    if cursor.rowcount != 1:
        return OrderChange("stale", order)
    _record_event(
        connection,
        at,
        "state",
        report.out_trade_no,
        {"source": source, "from": order.state, "to": report.trade_state, "transaction_id": report.transaction_id},
    )
    return OrderChange("applied", _fresh_order(connection, report.out_trade_no))


def _advance_refund(connection: sqlite3.Connection, report: RefundReport, at: str, source: str) -> RefundChange:
    row = _refund_row(connection, report.out_refund_no)
    if row is None:
        _record_event(
            connection, at, "unknown_refund", report.out_trade_no, {"source": source, "refund": report.out_refund_no}
        )
        return RefundChange("unknown_refund", None, None)
    allowed = refund_predecessors(report.status)
    success_time = rfc3339(report.success_time) if report.success_time is not None else None
    cursor = connection.execute(
        f"""UPDATE refunds SET status = ?, refund_id = COALESCE(?, refund_id),
               success_time = COALESCE(?, success_time), version = version + 1, updated_at = ?
           WHERE out_refund_no = ? AND status IN ({_placeholders(allowed) or "NULL"})""",
        (report.status, report.refund_id, success_time, at, report.out_refund_no, *allowed),
    )
    if cursor.rowcount != 1:
        if report.refund_id and row["refund_id"] is None:
            connection.execute(
                "UPDATE refunds SET refund_id = ?, updated_at = ? WHERE out_refund_no = ?",
                (report.refund_id, at, report.out_refund_no),
            )
        return RefundChange("stale", _fresh_refund(connection, report.out_refund_no), None)
    out_trade_no = row["out_trade_no"]
    _record_event(
        connection,
        at,
        "refund",
        out_trade_no,
        {"source": source, "refund": report.out_refund_no, "from": row["status"], "to": report.status},
    )
    order: OrderRecord | None = None
    if report.status == RefundStatus.SUCCESS:
        # The first refund moves a paid order to REFUND; every refund bumps its version (a change kiosks see).
        connection.execute(
            """UPDATE orders SET refunded_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds
                                                WHERE out_trade_no = ? AND status = ?),
                   state = CASE WHEN state = ? THEN ? ELSE state END, version = version + 1, updated_at = ?
               WHERE out_trade_no = ?""",
            (out_trade_no, RefundStatus.SUCCESS, TradeState.SUCCESS, TradeState.REFUND, at, out_trade_no),
        )
        order = _fresh_order(connection, out_trade_no)
    return RefundChange("applied", _fresh_refund(connection, report.out_refund_no), order)


def _insert_order(connection: sqlite3.Connection, draft: OrderDraft) -> tuple[Inserted, OrderRecord]:
    row = _order_row(connection, draft.out_trade_no)
    if row is not None:
        return Inserted.EXISTS, _order(row)
    at = rfc3339(draft.at)
    items = json.dumps(draft.items, ensure_ascii=False) if draft.items is not None else None
    connection.execute(
        """INSERT INTO orders (out_trade_no, store_id, kiosk_id, trade_type, amount_fen, description, attach, items,
               time_expire, state, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
        (
            draft.out_trade_no,
            draft.store_id,
            draft.kiosk_id,
            draft.trade_type,
            draft.amount_fen,
            draft.description,
            draft.attach,
            items,
            rfc3339(draft.time_expire),
            TradeState.NOTPAY,
            at,
            at,
        ),
    )
    detail = {"kiosk": draft.kiosk_id, "amount_fen": draft.amount_fen, "trade_type": draft.trade_type}
    _record_event(connection, at, "created", draft.out_trade_no, detail)
    return Inserted.CREATED, _fresh_order(connection, draft.out_trade_no)


def _insert_codepay(
    connection: sqlite3.Connection, draft: OrderDraft, flow: CodePayDraft
) -> tuple[Inserted, OrderRecord]:
    inserted, order = _insert_order(connection, draft)
    if inserted is Inserted.CREATED:
        at = rfc3339(draft.at)
        connection.execute(
            """INSERT INTO codepay (out_trade_no, payment_code, device_ip, charged_at, step, updated_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (draft.out_trade_no, flow.payment_code, flow.device_ip, rfc3339(flow.charged_at), CodePayStep.CHARGING, at),
        )
        detail = {"to": CodePayStep.CHARGING, "payment_code": flow.payment_code}
        _record_event(connection, at, "codepay", draft.out_trade_no, detail)
    return inserted, order


def _move_codepay(
    connection: sqlite3.Connection,
    out_trade_no: str,
    step: CodePayStep,
    at: str,
    next_at: str | None,
    attempts: int,
    error: str | None,
    resent: bool,
) -> CodePayRecord | None:
    before = _codepay_row(connection, out_trade_no)
    allowed = CODEPAY_STEPS[: CODEPAY_STEPS.index(step) + 1]  # never back
    cursor = connection.execute(
        f"""UPDATE codepay SET step = ?, next_at = ?, attempts = ?, last_error = ?, resent = MAX(resent, ?),
                updated_at = ?
            WHERE out_trade_no = ? AND step IN ({_placeholders(allowed)})""",
        (step, next_at, attempts, error, int(resent), at, out_trade_no, *allowed),
    )
    if cursor.rowcount != 1 or before is None:
        return None
    if before["step"] != step or error != before["last_error"]:
        detail = {"from": before["step"], "to": step, "attempts": attempts, "error": error}
        _record_event(connection, at, "codepay", out_trade_no, detail)
    row = _codepay_row(connection, out_trade_no)
    return _codepay(row) if row is not None else None


def _mark_codepay(
    connection: sqlite3.Connection,
    out_trade_no: str,
    at: str,
    failure: str | None,
    error_code: str | None,
    unresolved: bool | None,
) -> OrderRecord | None:
    if _order_row(connection, out_trade_no) is None:
        return None
    changed = 0
    if failure is not None:
        changed += connection.execute(
            "UPDATE orders SET failure = ?, error_code = ?, version = version + 1, updated_at = ? "
            "WHERE out_trade_no = ? AND failure IS NULL",
            (failure, error_code, at, out_trade_no),
        ).rowcount
    if unresolved is not None:
        changed += connection.execute(
            "UPDATE orders SET unresolved = ?, version = version + 1, updated_at = ? "
            "WHERE out_trade_no = ? AND unresolved <> ?",
            (int(unresolved), at, out_trade_no, int(unresolved)),
        ).rowcount
    if changed:
        detail = {"failure": failure, "error_code": error_code, "unresolved": unresolved}
        _record_event(connection, at, "codepay_mark", out_trade_no, detail)
    return _fresh_order(connection, out_trade_no)


def _claim_notification(
    connection: sqlite3.Connection,
    notification_id: str,
    event_type: str,
    out_trade_no: str | None,
    out_refund_no: str | None,
    at: str,
) -> bool:
    cursor = connection.execute(
        "INSERT OR IGNORE INTO notifications (id, event_type, out_trade_no, out_refund_no, outcome, received_at) "
        "VALUES (?, ?, ?, ?, 'received', ?)",
        (notification_id, event_type, out_trade_no, out_refund_no, at),
    )
    return cursor.rowcount == 1


def _settle_notification(connection: sqlite3.Connection, notification_id: str, outcome: Outcome) -> None:
    connection.execute("UPDATE notifications SET outcome = ? WHERE id = ?", (outcome, notification_id))


def _insert_refund(connection: sqlite3.Connection, draft: RefundDraft) -> tuple[Inserted, RefundRecord | None]:
    existing = _refund_row(connection, draft.out_refund_no)
    if existing is not None:
        return Inserted.EXISTS, _refund(existing)
    order = _order_row(connection, draft.out_trade_no)
    if order is None or order["state"] not in PAID:
        return Inserted.ORDER_NOT_PAID, None
    held = connection.execute(
        f"SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE out_trade_no = ? "
        f"AND status NOT IN ({_placeholders(RELEASED)})",
        (draft.out_trade_no, *RELEASED),
    ).fetchone()[0]
    if held + draft.amount_fen > order["amount_fen"]:
        return Inserted.EXCEEDS_AMOUNT, None
    at = rfc3339(draft.at)
    connection.execute(
        """INSERT INTO refunds (out_refund_no, out_trade_no, store_id, kiosk_id, amount_fen, total_fen,
               reason, status, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
        (
            draft.out_refund_no,
            draft.out_trade_no,
            draft.store_id,
            draft.kiosk_id,
            draft.amount_fen,
            order["amount_fen"],
            draft.reason,
            RefundStatus.PENDING,
            at,
            at,
        ),
    )
    _record_event(
        connection,
        at,
        "refund_requested",
        draft.out_trade_no,
        {"refund": draft.out_refund_no, "amount_fen": draft.amount_fen, "by": draft.kiosk_id},
    )
    return Inserted.CREATED, _fresh_refund(connection, draft.out_refund_no)


# ---- the engine -----------------------------------------------------------------------------------------


class SQLiteStorage:
    """The relay's SQLite file (a :class:`~kiosk.relay.storage.RelayStorage`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = _exclusive_lock(self.path)
        try:
            create_private(self.path)  # before SQLite creates it: its -wal and -shm files take the same mode
            writer_connection = connect(self.path)
            writer_connection.executescript(SCHEMA)
            self._reader_connection = connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            self._lock.release()
            raise StorageError(f"cannot open {self.path}: {exc}") from None
        self._writer_connection = writer_connection
        self.writer = Writer(writer_connection)
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="relay-db-reader")
        self._closed = False

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
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

    async def probe(self) -> None:
        directory = self.path.parent

        def probe(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT INTO probe (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = writes + 1"
            )
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

    # -- orders

    async def insert_order(self, draft: OrderDraft) -> tuple[Inserted, OrderRecord]:
        return await self.writer.write(lambda c: _insert_order(c, draft))

    async def order(self, out_trade_no: str) -> OrderRecord | None:
        row = await self._read(lambda c: _order_row(c, out_trade_no))
        return _order(row) if row is not None else None

    async def set_code_url(self, out_trade_no: str, code_url: str, at: datetime) -> OrderRecord:
        stamp = rfc3339(at)

        def remember(connection: sqlite3.Connection) -> OrderRecord:
            connection.execute(
                "UPDATE orders SET code_url = ?, code_url_at = ?, updated_at = ? WHERE out_trade_no = ?",
                (code_url, stamp, stamp, out_trade_no),
            )
            return _fresh_order(connection, out_trade_no)

        return await self.writer.write(remember)

    async def reject_order(self, out_trade_no: str, code: str, message: str, *, at: datetime) -> OrderRecord:
        stamp = rfc3339(at)
        states = sorted(PAYABLE)

        def reject(connection: sqlite3.Connection) -> OrderRecord:
            cursor = connection.execute(
                f"""UPDATE orders SET state = ?, trade_state_desc = ?, error_code = ?, version = version + 1,
                       updated_at = ?
                   WHERE out_trade_no = ? AND code_url IS NULL AND state IN ({_placeholders(states)})""",
                (TradeState.CLOSED, message, code, stamp, out_trade_no, *states),
            )
            if cursor.rowcount == 1:
                _record_event(connection, stamp, "rejected", out_trade_no, {"code": code, "message": message})
            return _fresh_order(connection, out_trade_no)

        return await self.writer.write(reject)

    async def advance_order(self, report: TradeReport, *, at: datetime, source: str, mismatch: Mismatch) -> OrderChange:
        stamp = rfc3339(at)
        return await self.writer.write(lambda c: _advance_order(c, report, stamp, source, mismatch))

    async def payable_orders(self) -> list[str]:
        states = sorted(PAYABLE)
        return await self._read(
            lambda c: [
                row[0]
                for row in c.execute(
                    f"SELECT out_trade_no FROM orders WHERE state IN ({_placeholders(states)}) AND trade_type = ?",
                    (*states, TradeType.NATIVE),
                )
            ]
        )

    async def stores_of(self, out_trade_nos: Sequence[str]) -> dict[str, str]:
        def owners(connection: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            for start in range(0, len(out_trade_nos), 500):  # stay under SQLite's bound-parameter limit
                chunk = out_trade_nos[start : start + 500]
                rows = connection.execute(
                    f"SELECT out_trade_no, store_id FROM orders WHERE out_trade_no IN ({_placeholders(chunk)})", chunk
                )
                found.update((row[0], row[1]) for row in rows)
            return found

        return await self._read(owners)

    # -- payment-code flows

    async def insert_codepay(self, draft: OrderDraft, flow: CodePayDraft) -> tuple[Inserted, OrderRecord]:
        return await self.writer.write(lambda c: _insert_codepay(c, draft, flow))

    async def codepay(self, out_trade_no: str) -> CodePayRecord | None:
        row = await self._read(lambda c: _codepay_row(c, out_trade_no))
        return _codepay(row) if row is not None else None

    async def active_codepays(self) -> list[CodePayRecord]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT * FROM codepay WHERE step <> ? ORDER BY charged_at", (CodePayStep.DONE,)
            ).fetchall()
        )
        return [_codepay(row) for row in rows]

    async def move_codepay(
        self,
        out_trade_no: str,
        step: CodePayStep,
        *,
        at: datetime,
        next_at: datetime | None,
        attempts: int = 0,
        error: str | None = None,
        resent: bool = False,
    ) -> CodePayRecord | None:
        stamp, due = rfc3339(at), (rfc3339(next_at) if next_at is not None else None)
        return await self.writer.write(
            lambda c: _move_codepay(c, out_trade_no, step, stamp, due, attempts, error, resent)
        )

    async def cancel_codepay(self, out_trade_no: str, *, at: datetime) -> CodePayRecord | None:
        stamp = rfc3339(at)

        def cancel(connection: sqlite3.Connection) -> CodePayRecord | None:
            cursor = connection.execute(
                "UPDATE codepay SET cancel_requested_at = ?, updated_at = ? "
                "WHERE out_trade_no = ? AND step <> ? AND cancel_requested_at IS NULL",
                (stamp, stamp, out_trade_no, CodePayStep.DONE),
            )
            if cursor.rowcount:
                _record_event(connection, stamp, "codepay_cancel", out_trade_no, {})
            row = _codepay_row(connection, out_trade_no)
            return _codepay(row) if row is not None else None

        return await self.writer.write(cancel)

    async def mark_codepay(
        self,
        out_trade_no: str,
        *,
        at: datetime,
        failure: str | None = None,
        error_code: str | None = None,
        unresolved: bool | None = None,
    ) -> OrderRecord | None:
        stamp = rfc3339(at)
        return await self.writer.write(lambda c: _mark_codepay(c, out_trade_no, stamp, failure, error_code, unresolved))

    # -- notifications

    async def record_payment_notification(
        self, notification_id: str, event_type: str, report: TradeReport, *, at: datetime, mismatch: Mismatch
    ) -> OrderChange:
        stamp = rfc3339(at)

        def job(connection: sqlite3.Connection) -> OrderChange:
            if not _claim_notification(connection, notification_id, event_type, report.out_trade_no, None, stamp):
                return OrderChange("duplicate", None)
            change = _advance_order(connection, report, stamp, "notification", mismatch)
            _settle_notification(connection, notification_id, change.outcome)
            return change

        return await self.writer.write(job)

    async def record_refund_notification(
        self, notification_id: str, event_type: str, report: RefundReport, *, at: datetime
    ) -> RefundChange:
        stamp = rfc3339(at)

        def job(connection: sqlite3.Connection) -> RefundChange:
            claimed = _claim_notification(
                connection, notification_id, event_type, report.out_trade_no, report.out_refund_no, stamp
            )
            if not claimed:
                return RefundChange("duplicate", None, None)
            change = _advance_refund(connection, report, stamp, "notification")
            _settle_notification(connection, notification_id, change.outcome)
            return change

        return await self.writer.write(job)

    async def record_other_notification(self, notification_id: str, event_type: str, *, at: datetime) -> Outcome:
        stamp = rfc3339(at)

        def job(connection: sqlite3.Connection) -> Outcome:
            if not _claim_notification(connection, notification_id, event_type, None, None, stamp):
                return "duplicate"
            _settle_notification(connection, notification_id, "ignored")
            return "ignored"

        return await self.writer.write(job)

    # -- refunds

    async def insert_refund(self, draft: RefundDraft) -> tuple[Inserted, RefundRecord | None]:
        return await self.writer.write(lambda c: _insert_refund(c, draft))

    async def refund(self, out_refund_no: str) -> RefundRecord | None:
        row = await self._read(lambda c: _refund_row(c, out_refund_no))
        return _refund(row) if row is not None else None

    async def refuse_refund(self, out_refund_no: str, code: str, message: str, *, at: datetime) -> RefundRecord:
        stamp = rfc3339(at)

        def refuse(connection: sqlite3.Connection) -> RefundRecord:
            connection.execute(
                "UPDATE refunds SET status = ?, error_code = ?, error_message = ?, version = version + 1, "
                "updated_at = ? WHERE out_refund_no = ? AND status = ?",
                (RefundStatus.FAILED, code, message, stamp, out_refund_no, RefundStatus.PENDING),
            )
            return _fresh_refund(connection, out_refund_no)

        return await self.writer.write(refuse)

    async def advance_refund(self, report: RefundReport, *, at: datetime, source: str) -> RefundChange:
        stamp = rfc3339(at)
        return await self.writer.write(lambda c: _advance_refund(c, report, stamp, source))

    async def unfinished_refunds(self) -> list[str]:
        final = sorted(REFUND_FINAL)
        return await self._read(
            lambda c: [
                row[0]
                for row in c.execute(
                    f"SELECT out_refund_no FROM refunds WHERE status NOT IN ({_placeholders(final)})", final
                )
            ]
        )

    # -- bill cache

    async def cached_bill(self, store_id: str, bill_date: date, bill_type: str) -> bytes | None:
        def read(connection: sqlite3.Connection) -> bytes | None:
            row = connection.execute(
                "SELECT body FROM bill_answers WHERE store_id = ? AND bill_date = ? AND bill_type = ?",
                (store_id, bill_date.isoformat(), bill_type),
            ).fetchone()
            return bytes(row["body"]) if row is not None else None

        return await self._read(read)

    async def cache_bills(self, bill_date: date, bill_type: str, bodies: Mapping[str, bytes], *, at: datetime) -> None:
        stamp, day = rfc3339(at), bill_date.isoformat()
        rows = [(store_id, day, bill_type, body, stamp) for store_id, body in bodies.items()]
        sql = (
            "INSERT OR REPLACE INTO bill_answers (store_id, bill_date, bill_type, body, fetched_at) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        await self.writer.write(lambda c: c.executemany(sql, rows))

    # -- events

    async def events(self, out_trade_no: str) -> list[EventRecord]:
        rows = await self._read(
            lambda c: c.execute("SELECT * FROM events WHERE out_trade_no = ? ORDER BY seq", (out_trade_no,)).fetchall()
        )
        return [_record(EventRecord, row) for row in rows]
