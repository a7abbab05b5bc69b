from __future__ import annotations

import dataclasses
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
import zxingcpp

from kiosk.printing.documents import Document, Line, layout, payment_slip
from kiosk.printing.escpos_render import render
from kiosk.printing.profiles import Profile, find_profile
from kiosk.printing.render_common import metrics_for
from kiosk.printing.text import MISSING_WIDE, display_width
from tests.printing.conftest import CODE_URL, ITEMS, NOW, STORE, TOTAL
from tests.printing.escpos_decoder import decode
from tests.printing.test_documents import _all_documents

PROFILES = ["generic-58mm", "generic-80mm", "epson-tm-t20", "epson-tm-t88", "virtual"]
CODE_URLS = [CODE_URL, "weixin://wxpay/bizpayurl?pr=AbCdEfG", "weixin://wxpay/bizpayurl?pr=" + "z" * 60]


def _with_qr(profile: Profile, mode: Literal["native", "image"]) -> Profile:
    return dataclasses.replace(profile, qr=dataclasses.replace(profile.qr, mode=mode))


def _slip(code_url: str = CODE_URL) -> Document:
    return payment_slip(STORE, "K20261129000123", ITEMS, TOTAL, code_url, NOW)


def _scan(image: object) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("code_url", CODE_URLS)
def test_native_qr_payload_is_the_code_url(name: str, code_url: str) -> None:
    profile = _with_qr(find_profile(name), "native")
    decoded = decode(render(_slip(code_url), profile))
    assert [qr.data.decode() for qr in decoded.qr_printed] == [code_url]
    qr = decoded.qr_printed[0]
    assert (qr.module, qr.ec, qr.model, qr.align) == (profile.qr.module, 1, 2, "center")
    # Quiet zone: blank lines right before and after the symbol.
    names = decoded.event_names
    at = names.index("qr")
    assert decoded.events[at - 1] == ("line", "") and decoded.events[at + 1] == ("line", "")


@pytest.mark.parametrize("name", ["generic-58mm", "generic-80mm", "epson-tm-t88"])
@pytest.mark.parametrize("code_url", CODE_URLS[:2])
def test_image_qr_decodes_to_the_code_url(name: str, code_url: str) -> None:
    profile = _with_qr(find_profile(name), "image")
    decoded = decode(render(_slip(code_url), profile))
    assert decoded.qr_printed == []
    found = [text for raster in decoded.images for text in _scan(raster.image)]
    assert found == [code_url]
    symbol = next(raster for raster in decoded.images if _scan(raster.image))
    assert symbol.align == "center" and symbol.image.width <= profile.paper.dots
    # Border of 4 modules: the outermost 4 * module dots are white on every side.
    margin = 4 * profile.qr.module
    image = symbol.image
    assert all(image.getpixel((x, y)) == 255 for x in range(image.width) for y in range(margin))
    assert all(image.getpixel((x, y)) == 255 for x in range(margin) for y in range(image.height))


@pytest.mark.parametrize("name", ["generic-58mm", "generic-80mm", "epson-tm-t20", "virtual"])
def test_chinese_text_round_trips_through_gbk(name: str) -> None:
    profile = find_profile(name)
    for document in _all_documents():
        data = render(document, profile)
        decoded = decode(data)
        assert decoded.events[0] == ("init", None) and decoded.events[1] == ("kanji", True)
        expected = [item.text for item in layout(document, metrics_for(profile)) if isinstance(item, Line)]
        printed = [line.text for line in decoded.lines if line.text]
        assert printed == [text for text in expected if text]
        assert "请使用微信扫一扫支付" in printed or document.kind != "payment_slip"
        assert all(line.kanji for line in decoded.lines)


@pytest.mark.parametrize("name", PROFILES)
def test_no_printed_line_is_wider_than_the_paper(name: str) -> None:
    profile = find_profile(name)
    for document in _all_documents():
        decoded = decode(render(document, profile))
        for line in decoded.lines:
            assert display_width(line.text) * line.width <= profile.paper.columns, line
        assert all(raster.image.width <= profile.paper.dots for raster in decoded.images)


def test_characters_outside_gbk_are_replaced_visibly_never_by_a_question_mark() -> None:
    profile = find_profile("generic-80mm")
    data = render(_slip(), profile)
    cafe = next(line for line in decode(data).lines if line.text.startswith("Café"))
    assert cafe.text.startswith(f"Café 咖啡 {MISSING_WIDE} ￥")
    assert b"?" not in cafe.raw
    assert "￥".encode("gbk") == b"\xa3\xa4" and b"\xa3\xa4" in cafe.raw
    # No 4-byte GB18030 sequence anywhere (the decoder rejects them) and no UTF-8 for the ideographs.
    assert "咖啡".encode() not in data


def test_control_characters_in_names_cannot_inject_commands() -> None:
    from kiosk.printing.documents import ReceiptItem

    evil = [ReceiptItem("水\x1dV\x00\x1bp\x00", 1, 100, 100)]
    decoded = decode(render(payment_slip(STORE, "K1", evil, 100, CODE_URL, NOW), find_profile("generic-80mm")))
    assert decoded.cuts == ["partial"] and decoded.drawer_pins == []


def test_codepage_printer_prints_chinese_lines_as_images() -> None:
    profile = find_profile("epson-tm-t88")
    decoded = decode(render(_slip(), profile))
    assert ("kanji", False) in decoded.events and ("codepage", 0) in decoded.events
    assert all(line.text.isascii() for line in decoded.lines)
    assert "Scan with WeChat to pay" in decoded.texts
    assert len(decoded.images) > 5 and all(raster.command == "GS ( L" for raster in decoded.images)
    assert [qr.data.decode() for qr in decoded.qr_printed] == [CODE_URL]


@pytest.mark.parametrize(
    ("name", "cut"), [("generic-80mm", ["partial"]), ("generic-58mm", []), ("virtual", ["partial"])]
)
def test_cut_and_drawer_follow_the_profile(name: str, cut: list[str]) -> None:
    from kiosk.printing.documents import Cut, Drawer, Text

    profile = find_profile(name)
    decoded = decode(render(Document("t", (Text("x"), Drawer(), Cut())), profile))
    assert decoded.cuts == cut
    assert decoded.drawer_pins == ([profile.drawer_pin] if profile.drawer_pin else [])
    assert ("feed", profile.cut_feed) in decoded.events


def test_text_styles_are_sent_as_escpos() -> None:
    decoded = decode(render(_slip(), find_profile("generic-80mm")))
    store = next(line for line in decoded.lines if line.text == STORE.name)
    assert (store.align, store.bold, store.width, store.height) == ("center", True, 2, 2)
    item = next(line for line in decoded.lines if line.text.startswith("农夫山泉"))
    assert (item.align, item.bold, item.width, item.height) == ("left", False, 1, 1)


def test_a_half_written_printer_database_is_replaced_not_read(tmp_path: Path) -> None:
    """python-escpos writes its pickled database in place; another process starting at that moment (a parallel
    test worker did) found it half-written and failed with EOFError. Each process now writes it whole first."""
    pickle_dir = tmp_path / "escpos"
    pickle_dir.mkdir()
    (pickle_dir / f"{platform.python_version()}.capabilities.pickle").write_bytes(b"\x80\x02}q\x00(X")  # cut short
    code = (
        "from kiosk.printing._escpos import escpos_profile_names\n"
        "assert 'TM-T20II' in escpos_profile_names()\n"
        "print('ok')\n"
    )
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(pickle_dir)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    assert sorted(path.name for path in pickle_dir.iterdir()) == [f"{platform.python_version()}.capabilities.pickle"]


def test_escpos_import_side_effects_are_contained(tmp_path: Path) -> None:
    code = (
        "import logging, os\n"
        "from kiosk.printing._escpos import escpos_modules\n"
        "escpos_modules()\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
        "assert os.listdir(os.environ['TMPDIR']) == [], os.listdir(os.environ['TMPDIR'])\n"
        "print('ok', os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])\n"
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {tmp_path / 'cache' / 'kiosk' / 'escpos'}"
