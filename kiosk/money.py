"""Money is an ``int`` of fen everywhere; yuan appear only at the edges, and only through this module.

``format_yuan`` is for people (screens, paper), ``yuan`` for CSV cells and bill files (WeChat Pay writes
amounts as ``d.dd`` too), ``parse_yuan`` for what a manager types.
"""

from __future__ import annotations

import re

_TYPED = re.compile(r"^\s*[¥￥]?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$")


def yuan(fen: int) -> str:
    """``1250`` → ``"12.50"``, ``-300`` → ``"-3.00"`` (no currency sign)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amounts are int fen, not {type(fen).__name__}")
    minus = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    return f"{minus}{whole}.{rest:02d}"


def format_yuan(fen: int, *, sign: str = "￥") -> str:
    """``350`` → ``"￥3.50"``; a negative amount (a refund) keeps its minus sign before the currency sign."""
    text = yuan(fen)
    return f"-{sign}{text[1:]}" if text.startswith("-") else f"{sign}{text}"


def parse_yuan(text: str) -> int:
    """``"12.5"`` → ``1250``; a positive amount with at most two decimals (a ¥ or ￥ sign allowed), else ValueError."""
    match = _TYPED.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount in yuan")
    whole, part = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(part)
