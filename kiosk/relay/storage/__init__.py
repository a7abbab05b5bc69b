"""The relay's storage: the :class:`RelayStorage` interface (``interface.py``) and its engines.

``transactions.py`` holds every transaction (and its state rules) once for all engines, ``schema.py`` the
schema and its migrations. ``sqlite.py`` is the embedded engine (one file, one process, one writer thread with
group commit); ``postgres.py`` is a server that several relay instances share (the ``postgres`` extra:
psycopg). The relay opens its store with :func:`open_storage`; nothing outside this package writes SQL.
"""

from __future__ import annotations

from pathlib import Path

from .interface import (
    CODEPAY_STEPS,
    ClusterLink,
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
    Signal,
    StorageError,
)
from .sqlite import SQLiteStorage

#: Why a PostgreSQL URL cannot be used: the optional driver is not installed.
NO_DRIVER = "PostgreSQL needs its driver: pip install 'kiosk[postgres]'"


def open_storage(where: Path | str, *, pool_size: int = 10) -> RelayStorage:
    """The relay's store: an SQLite file at a path, or the PostgreSQL database of a ``postgresql://`` URL (with a
    pool of at most ``pool_size`` connections); raises :class:`StorageError` when it cannot be opened."""
    if isinstance(where, Path):
        return SQLiteStorage(where)
    try:
        from .postgres import PostgresStorage  # the optional driver: only a relay on PostgreSQL needs it
    except ImportError:
        raise StorageError(NO_DRIVER) from None
    return PostgresStorage(where, pool_size=pool_size)


__all__ = [
    "CODEPAY_STEPS",
    "NO_DRIVER",
    "ClusterLink",
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
    "Signal",
    "StorageError",
    "open_storage",
]
