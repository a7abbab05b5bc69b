"""The sandbox's SQLite store opens state directories written by earlier versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.sandbox.store import Store

OLD_REFUNDS = """CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL, order_id INTEGER NOT NULL,
    out_refund_no TEXT NOT NULL, refund_id TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL, reason TEXT NOT NULL, notify_url TEXT NOT NULL, funds_account TEXT NOT NULL,
    status TEXT NOT NULL, create_time REAL NOT NULL, due_time REAL NOT NULL, success_time REAL,
    UNIQUE (owner, out_refund_no)
)"""


def test_refunds_from_before_the_outcome_column_get_it_as_success(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.db"
    with sqlite3.connect(path) as db:
        db.execute(OLD_REFUNDS)
        db.execute(
            "INSERT INTO refunds VALUES (1, '1900000109', 1, 'R1', '5000000001', 100, '', '', 'AVAILABLE',"
            " 'PROCESSING', 0, 5, NULL)"
        )
    db.close()
    store = Store(path)
    row = store.one("SELECT * FROM refunds WHERE out_refund_no = 'R1'")
    store.close()
    assert row is not None and row["outcome"] == "SUCCESS" and row["status"] == "PROCESSING"
    again = Store(path)  # opening again changes nothing
    assert again.one("SELECT outcome FROM refunds")["outcome"] == "SUCCESS"  # type: ignore[index]
    again.close()
