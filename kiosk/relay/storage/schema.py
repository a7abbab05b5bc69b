"""The relay's one schema for both engines, its versioned migrations, and what differs between the engines' SQL.

Every statement of the relay is written once, in the SQL both SQLite and PostgreSQL speak, with ``?`` for its
parameters; a :class:`Dialect` turns it into an engine's own (``%s`` for psycopg, ``FOR UPDATE`` where the
engine locks rows) and reads its columns back into the same Python values (aware datetimes, JSON values).
Column types are tokens in the DDL: times are RFC 3339 text in SQLite and ``timestamptz`` in PostgreSQL, JSON
is text or ``jsonb``, bytes are a ``BLOB`` or ``bytea``, integers are 64-bit in both.

:data:`MIGRATIONS` lists the schema's versions in order; :func:`migrate` brings a database up to the newest
in one transaction, taking a lock first so that several relay instances starting at once migrate it once, and
refuses a database that a newer relay has migrated further. Version 1 is the first released schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from kiosk.clock import CHINA_TZ, SystemClock, parse_rfc3339, rfc3339
from kiosk.trade import PAYABLE, REFUND_STATUSES, TRADE_STATES, TradeType

from .interface import CodePayStep, StorageError

#: Columns holding a time (stored as RFC 3339 text in SQLite, ``timestamptz`` in PostgreSQL).
TIME_COLUMNS = frozenset(
    {"time_expire", "success_time", "code_url_at", "created_at", "updated_at", "at", "received_at", "fetched_at"}
    | {"expires_at", "charged_at", "next_at", "cancel_requested_at"}
)
#: Columns holding a JSON value (text in SQLite, ``jsonb`` in PostgreSQL).
JSON_COLUMNS = frozenset({"items", "detail"})


def _from_postgres_time(value: datetime) -> datetime:
    return value.astimezone(CHINA_TZ)


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: there are two
class Dialect:
    """What one engine's SQL spells differently, and how its columns read back."""

    name: str
    types: Mapping[str, str]  # the DDL's type tokens
    placeholder: str  # how a parameter is written
    locks_rows: bool  # SELECT … FOR UPDATE exists (PostgreSQL); SQLite's one writer needs none
    begin: str  # opens a write transaction
    read_time: Callable[[Any], datetime]
    read_json: Callable[[Any], Any]
    #: Statements only this engine runs after a migration's common ones, by version.
    extras: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def sql(self, statement: str, *, for_update: bool = False) -> str:
        return _translate(self, statement, for_update)

    def row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row as plain Python values: times as aware datetimes (Beijing time), JSON parsed."""
        values = dict(row)
        for name, value in values.items():
            if value is None:
                continue
            if name in TIME_COLUMNS:
                values[name] = self.read_time(value)
            elif name in JSON_COLUMNS:
                values[name] = self.read_json(value)
        return values


@lru_cache(maxsize=1024)
def _translate(dialect: Dialect, statement: str, for_update: bool) -> str:
    if dialect.placeholder != "?":
        # psycopg reads % as the start of a placeholder: a literal % doubles.
        statement = statement.replace("%", "%%").replace("?", dialect.placeholder)
    if for_update and dialect.locks_rows:
        statement += " FOR UPDATE"
    return statement


def param(value: Any) -> Any:
    """A statement's parameter as both engines take it: a time as RFC 3339 text (PostgreSQL casts it)."""
    return rfc3339(value) if isinstance(value, datetime) else value


def params(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(param(value) for value in values)


def _literals(states: Iterable[str]) -> str:
    """SQL literals for DDL (a partial index or a CHECK cannot take parameters); statements bind their values."""
    return ", ".join(f"'{state}'" for state in sorted(states))


#: PostgreSQL channels: an order's new version (``"<out_trade_no> <version>"``, sent by the trigger below on
#: COMMIT, whoever wrote it) and work for the instance holding the work lease (see ``postgres.py``).
ORDERS_CHANNEL = "kiosk_relay_orders"
WORK_CHANNEL = "kiosk_relay_work"


@dataclass(frozen=True)
class Migration:
    version: int
    statements: tuple[str, ...]  # with the type tokens {time}, {json}, {int}, {bytes}, {serial}

    def for_dialect(self, dialect: Dialect) -> list[str]:
        common = [statement.format_map(dialect.types) for statement in self.statements]
        return common + list(dialect.extras.get(self.version, ()))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            f"""CREATE TABLE orders (
                out_trade_no     TEXT PRIMARY KEY,
                store_id         TEXT NOT NULL,
                kiosk_id         TEXT NOT NULL,
                trade_type       TEXT NOT NULL CHECK (trade_type IN ({_literals(TradeType)})),
                amount_fen       {{int}} NOT NULL CHECK (amount_fen > 0),
                description      TEXT NOT NULL,
                attach           TEXT,
                items            {{json}},
                time_expire      {{time}} NOT NULL,
                state            TEXT NOT NULL CHECK (state IN ({_literals(TRADE_STATES)})),
                trade_state_desc TEXT,
                version          {{int}} NOT NULL CHECK (version >= 1),
                transaction_id   TEXT,
                success_time     {{time}},
                payer_total_fen  {{int}},
                bank_type        TEXT,
                code_url         TEXT,
                code_url_at      {{time}},
                refunded_fen     {{int}} NOT NULL DEFAULT 0 CHECK (refunded_fen BETWEEN 0 AND amount_fen),
                error_code       TEXT,
                failure          TEXT,
                unresolved       {{int}} NOT NULL DEFAULT 0 CHECK (unresolved IN (0, 1)),
                created_at       {{time}} NOT NULL,
                updated_at       {{time}} NOT NULL
            )""",
            f"CREATE INDEX orders_payable ON orders(state) WHERE state IN ({_literals(PAYABLE)})",
            # A payment-code order's flow: its timeline and where it stands (the code itself is never stored).
            f"""CREATE TABLE codepay (
                out_trade_no        TEXT PRIMARY KEY REFERENCES orders(out_trade_no),
                payment_code        TEXT NOT NULL,
                device_ip           TEXT NOT NULL,
                charged_at          {{time}} NOT NULL,
                step                TEXT NOT NULL CHECK (step IN ({_literals(CodePayStep)})),
                next_at             {{time}},
                attempts            {{int}} NOT NULL DEFAULT 0,
                resent              {{int}} NOT NULL DEFAULT 0 CHECK (resent IN (0, 1)),
                cancel_requested_at {{time}},
                last_error          TEXT,
                updated_at          {{time}} NOT NULL
            )""",
            f"CREATE INDEX codepay_active ON codepay(step) WHERE step <> '{CodePayStep.DONE}'",
            """CREATE TABLE notifications (
                id            TEXT PRIMARY KEY,
                event_type    TEXT NOT NULL,
                out_trade_no  TEXT,
                out_refund_no TEXT,
                outcome       TEXT NOT NULL,
                received_at   {time} NOT NULL
            )""",
            f"""CREATE TABLE refunds (
                out_refund_no TEXT PRIMARY KEY,
                out_trade_no  TEXT NOT NULL REFERENCES orders(out_trade_no),
                store_id      TEXT NOT NULL,
                kiosk_id      TEXT NOT NULL,
                amount_fen    {{int}} NOT NULL CHECK (amount_fen > 0 AND amount_fen <= total_fen),
                total_fen     {{int}} NOT NULL,
                reason        TEXT,
                status        TEXT NOT NULL CHECK (status IN ({_literals(REFUND_STATUSES)})),
                refund_id     TEXT,
                success_time  {{time}},
                error_code    TEXT,
                error_message TEXT,
                version       {{int}} NOT NULL CHECK (version >= 1),
                created_at    {{time}} NOT NULL,
                updated_at    {{time}} NOT NULL
            )""",
            "CREATE INDEX refunds_by_order ON refunds(out_trade_no)",
            # Each store's bill answer of a day as the relay serves it (encoded, gzip-compressed): every instance's.
            """CREATE TABLE bill_answers (
                store_id   TEXT NOT NULL,
                bill_date  TEXT NOT NULL,
                bill_type  TEXT NOT NULL,
                body       {bytes} NOT NULL,
                fetched_at {time} NOT NULL,
                PRIMARY KEY (store_id, bill_date, bill_type)
            )""",
            # The health check's probe write (one row, counting).
            """CREATE TABLE probe (
                id     INTEGER PRIMARY KEY CHECK (id = 1),
                writes {int} NOT NULL
            )""",
            """CREATE TABLE events (
                seq          {serial},
                at           {time} NOT NULL,
                kind         TEXT NOT NULL,
                out_trade_no TEXT,
                detail       {json}
            )""",
            "CREATE INDEX events_by_order ON events(out_trade_no)",
            # Named turns shared by every instance on the database: the work lease, the certificate download limit.
            """CREATE TABLE leases (
                name       TEXT PRIMARY KEY,
                holder     TEXT NOT NULL,
                expires_at {time} NOT NULL
            )""",
        ),
    ),
)

#: The newest schema version this relay knows.
LATEST = MIGRATIONS[-1].version

SQLITE = Dialect(
    name="sqlite",
    types={
        "int": "INTEGER",
        "time": "TEXT",
        "json": "TEXT",
        "bytes": "BLOB",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
    },
    placeholder="?",
    locks_rows=False,
    begin="BEGIN IMMEDIATE",
    read_time=parse_rfc3339,
    read_json=json.loads,
)

POSTGRES = Dialect(
    name="postgresql",
    types={
        "int": "BIGINT",
        "time": "TIMESTAMPTZ",
        "json": "JSONB",
        "bytes": "BYTEA",
        # BY DEFAULT, not ALWAYS: `kiosk-relay migrate` copies the numbers of an SQLite relay's events.
        "serial": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    },
    placeholder="%s",
    locks_rows=True,
    begin="BEGIN",
    read_time=_from_postgres_time,
    read_json=_identity,  # psycopg parses jsonb itself
    extras={
        1: (
            # Every instance LISTENs: whoever moves an order's version (an instance, or an operator's UPDATE), the
            # long-polls held for it anywhere wake up. NOTIFY is sent on COMMIT, never for a rolled-back change.
            f"""CREATE FUNCTION kiosk_relay_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('{ORDERS_CHANNEL}', NEW.out_trade_no || ' ' || NEW.version);
                    RETURN NULL;
                END $$""",
            """CREATE TRIGGER orders_changed AFTER UPDATE OF version ON orders FOR EACH ROW
                WHEN (NEW.version <> OLD.version) EXECUTE FUNCTION kiosk_relay_order_changed()""",
        )
    },
)

#: Serialises migrations of one PostgreSQL database (an advisory lock held until the migration commits).
_MIGRATION_LOCK = 0x6B696F736B  # "kiosk"


class Connection(Protocol):
    """What :func:`migrate` needs: sqlite3's and psycopg's (synchronous, autocommit) connections both have it."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...


def migrate(connection: Connection, dialect: Dialect) -> int:
    """Bring the database up to :data:`LATEST` in one transaction; returns the version it was at before.

    Raises :class:`StorageError` for a database of a newer relay (it would not be understood)."""

    def execute(statement: str, values: tuple[Any, ...] = ()) -> Any:
        return connection.execute(dialect.sql(statement), values)

    execute(dialect.begin)
    try:
        if dialect.locks_rows:
            execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        found = execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        current = int(found or 0)
        if current > LATEST:
            raise StorageError(
                f"the database has schema version {current}, made by a newer relay; this relay knows up to {LATEST}"
            )
        stamp = rfc3339(SystemClock().now())
        for migration in MIGRATIONS[current:]:
            for statement in migration.for_dialect(dialect):
                execute(statement)
            execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (migration.version, stamp))
        execute("COMMIT")
    except BaseException:
        execute("ROLLBACK")
        raise
    return current
