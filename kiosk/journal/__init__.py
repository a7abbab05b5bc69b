"""The kiosk's offline SQLite journal (orders, append-only events, outbox, refunds, settings)."""

from kiosk.journal.journal import (
    CommandRow,
    EventRow,
    Journal,
    JournalError,
    OrderItemRow,
    OrderRow,
    RefundRow,
    parse_timestamp,
    timestamp,
)
from kiosk.journal.schema import LATEST_VERSION, MIGRATIONS, Migration

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "CommandRow",
    "EventRow",
    "Journal",
    "JournalError",
    "Migration",
    "OrderItemRow",
    "OrderRow",
    "RefundRow",
    "parse_timestamp",
    "timestamp",
]
