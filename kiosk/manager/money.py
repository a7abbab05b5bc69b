"""Yuan only at the edges: formatting for people and CSV, and parsing what a manager types."""

from __future__ import annotations

import re

_YUAN = re.compile(r"^\s*[¥￥]?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$")


def yuan(fen: int) -> str:
    """``1250`` → ``"12.50"`` (no currency sign: CSV cells and table columns)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amounts are int fen, not {type(fen).__name__}")
    minus = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    return f"{minus}{whole}.{rest:02d}"


def parse_yuan(text: str) -> int:
    """``"12.5"`` → ``1250``; a positive amount with at most two decimals, else ValueError."""
    match = _YUAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount in yuan")
    whole, part = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(part)
