"""Moving a shop's relay up: every row of its SQLite file into a PostgreSQL database (``kiosk-relay migrate``).

The file is locked as a running relay locks it, so no relay can write while it is copied (stop the relay
first). The target is migrated to the same schema version, must hold no relay data (unless ``replace``, which
empties it first), and receives every table in one transaction with COPY. Before that transaction commits, the
same counts and sums are taken on both sides (rows, amounts per state and status, refunded amounts, versions,
the last event number, the bill cache's bytes) and any difference rolls it all back. The file is not changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from .interface import StorageError
from .postgres import describe, reason
from .schema import POSTGRES, SQLITE, migrate
from .sqlite import _exclusive_lock, connect

#: The tables holding a relay's data, parents first (``leases`` holds turns and ``probe`` the health check's
#: counter, not data: they are not moved).
DATA_TABLES = ("orders", "codepay", "refunds", "notifications", "bill_answers", "events")

#: What is compared on both sides, table by table: each statement answers one row of numbers.
TOTALS: Mapping[str, str] = {
    "orders": "SELECT COUNT(*) AS rows, COALESCE(SUM(amount_fen), 0) AS amount_fen, "
    "COALESCE(SUM(refunded_fen), 0) AS refunded_fen, COALESCE(SUM(version), 0) AS versions FROM orders",
    "codepay": "SELECT COUNT(*) AS rows, COALESCE(SUM(attempts), 0) AS attempts, "
    "COALESCE(SUM(resent), 0) AS resent FROM codepay",
    "refunds": "SELECT COUNT(*) AS rows, COALESCE(SUM(amount_fen), 0) AS amount_fen, "
    "COALESCE(SUM(version), 0) AS versions FROM refunds",
    "notifications": "SELECT COUNT(*) AS rows FROM notifications",
    "bill_answers": "SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(body)), 0) AS bytes FROM bill_answers",
    "events": "SELECT COUNT(*) AS rows, COALESCE(MAX(seq), 0) AS last_seq FROM events",
}
#: Amounts per state, payment method, flow step and refund status (a row moved but changed would show here).
BREAKDOWNS: Mapping[str, str] = {
    "orders_by_method": "SELECT trade_type AS part, COUNT(*) AS rows, SUM(amount_fen) AS amount_fen FROM orders "
    "GROUP BY trade_type",
    "codepay_by_step": "SELECT step AS part, COUNT(*) AS rows, COUNT(*) AS amount_fen FROM codepay GROUP BY step",
    "orders_by_state": "SELECT state AS part, COUNT(*) AS rows, SUM(amount_fen) AS amount_fen FROM orders "
    "GROUP BY state",
    "refunds_by_status": "SELECT status AS part, COUNT(*) AS rows, SUM(amount_fen) AS amount_fen FROM refunds "
    "GROUP BY status",
}

Query = Callable[[str], Sequence[Mapping[str, Any]]]


def totals(query: Query) -> dict[str, Any]:
    """The numbers :func:`move` compares, from either engine."""
    found: dict[str, Any] = {
        table: {name: int(value) for name, value in query(statement)[0].items()} for table, statement in TOTALS.items()
    }
    for name, statement in BREAKDOWNS.items():
        found[name] = {
            str(row["part"]): {"rows": int(row["rows"]), "amount_fen": int(row["amount_fen"])}
            for row in query(statement)
        }
    return found


def move(source: Path, url: str, *, replace: bool = False) -> dict[str, Any]:
    """Copy the relay's SQLite file ``source`` into the PostgreSQL database at ``url``; returns what was
    compared. Raises :class:`StorageError` naming what is wrong, having changed nothing."""
    if not source.is_file():
        raise StorageError(f"{source} does not exist")
    lock = _exclusive_lock(source)  # no relay may write meanwhile
    try:
        reader = connect(source)
        try:
            migrate(reader, SQLITE)  # a file of an older relay is brought up to this one's schema first
            before = totals(lambda statement: [dict(row) for row in reader.execute(statement)])
            return _copy(reader, url, before, replace=replace) | {"from": str(source)}
        finally:
            reader.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read {source}: {exc}") from None
    finally:
        lock.release()


def _copy(reader: sqlite3.Connection, url: str, before: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    target = describe(url)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            migrate(connection, POSTGRES)
            with connection.transaction():
                held = {table: _count(connection, table) for table in DATA_TABLES}
                if any(held.values()) and not replace:
                    rows = ", ".join(f"{count} {table}" for table, count in held.items() if count)
                    raise StorageError(f"{target} already holds relay data ({rows}); --replace empties it first")
                connection.execute(
                    sql.SQL("TRUNCATE {} RESTART IDENTITY").format(sql.SQL(", ").join(map(sql.Identifier, DATA_TABLES)))
                )
                for table in DATA_TABLES:
                    _copy_table(reader, connection, table)
                # The next event continues the file's numbering.
                connection.execute(
                    "SELECT setval(pg_get_serial_sequence('events', 'seq'), COALESCE(MAX(seq), 1), "
                    "MAX(seq) IS NOT NULL) FROM events"
                )
                after = totals(lambda statement: _rows(connection, statement))
                if after != before:
                    differences = sorted(
                        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
                    )
                    raise StorageError(f"the copy differs from the file in {', '.join(differences)}; nothing was kept")
    except psycopg.Error as exc:
        raise StorageError(f"cannot copy into {target}: {reason(exc)}") from None
    return {"to": target, "replaced": replace and any(held.values()), "totals": after}


def _rows(connection: psycopg.Connection[Any], statement: str | sql.Composed) -> list[dict[str, Any]]:
    return connection.cursor(row_factory=dict_row).execute(statement).fetchall()


def _count(connection: psycopg.Connection[Any], table: str) -> int:
    [row] = _rows(connection, sql.SQL("SELECT COUNT(*) AS rows FROM {}").format(sql.Identifier(table)))
    return int(row["rows"])


def _copy_table(reader: sqlite3.Connection, connection: psycopg.Connection[Any], table: str) -> None:
    """Every row as SQLite holds it: times as RFC 3339 and JSON as text, which the target's columns parse."""
    cursor = reader.execute(f"SELECT * FROM {table} ORDER BY rowid")  # one of DATA_TABLES
    columns = [description[0] for description in cursor.description]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor().copy(statement) as copy:
        for row in cursor:
            copy.write_row(tuple(row))
