"""SQLite state under the state directory: orders, code_urls, refunds, notifications, bill tokens, settings,
and the payment codes of the simulated customers with the code-pay side of their orders.

One connection in WAL mode, used from the server's event loop; a lock keeps the embedded case
(another thread reading for the HTML page or tests) safe. Times are stored as sandbox-clock epoch seconds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,              -- mchid (direct) or 'sp_mchid:sub_mchid' (partner)
    mode TEXT NOT NULL,               -- 'direct' | 'partner'
    mchid TEXT, appid TEXT, sp_mchid TEXT, sp_appid TEXT, sub_mchid TEXT, sub_appid TEXT,
    out_trade_no TEXT NOT NULL,
    request TEXT NOT NULL,            -- canonical JSON of the create request, for idempotency
    description TEXT NOT NULL, attach TEXT NOT NULL, notify_url TEXT NOT NULL, device_id TEXT NOT NULL,
    total INTEGER NOT NULL,
    create_time REAL NOT NULL, expire_time REAL NOT NULL,
    trade_state TEXT NOT NULL, closed_by_expiry INTEGER NOT NULL DEFAULT 0,
    transaction_id TEXT UNIQUE, openid TEXT, bank_type TEXT, success_time REAL, payer_total INTEGER,
    refunded INTEGER NOT NULL DEFAULT 0, last_refund_time REAL,
    trade_type TEXT NOT NULL,                    -- kiosk.trade.TradeType: NATIVE, or MICROPAY (payment code)
    UNIQUE (owner, out_trade_no)
);
CREATE TABLE IF NOT EXISTS code_urls (
    pr TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), issued_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL, order_id INTEGER NOT NULL REFERENCES orders(id),
    out_refund_no TEXT NOT NULL, refund_id TEXT NOT NULL UNIQUE,
    amount INTEGER NOT NULL, reason TEXT NOT NULL, notify_url TEXT NOT NULL, funds_account TEXT NOT NULL,
    status TEXT NOT NULL, create_time REAL NOT NULL, due_time REAL NOT NULL, success_time REAL,
    outcome TEXT NOT NULL,            -- how it ends when processed (the setting when it was created)
    UNIQUE (owner, out_refund_no)
);
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
    out_trade_no TEXT NOT NULL, out_refund_no TEXT, url TEXT NOT NULL, body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_time REAL, state TEXT NOT NULL, created REAL NOT NULL,
    held INTEGER NOT NULL DEFAULT 0        -- out-of-order fault: waits for a later notification
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (state, next_time);
CREATE TABLE IF NOT EXISTS attempts (
    seq INTEGER PRIMARY KEY,
    notification_id TEXT NOT NULL, attempt INTEGER NOT NULL, time REAL NOT NULL,
    status INTEGER, error TEXT, kind TEXT NOT NULL   -- 'normal' | 'probe' | 'duplicate' | 'dropped'
);
CREATE TABLE IF NOT EXISTS bill_tokens (
    token TEXT PRIMARY KEY, caller TEXT NOT NULL, content BLOB NOT NULL, gzip INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payment_codes (
    auth_code TEXT PRIMARY KEY, scenario TEXT NOT NULL, issued_at REAL NOT NULL,
    password_seconds REAL NOT NULL, openid TEXT NOT NULL, bank_type TEXT NOT NULL,
    charges INTEGER NOT NULL DEFAULT 0,          -- charge requests that named this code
    used_at REAL,                                -- single use: set by the charge that used it up
    order_id INTEGER REFERENCES orders(id)      -- the order it paid or was refused for (if recorded)
);
CREATE TABLE IF NOT EXISTS codepay (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id),
    pending TEXT, due_time REAL,                 -- USERPAYING becomes `pending` at `due_time`
    failure TEXT                                 -- a final charge refusal (JSON), answered again on a replay
);
CREATE INDEX IF NOT EXISTS codepay_due ON codepay (due_time) WHERE due_time IS NOT NULL;
"""


class Store:
    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self.db.execute(sql, args).fetchone()
            return row

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return list(self.db.execute(sql, args).fetchall())

    def execute(self, sql: str, *args: Any) -> int:
        with self._lock:
            cursor = self.db.execute(sql, args)
            return cursor.lastrowid or 0

    def get_setting(self, key: str, default: Any) -> Any:
        row = self.one("SELECT value FROM settings WHERE key = ?", key)
        return default if row is None else json.loads(row["value"])

    def set_setting(self, key: str, value: Any) -> None:
        self.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", key, json.dumps(value))

    def close(self) -> None:
        with self._lock:
            self.db.close()
