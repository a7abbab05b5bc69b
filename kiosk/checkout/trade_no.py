"""Locally generated ``out_trade_no``: unique per store, kiosk and day, at most 32 of ``[0-9A-Za-z_-]``.

Shape: ``{store}-{kiosk}-{yyyymmdd}{epoch}{seq:05d}``, e.g. ``S1-K1-20261129A7K00042`` — readable on a
receipt, sortable by day. The sequence comes from the journal (one counter per business day, journaled with
the order). ``epoch`` is three random characters chosen once per journal: a kiosk reinstalled with an empty
journal restarts its sequence at 1, and must not reuse (and be answered with) an earlier order's number.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

MAX_LENGTH = 32
SEQUENCE_DIGITS = 5
EPOCH_LENGTH = 3
_EPOCH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
_ALLOWED = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
_NOT_ALLOWED = re.compile(r"[^0-9A-Za-z]")
#: Room left for store + kiosk once the date (8), epoch (3) and sequence (5) are in.
_PREFIX_ROOM = MAX_LENGTH - 8 - EPOCH_LENGTH - SEQUENCE_DIGITS
_EPOCH = re.compile(r"^[0-9A-Z]{3}$")
#: How many trailing characters of an out_trade_no make its short number.
SHORT_LENGTH = SEQUENCE_DIGITS


def is_valid_out_trade_no(value: str) -> bool:
    return bool(_ALLOWED.match(value))


def trade_no_prefix(store_id: str, kiosk_id: str) -> str:
    """``store`` + ``kiosk`` reduced to letters and digits; a stable hash when they do not fit."""
    store = _NOT_ALLOWED.sub("", store_id)
    kiosk = _NOT_ALLOWED.sub("", kiosk_id)
    if not store or not kiosk:
        raise ValueError("store and kiosk ids need at least one letter or digit")
    # Separators keep ("S1", "K1") apart from ("S", "1K1") and the sequence apart from the kiosk id.
    prefix = f"{store}-{kiosk}-"
    if len(prefix) <= _PREFIX_ROOM:
        return prefix
    digest = hashlib.sha256(f"{store_id}\x00{kiosk_id}".encode()).hexdigest()[: _PREFIX_ROOM - 1]
    return f"{digest}-"


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
