"""The shipped CJK font (resources/fonts): what receipts and screens print is in it, its licence beside it."""

from __future__ import annotations

import unicodedata

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from kiosk.printing import fonts
from kiosk.resources import CJK_FONT, resource_path
from scripts.subset_cjk_font import gb2312_characters, shipped_text


def cmap() -> set[int]:
    return set(TTFont(str(resource_path(CJK_FONT)))["cmap"].getBestCmap())


def test_font_covers_gb2312_ascii_and_receipt_signs() -> None:
    have = cmap()
    text = gb2312_characters() + "".join(chr(c) for c in range(0x20, 0x7F)) + "¥￥·…，。：；（）"
    assert len(gb2312_characters()) > 7400  # levels 1 and 2 (6,763 hanzi) and the symbol rows
    missing = sorted({char for char in text if ord(char) not in have})
    assert missing == []


def test_font_covers_every_shipped_chinese_string() -> None:
    have = cmap()
    missing = sorted({char for char in shipped_text() if unicodedata.category(char) != "Cc" and ord(char) not in have})
    assert missing == [], "run scripts/subset_cjk_font.py after adding strings"


def test_font_is_small_licensed_and_draws_chinese() -> None:
    path = resource_path(CJK_FONT)
    assert path.stat().st_size < 2_500_000
    licence = (path.parent / "OFL.txt").read_text("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Copyright 2014-2021 Adobe" in licence
    assert fonts.cjk_font_path() == path
    image = Image.new("L", (48, 48), 255)
    ImageDraw.Draw(image).text((0, 0), "鑫", font=fonts.cjk_font(40), fill=0)  # a level-2 hanzi
    assert image.getextrema()[0] == 0
