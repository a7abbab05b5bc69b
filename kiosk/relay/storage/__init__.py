"""The relay's storage: the :class:`RelayStorage` interface (``interface.py``) and its engines.

``sqlite.py`` is the embedded engine (one file, one writer thread with group commit). The relay opens its
store with :func:`open_storage`; nothing outside this package writes SQL.
"""

from __future__ import annotations

from pathlib import Path

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
    RelayStorage,
    StorageError,
)
from .sqlite import SQLiteStorage


def open_storage(path: Path) -> RelayStorage:
    """The relay's store at ``path`` (SQLite); raises :class:`StorageError` when it cannot be opened."""
    return SQLiteStorage(path)


__all__ = [
    "CODEPAY_STEPS",
    "CodePayDraft",
    "CodePayRecord",
    "CodePayStep",
    "EventRecord",
    "Inserted",
    "Mismatch",
    "OrderChange",
    "OrderDraft",
    "OrderRecord",
    "Outcome",
    "RefundChange",
    "RefundDraft",
    "RefundRecord",
    "RelayStorage",
    "SQLiteStorage",
    "StorageError",
    "open_storage",
]
