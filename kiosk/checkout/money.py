"""Money is an int of fen; yuan appear only here, when formatting for people."""

from __future__ import annotations


def format_yuan(fen: int, *, sign: str = "￥") -> str:
    """``350`` → ``"￥3.50"``; negative amounts keep their minus sign in front."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amounts are int fen, not {type(fen).__name__}")
    minus = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), 100)
    return f"{minus}{sign}{yuan}.{rest:02d}"
