"""Locally generated ``out_trade_no``: unique per store, kiosk and day, at most 32 of ``[0-9A-Za-z_-]``.

Shape: ``{store}-{kiosk}-{yyyymmdd}{epoch}{seq:05d}``, e.g. ``S1-K1-20261129A7K00042`` — readable on a
receipt, sortable by day. ``{store}-`` is the store's prefix of the kiosk API's contract
(``kiosk.wire.store_prefix``): the relay takes only numbers of the kiosk's own store. ``{kiosk}`` is the
kiosk id's letters and digits, or a hash of it when they do not fit. The sequence comes from the journal (one
counter per business day, journaled with the order). ``epoch`` is three random characters chosen once per
journal: a kiosk reinstalled with an empty journal restarts its sequence at 1, and must not reuse (and be
answered with) an earlier order's number. A refund's number is its order's with ``R`` and a count after it.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from kiosk.wire import number_tag, store_prefix

MAX_LENGTH = 32
SEQUENCE_DIGITS = 5
EPOCH_LENGTH = 3
_EPOCH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
_ALLOWED = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
#: Room left for store + kiosk (with their separators) once the date (8), epoch (3) and sequence (5) are in.
_PREFIX_ROOM = MAX_LENGTH - 8 - EPOCH_LENGTH - SEQUENCE_DIGITS
_EPOCH = re.compile(r"^[0-9A-Z]{3}$")
#: How many trailing characters of an out_trade_no make its short number.
SHORT_LENGTH = SEQUENCE_DIGITS


def is_valid_out_trade_no(value: str) -> bool:
    return bool(_ALLOWED.match(value))


def trade_no_prefix(store_id: str, kiosk_id: str) -> str:
    """The store's prefix (``kiosk.wire.store_prefix``), then the kiosk's tag and a separator: the separators keep
    ("S1", "K1") apart from ("S", "1K1") and the sequence apart from the kiosk's tag."""
    store = store_prefix(store_id)
    return f"{store}{number_tag(kiosk_id, _PREFIX_ROOM - len(store) - 1)}-"


def new_epoch() -> str:
    """Three random characters identifying one journal (stored in its settings)."""
    return "".join(secrets.choice(_EPOCH_ALPHABET) for _ in range(EPOCH_LENGTH))


def make_out_trade_no(prefix: str, day: date, sequence: int, epoch: str) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence {sequence} out of range 1..{MAX_SEQUENCE} for one day")
    if not _EPOCH.match(epoch):
        raise ValueError(f"epoch {epoch!r} is not three of [0-9A-Z]")
    value = f"{prefix}{day:%Y%m%d}{epoch}{sequence:0{SEQUENCE_DIGITS}d}"
    if not is_valid_out_trade_no(value):
        raise ValueError(f"{value!r} is not a valid out_trade_no")
    return value


def short_trade_no(out_trade_no: str) -> str:
    """The number a clerk calls an order by: its last five characters (``S1-K1-20261129A7K00042`` → ``00042``)."""
    if not out_trade_no:
        raise ValueError("empty out_trade_no")
    return out_trade_no[-SHORT_LENGTH:]
