from __future__ import annotations

import pytest

from kiosk.printing.text import MISSING_NARROW, MISSING_WIDE, display_width, pad, sanitize, wrap


def test_display_width_counts_gbk_bytes() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("￥12.50") == 7
    assert display_width("é") == 2  # GBK has é, printed full width in Chinese mode
    assert display_width("𠀀") == 2  # not in GBK: counted as its 2-column replacement


def test_sanitize_replaces_out_of_gbk_characters_visibly() -> None:
    assert sanitize("面𠀀条") == f"面{MISSING_WIDE}条"
    assert sanitize("カ") == "カ"  # katakana is in GBK
    assert sanitize("\u20ac5") == f"{MISSING_WIDE}5"  # € is a single byte in cp936, not a GBK pair
    assert "?" not in sanitize("𠀀€\ue000")


def test_sanitize_maps_yen_sign_to_fullwidth_yuan_and_neutralises_controls() -> None:
    assert sanitize("¥9") == "￥9"
    cleaned = sanitize("a\x1b@b\x1dV\x00c")
    assert "\x1b" not in cleaned and "\x1d" not in cleaned and "\x00" not in cleaned
    assert cleaned == f"a{MISSING_WIDE}@b{MISSING_WIDE}V{MISSING_WIDE}c"


def test_sanitize_single_byte_mode_uses_bracketed_marker() -> None:
    assert sanitize("Tea 茶", "cp437", double_byte=False) == f"Tea {MISSING_NARROW}"


def test_wrap_by_display_width() -> None:
    lines = wrap("康师傅红烧牛肉面超大桶装", 8)
    assert lines == ["康师傅红", "烧牛肉面", "超大桶装"]
    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]
    assert all(display_width(line) <= 7 for line in wrap("中a中a中a中a中a中", 7))


def test_pad_aligns_by_display_width() -> None:
    assert pad("中", 4, "right") == "  中"
    assert pad("ab", 5, "center") == " ab  "
    with pytest.raises(ValueError):
        pad("中文字", 5)
