from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

import kiosk.printing
from kiosk.printing import fonts
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import find_profile
from kiosk.printing.text import MISSING_WIDE
from tests.printing.escpos_decoder import decode
from tests.printing.test_render import _slip


def test_public_api_is_pinned() -> None:
    assert sorted(kiosk.printing.__all__) == sorted(
        [
            "CoverOpen", "Document", "EscPosPrinter", "FaultAdvice", "FaultKind", "PaperOut", "PrintJob",
            "PrintQueue", "Printer", "PrinterError", "PrinterFault", "PrinterMalfunction", "PrinterOffline",
            "PrinterStatus", "PrinterUnavailable", "PrintingError", "Profile", "ProfileError", "ReceiptItem",
            "RenderError", "StoreInfo", "VirtualPrinter", "advice_for", "cjk_font_path", "fault_of", "find_profile",
            "load_printer_settings", "open_printer", "paid_receipt", "payment_slip", "refund_slip", "render",
        ]
    )  # fmt: skip


def test_printing_imports_no_qt() -> None:
    code = (
        "import sys, kiosk.printing, kiosk.printing.cli, kiosk.printing.queue, kiosk.printing.preview\n"
        "from kiosk.printing._escpos import escpos_modules; escpos_modules()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide', 'PyQt', 'shiboken'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cjk_font_is_found_and_draws_chinese() -> None:
    path = fonts.cjk_font_path()
    assert path is not None and path.is_file()
    image = Image.new("L", (48, 48), 255)
    ImageDraw.Draw(image).text((0, 0), "中", font=fonts.cjk_font(24), fill=0)
    assert image.getextrema()[0] == 0  # ink was drawn: the glyph exists in the font


def test_cjk_font_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "shop-font.ttf"
    fake.write_bytes(b"not really a font")
    monkeypatch.setenv(fonts.FONT_ENV, str(fake))
    fonts.cjk_font_path.cache_clear()
    try:
        assert fonts.cjk_font_path() == fake
    finally:
        monkeypatch.delenv(fonts.FONT_ENV)
        fonts.cjk_font_path.cache_clear()


def test_chinese_profile_with_image_fallback_prints_only_unprintable_lines_as_images() -> None:
    base = find_profile("generic-80mm")
    profile = dataclasses.replace(base, text=dataclasses.replace(base.text, fallback="image"))
    decoded = decode(render(_slip(), profile))
    assert len(decoded.images) == 1  # the line with 𠀀 (not in GBK)
    assert not any(MISSING_WIDE in line.text for line in decoded.lines)
    assert "请使用微信扫一扫支付" in decoded.texts


def test_image_text_mode_prints_every_line_as_a_raster() -> None:
    base = find_profile("generic-58mm")
    profile = dataclasses.replace(base, text=dataclasses.replace(base.text, mode="image"))
    decoded = decode(render(_slip(), profile))
    assert ("kanji", False) in decoded.events
    assert all(line.text == "" for line in decoded.lines)  # only the line feeds around images remain
    assert len(decoded.images) > 20
    assert all(raster.image.width <= profile.paper.dots for raster in decoded.images)
