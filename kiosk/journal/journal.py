"""The kiosk's offline journal: one SQLite file (WAL, ``synchronous=FULL``) written before every act.

One connection, serialised by a lock (SQLite has one writer anyway); callers group writes with
:meth:`Journal.transaction`. sqlite-utils provides the queries and introspection; writes inside a
transaction go through ``execute`` because sqlite-utils' own write helpers commit on their own.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from kiosk.clock import CHINA_TZ, Clock, SystemClock
from kiosk.journal.schema import LATEST_VERSION, MIGRATIONS, Migration
from kiosk.trade import RefundStatus


class JournalError(RuntimeError):
    """The journal cannot be opened or used (newer schema, corrupt file, misuse)."""


#: When an order's money arrived, as the index ``orders_by_paid_at`` holds it (the same expression, to be used).
_PAID_AT = "COALESCE(success_time, charged_at)"


def timestamp(moment: datetime) -> str:
    """Aware datetimes only, stored in Beijing time with microseconds (sortable as text within one offset)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: journal times must be aware")
    return moment.astimezone(CHINA_TZ).isoformat(timespec="microseconds")


def parse_timestamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class OrderRow:
    out_trade_no: str
    business_day: str
    sequence: int
    store_id: str
    kiosk_id: str
    method: str
    amount_fen: int
    description: str
    charged_at: str
    expires_at: str
    state: str
    trade_state: str | None
    version: int
    code_url: str | None
    payment_code: str | None
    transaction_id: str | None
    success_time: str | None
    payer_total_fen: int | None
    settled: int
    ended_by: str | None
    last_error: str | None
    failure: str | None
    unresolved: int
    auto_print_slip: int
    training: int
    updated_at: str


@dataclass(frozen=True)
class OrderItemRow:
    out_trade_no: str
    line_no: int
    sku: str
    barcode: str | None
    name_zh: str
    name_en: str
    category: str
    quantity: int
    unit_price_fen: int
    total_fen: int


@dataclass(frozen=True)
class EventRow:
    id: int
    out_trade_no: str
    at: str
    kind: str
    from_state: str | None
    to_state: str | None
    detail: str

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.detail)
        return loaded


@dataclass(frozen=True)
class CommandRow:
    id: int
    out_trade_no: str
    kind: str
    payload: str
    created_at: str
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    done_at: str | None
    outcome: str | None

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.payload)
        return loaded


@dataclass(frozen=True)
class RefundRow:
    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    reason: str
    requested_at: str
    state: str
    refund_id: str | None
    success_time: str | None
    last_error: str | None
    updated_at: str


Row = TypeVar("Row")


def _rows(kind: type[Row], rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    names = [field.name for field in fields(kind)]  # type: ignore[arg-type]
    return [kind(**{name: row[name] for name in names}) for row in rows]


class Journal:
    """Thread-safe access to the journal file. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: Clock):
        self.path = path
        self.clock = clock
        self._conn = connection
        self.db = sqlite_utils.Database(connection)
        self._lock = threading.RLock()
        self._depth = 0

    # ---- opening and schema ----------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | str, *, clock: Clock | None = None, migrations: Sequence[Migration] = MIGRATIONS
    ) -> Journal:
        """Open (creating if needed) and migrate; ``migrations`` is for tests that build an old journal."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE … COMMIT) in transaction().
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.execute("PRAGMA busy_timeout=10000")
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open the journal {path}: {exc}") from exc
        journal = cls(connection, path, clock or SystemClock())
        try:
            journal.migrate(migrations)
        except BaseException:
            connection.close()
            raise
        return journal

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def pragma(self, name: str) -> Any:
        with self._lock:
            return self._conn.execute(f"PRAGMA {name}").fetchone()[0]

    def schema_version(self) -> int:
        with self._lock:
            if "schema_version" not in self.db.table_names():
                return 0
            row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            return int(row[0] or 0)

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
        """Apply missing migrations, each in its own transaction; refuse a journal from a newer kiosk."""
        applied: list[int] = []
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)"
            )
            current = self.schema_version()
            latest = migrations[-1].version if migrations else 0
            if current > max(latest, LATEST_VERSION):
                raise JournalError(
                    f"the journal {self.path} has schema version {current}, newer than this kiosk "
                    f"understands ({latest}); upgrade the kiosk software"
                )
            for migration in migrations:
                if migration.version <= current:
                    continue
                with self.transaction():
                    for statement in migration.statements:
                        self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)",
                        (migration.version, timestamp(self.clock.now()), migration.description),
                    )
                applied.append(migration.version)
        return applied

    @contextmanager
    def transaction(self) -> Iterator[Journal]:
        """One atomic, durable unit of writes (nested calls join the outer transaction)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    def _execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, parameters)

    def _query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, parameters))

    def query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """A read-only query for reports (the manager screen): rows as dicts, serialised with the writers.

        Use this rather than ``db`` directly: the connection is shared by the core's threads."""
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise JournalError("Journal.query is for SELECT statements; writes go through the core")
        return self._query(sql, parameters)

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own, for a report over many rows (the manager's reconciliation).

        It reads one consistent state of the journal (a read transaction from its first query on) without the
        lock the core's writers share: WAL lets them commit meanwhile, so the cashier never waits for a report.
        The report may keep TEMP tables of its own there (in memory, gone with the connection). Rows are
        ``sqlite3.Row``; SQLite's errors become ``JournalError``."""
        try:
            connection = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read the journal {self.path}: {exc}") from exc
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA temp_store=MEMORY")
            connection.execute("BEGIN")
            yield connection
        except sqlite3.Error as exc:
            raise JournalError(f"reading the journal {self.path} failed: {exc}") from exc
        finally:
            connection.close()

    def _now(self) -> str:
        return timestamp(self.clock.now())

    # ---- settings ----------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, self._now()),
            )

    # ---- orders ------------------------------------------------------------------------------

    def next_sequence(self, day: date) -> int:
        """The next per-day order sequence; call inside the transaction that inserts the order."""
        with self.transaction():
            row = self._execute(
                "INSERT INTO day_sequences (day, last_sequence) VALUES (?, 1)"
                " ON CONFLICT (day) DO UPDATE SET last_sequence = last_sequence + 1 RETURNING last_sequence",
                (day.isoformat(),),
            ).fetchone()
            return int(row[0])

    def insert_order(self, order: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> None:
        with self.transaction():
            values = {**order, "updated_at": self._now()}
            columns = ", ".join(values)
            marks = ", ".join(f":{name}" for name in values)
            self._execute(f"INSERT INTO orders ({columns}) VALUES ({marks})", values)
            for line_no, item in enumerate(items, start=1):
                line = {**item, "out_trade_no": order["out_trade_no"], "line_no": line_no}
                columns = ", ".join(line)
                marks = ", ".join(f":{name}" for name in line)
                self._execute(f"INSERT INTO order_items ({columns}) VALUES ({marks})", line)

    def update_order(self, out_trade_no: str, changes: Mapping[str, Any]) -> None:
        if not changes:
            return
        values = {**changes, "updated_at": self._now()}
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        with self.transaction():
            cursor = self._execute(
                f"UPDATE orders SET {assignments} WHERE out_trade_no = :__otn", {**values, "__otn": out_trade_no}
            )
            if cursor.rowcount != 1:
                raise JournalError(f"no order {out_trade_no!r} to update")

    def order(self, out_trade_no: str) -> OrderRow | None:
        rows = _rows(OrderRow, self._query("SELECT * FROM orders WHERE out_trade_no = ?", (out_trade_no,)))
        return rows[0] if rows else None

    def order_items(self, out_trade_no: str) -> list[OrderItemRow]:
        return _rows(
            OrderItemRow,
            self._query("SELECT * FROM order_items WHERE out_trade_no = ? ORDER BY line_no", (out_trade_no,)),
        )

    def orders_between(self, first: date, last: date) -> list[OrderRow]:
        """Orders whose business day (Beijing) is in ``[first, last]``, oldest first."""
        return _rows(
            OrderRow,
            self._query(
                "SELECT * FROM orders WHERE business_day BETWEEN ? AND ? ORDER BY business_day, sequence",
                (first.isoformat(), last.isoformat()),
            ),
        )

    def orders_paid_between(
        self, states: Iterable[str], first: datetime, last: datetime | None = None, *, limit: int | None = None
    ) -> list[OrderRow]:
        """Orders in ``states`` paid at ``first`` or later (and at ``last`` or earlier), newest payment first.

        The payment time is WeChat Pay's success time, else when the order was made. The query goes through the
        index on exactly that time (SQLite would pick the one on state, every paid order ever), so it costs what
        it finds, not what the journal holds."""
        wanted = list(states)
        bounds = [timestamp(first)] if last is None else [timestamp(first), timestamp(last)]
        upper = "" if last is None else f" AND {_PAID_AT} <= ?"
        marks = ", ".join("?" for _ in wanted)
        return _rows(
            OrderRow,
            self._query(
                f"SELECT * FROM orders INDEXED BY orders_by_paid_at WHERE {_PAID_AT} >= ?{upper}"
                f" AND state IN ({marks}) ORDER BY {_PAID_AT} DESC LIMIT ?",
                [*bounds, *wanted, -1 if limit is None else limit],
            ),
        )

    def orders_on(self, day: date) -> list[OrderRow]:
        return self.orders_between(day, day)

    def orders_in_states(self, states: Iterable[str]) -> list[OrderRow]:
        wanted = list(states)
        marks = ", ".join("?" for _ in wanted)
        return _rows(
            OrderRow,
            self._query(f"SELECT * FROM orders WHERE state IN ({marks}) ORDER BY business_day, sequence", wanted),
        )

    def unfinished_orders(self) -> list[OrderRow]:
        """Orders recovery must resume: not settled, or with commands still in the outbox."""
        return _rows(
            OrderRow,
            self._query(
                "SELECT * FROM orders WHERE settled = 0 OR out_trade_no IN"
                " (SELECT out_trade_no FROM commands WHERE done_at IS NULL) ORDER BY business_day, sequence"
            ),
        )

    def paid_after_cancel(self, first: date | None = None, last: date | None = None) -> list[OrderRow]:
        """Payments that landed after the clerk cancelled or the countdown expired (the manager's attention list)."""
        return [
            row
            for row in self.orders_in_states(["paid_after_cancel"])
            if (first is None or row.business_day >= first.isoformat())
            and (last is None or row.business_day <= last.isoformat())
        ]

    def unresolved_orders(self) -> list[OrderRow]:
        """Payment-code orders the relay cannot settle (its reverse keeps failing): the manager's to check."""
        return _rows(OrderRow, self._query("SELECT * FROM orders WHERE unresolved = 1 ORDER BY business_day, sequence"))

    def count_orders(self) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM orders")[0]["n"])

    def all_orders(self) -> list[OrderRow]:
        return _rows(OrderRow, self._query("SELECT * FROM orders ORDER BY business_day, sequence"))

    # ---- events (append-only) ------------------------------------------------------------------

    def append_event(
        self,
        out_trade_no: str,
        kind: str,
        *,
        from_state: str | None = None,
        to_state: str | None = None,
        detail: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> int:
        with self.transaction():
            cursor = self._execute(
                "INSERT INTO events (out_trade_no, at, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    out_trade_no,
                    timestamp(at or self.clock.now()),
                    kind,
                    from_state,
                    to_state,
                    json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str),
                ),
            )
            return int(cursor.lastrowid or 0)

    def events(self, out_trade_no: str) -> list[EventRow]:
        return _rows(EventRow, self._query("SELECT * FROM events WHERE out_trade_no = ? ORDER BY id", (out_trade_no,)))

    # ---- outbox --------------------------------------------------------------------------------

    def add_command(self, out_trade_no: str, kind: str, payload: Mapping[str, Any] | None = None) -> int:
        with self.transaction():
            cursor = self._execute(
                "INSERT INTO commands (out_trade_no, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                (out_trade_no, kind, json.dumps(dict(payload or {}), ensure_ascii=False, sort_keys=True), self._now()),
            )
            return int(cursor.lastrowid or 0)

    def pending_commands(self, out_trade_no: str | None = None) -> list[CommandRow]:
        if out_trade_no is None:
            rows = self._query("SELECT * FROM commands WHERE done_at IS NULL ORDER BY id")
        else:
            rows = self._query(
                "SELECT * FROM commands WHERE done_at IS NULL AND out_trade_no = ? ORDER BY id", (out_trade_no,)
            )
        return _rows(CommandRow, rows)

    def commands(self, out_trade_no: str) -> list[CommandRow]:
        return _rows(
            CommandRow, self._query("SELECT * FROM commands WHERE out_trade_no = ? ORDER BY id", (out_trade_no,))
        )

    def complete_command(self, command_id: int, outcome: str) -> None:
        with self.transaction():
            self._execute(
                "UPDATE commands SET done_at = ?, outcome = ? WHERE id = ? AND done_at IS NULL",
                (self._now(), outcome, command_id),
            )

    def drop_commands(self, out_trade_no: str, kind: str, outcome: str) -> int:
        with self.transaction():
            cursor = self._execute(
                "UPDATE commands SET done_at = ?, outcome = ? WHERE out_trade_no = ? AND kind = ? AND done_at IS NULL",
                (self._now(), outcome, out_trade_no, kind),
            )
            return cursor.rowcount

    def retry_command(self, command_id: int, error: str, next_attempt_at: datetime) -> None:
        with self.transaction():
            self._execute(
                "UPDATE commands SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error, timestamp(next_attempt_at), command_id),
            )

    # ---- refunds -------------------------------------------------------------------------------

    def insert_refund(self, out_refund_no: str, out_trade_no: str, amount_fen: int, reason: str) -> RefundRow:
        now = self._now()
        with self.transaction():
            self._execute(
                "INSERT INTO refunds (out_refund_no, out_trade_no, amount_fen, reason, requested_at, state,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (out_refund_no, out_trade_no, amount_fen, reason, now, RefundStatus.REQUESTED, now),
            )
        refund = self.refund(out_refund_no)
        assert refund is not None
        return refund

    def update_refund(self, out_refund_no: str, changes: Mapping[str, Any]) -> None:
        values = {**changes, "updated_at": self._now()}
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        with self.transaction():
            self._execute(
                f"UPDATE refunds SET {assignments} WHERE out_refund_no = :__no", {**values, "__no": out_refund_no}
            )

    def refund(self, out_refund_no: str) -> RefundRow | None:
        rows = _rows(RefundRow, self._query("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)))
        return rows[0] if rows else None

    def refunds(self, out_trade_no: str | None = None) -> list[RefundRow]:
        if out_trade_no is None:
            return _rows(RefundRow, self._query("SELECT * FROM refunds ORDER BY requested_at"))
        return _rows(
            RefundRow,
            self._query("SELECT * FROM refunds WHERE out_trade_no = ? ORDER BY requested_at", (out_trade_no,)),
        )
