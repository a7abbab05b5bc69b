"""Journal schema, as numbered migrations. A migration is never edited once shipped: add a new one.

Nothing has shipped yet (0.x): the schema is the one migration below, with no code for earlier drafts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_APPEND_ONLY = (
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "orders (both payment methods), items, append-only events, outbox, refunds, settings, per-day sequence",
        (
            """CREATE TABLE settings (
                 key TEXT PRIMARY KEY,
                 value TEXT NOT NULL,
                 updated_at TEXT NOT NULL)""",
            """CREATE TABLE day_sequences (
                 day TEXT PRIMARY KEY,
                 last_sequence INTEGER NOT NULL)""",
            # method: kiosk.trade.TradeType, with no default (every insert says how the customer pays);
            # payment_code: the customer's code masked (all but the last four digits), for payment-code orders.
            """CREATE TABLE orders (
                 out_trade_no TEXT PRIMARY KEY,
                 business_day TEXT NOT NULL,
                 sequence INTEGER NOT NULL,
                 store_id TEXT NOT NULL,
                 kiosk_id TEXT NOT NULL,
                 method TEXT NOT NULL,
                 amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
                 description TEXT NOT NULL,
                 charged_at TEXT NOT NULL,
                 expires_at TEXT NOT NULL,
                 state TEXT NOT NULL,
                 trade_state TEXT,
                 version INTEGER NOT NULL DEFAULT 0,
                 code_url TEXT,
                 payment_code TEXT,
                 transaction_id TEXT,
                 success_time TEXT,
                 payer_total_fen INTEGER,
                 settled INTEGER NOT NULL DEFAULT 0,
                 ended_by TEXT,
                 last_error TEXT,
                 failure TEXT,
                 unresolved INTEGER NOT NULL DEFAULT 0,
                 auto_print_slip INTEGER NOT NULL DEFAULT 0,
                 training INTEGER NOT NULL DEFAULT 0,
                 updated_at TEXT NOT NULL)""",
            "CREATE INDEX orders_by_day ON orders (business_day, sequence)",
            "CREATE INDEX orders_by_state ON orders (state, settled)",
            # When the money arrived (WeChat Pay's time, else the order's): the repeat-charge check and the last
            # sale ask by it (Journal.orders_paid_between, which names this index).
            "CREATE INDEX orders_by_paid_at ON orders (COALESCE(success_time, charged_at))",
            """CREATE TABLE order_items (
                 out_trade_no TEXT NOT NULL REFERENCES orders (out_trade_no),
                 line_no INTEGER NOT NULL,
                 sku TEXT NOT NULL,
                 barcode TEXT,
                 name_zh TEXT NOT NULL,
                 name_en TEXT NOT NULL,
                 category TEXT NOT NULL,
                 quantity INTEGER NOT NULL CHECK (quantity > 0),
                 unit_price_fen INTEGER NOT NULL CHECK (unit_price_fen >= 0),
                 total_fen INTEGER NOT NULL,
                 PRIMARY KEY (out_trade_no, line_no))""",
            """CREATE TABLE events (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 out_trade_no TEXT NOT NULL,
                 at TEXT NOT NULL,
                 kind TEXT NOT NULL,
                 from_state TEXT,
                 to_state TEXT,
                 detail TEXT NOT NULL DEFAULT '{}')""",
            "CREATE INDEX events_by_order ON events (out_trade_no, id)",
            *_APPEND_ONLY,
            """CREATE TABLE commands (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 out_trade_no TEXT NOT NULL,
                 kind TEXT NOT NULL CHECK (kind IN ('create', 'close', 'refund', 'print_receipt', 'print_slip')),
                 payload TEXT NOT NULL DEFAULT '{}',
                 created_at TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 next_attempt_at TEXT,
                 last_error TEXT,
                 done_at TEXT,
                 outcome TEXT)""",
            "CREATE INDEX commands_pending ON commands (done_at, out_trade_no, id)",
            """CREATE TABLE refunds (
                 out_refund_no TEXT PRIMARY KEY,
                 out_trade_no TEXT NOT NULL REFERENCES orders (out_trade_no),
                 amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
                 reason TEXT NOT NULL,
                 requested_at TEXT NOT NULL,
                 state TEXT NOT NULL,
                 refund_id TEXT,
                 success_time TEXT,
                 last_error TEXT,
                 updated_at TEXT NOT NULL)""",
            "CREATE INDEX refunds_by_order ON refunds (out_trade_no)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
