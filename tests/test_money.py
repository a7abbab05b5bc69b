"""The one money formatter (kiosk/money.py): fen in, yuan out at the edges, and what a manager types back in."""

from __future__ import annotations

import pytest

from kiosk.money import format_yuan, parse_yuan, yuan


@pytest.mark.parametrize(
    "fen, plain, signed",
    [
        (0, "0.00", "￥0.00"),
        (5, "0.05", "￥0.05"),
        (350, "3.50", "￥3.50"),
        (123456, "1234.56", "￥1234.56"),
        (-250, "-2.50", "-￥2.50"),
        (-5, "-0.05", "-￥0.05"),
    ],
)
def test_yuan_and_format_yuan(fen: int, plain: str, signed: str) -> None:
    assert yuan(fen) == plain
    assert format_yuan(fen) == signed
    assert format_yuan(fen, sign="¥") == signed.replace("￥", "¥")


@pytest.mark.parametrize("value", [3.5, "350", True, None])
def test_only_int_fen_is_formatted(value: object) -> None:
    with pytest.raises(TypeError):
        yuan(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_yuan(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text, fen", [("12.5", 1250), ("12.50", 1250), (" ￥3 ", 300), ("¥0.05", 5), ("7", 700), ("0.1", 10)]
)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen
    assert parse_yuan(yuan(fen)) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-1.00", "1,000.00", "1e3", "12.", "1234567890"])
def test_parse_yuan_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount in yuan"):
        parse_yuan(text)
