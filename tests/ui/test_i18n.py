"""Translations: complete catalogues, compiled by our own tooling, and a live switch between languages."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

from kiosk.ui import i18n
from tests.ui.conftest import WAIT_MS, Kiosk

I18N = Path(__file__).resolve().parents[2] / "resources" / "i18n"


def ts_files() -> list[Path]:
    return sorted(I18N.glob("*.ts"))


def test_both_languages_have_a_cashier_catalogue() -> None:
    names = {path.name for path in ts_files()}
    assert {"kiosk_zh_CN.ts", "kiosk_en.ts"} <= names


def _translated(message: ET.Element) -> bool:
    translation = message.find("translation")
    if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
        return False
    return bool((translation.text or "").strip())


@pytest.mark.parametrize("ts", ts_files(), ids=lambda path: path.name)
def test_every_message_is_translated(ts: Path) -> None:
    messages = list(ET.parse(ts).iter("message"))
    assert messages
    untranslated = [message.findtext("source") for message in messages if not _translated(message)]
    assert untranslated == []


#: The relay by any name but the one both screens use (收款服务器 / "payment server").
OTHER_NAMES_FOR_THE_SERVER = re.compile(r"(?<!收款)服务器|中继|(?<![Pp]ayment )\b[Ss]erver|\b[Rr]elay")


@pytest.mark.parametrize("ts", ts_files(), ids=lambda path: path.name)
def test_the_payment_server_has_one_name_on_every_screen(ts: Path) -> None:
    """The cashier's and the manager's catalogues call the relay the same: the payment server, never the server
    alone or the relay."""
    translations = [message.findtext("translation") or "" for message in ET.parse(ts).iter("message")]
    assert any("收款服务器" in text or "payment server" in text for text in translations)
    assert [text for text in translations if OTHER_NAMES_FOR_THE_SERVER.search(text)] == []


def test_missing_qm_is_compiled_beside_its_source(tmp_path: Path) -> None:
    shutil.copy(I18N / "kiosk_en.ts", tmp_path)
    [compiled] = i18n.catalogues("en", tmp_path, tmp_path / "cache")
    assert compiled == tmp_path / "kiosk_en.qm"
    # Edited source: the .qm is stale and compiled again.
    stale = compiled.stat().st_mtime_ns
    ts = tmp_path / "kiosk_en.ts"
    os.utime(ts, ns=(stale + 10**9, stale + 10**9))
    assert i18n.catalogues("en", tmp_path, tmp_path / "cache") == [compiled]
    assert compiled.stat().st_mtime_ns > stale


def test_a_catalogue_is_compiled_aside_and_renamed_into_place(tmp_path: Path) -> None:
    """Another process starting at the same moment loads a .qm that exists: it must never be one that lrelease
    is still writing. A recompiled catalogue is a new file renamed over the old, and nothing else is left."""
    shutil.copy(I18N / "kiosk_en.ts", tmp_path)
    [compiled] = i18n.catalogues("en", tmp_path, tmp_path / "cache")
    first = compiled.stat()
    os.utime(tmp_path / "kiosk_en.ts", ns=(first.st_mtime_ns + 10**9, first.st_mtime_ns + 10**9))
    assert i18n.catalogues("en", tmp_path, tmp_path / "cache") == [compiled]
    assert compiled.stat().st_ino != first.st_ino  # a new file, not the old one rewritten in place
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kiosk_en.qm", "kiosk_en.ts"]


def test_read_only_resources_compile_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "i18n"
    source.mkdir()
    shutil.copy(I18N / "kiosk_zh_CN.ts", source)
    monkeypatch.setattr(i18n, "_writable", lambda directory: False)  # (root can write anywhere)
    cache = tmp_path / "cache"
    [compiled] = i18n.catalogues("zh_CN", source, cache)
    assert compiled == cache / "kiosk_zh_CN.qm"
    assert not (source / "kiosk_zh_CN.qm").exists()
    translator = QTranslator()
    assert translator.load(str(compiled))
    assert translator.translate("SaleView", "Charge") == "收款"
    # Up to date: reused, not compiled again.
    before = compiled.stat().st_mtime_ns
    assert i18n.catalogues("zh_CN", source, cache) == [compiled]
    assert compiled.stat().st_mtime_ns == before


def test_every_catalogue_of_a_language_is_loaded(tmp_path: Path) -> None:
    shutil.copy(I18N / "kiosk_en.ts", tmp_path)
    # A second catalogue for the same language (the manager screen ships manager_*.ts).
    (tmp_path / "other_en.ts").write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="en">'
        "<context><name>X</name><message><source>a</source><translation>b</translation></message></context></TS>",
        encoding="utf-8",
    )
    found = i18n.catalogues("en", tmp_path, tmp_path / "cache")
    assert [path.name for path in found] == ["kiosk_en.qm", "other_en.qm"]


def test_lrelease_ships_with_pyside6() -> None:
    assert i18n.find_lrelease() is not None


def test_switching_to_english_and_back(kiosk: Kiosk) -> None:
    charge = kiosk.button("chargeButton")
    assert kiosk.window.language == "zh_CN"  # the default
    assert charge.text() == "收款"
    assert kiosk.label("trainingBadge").text() == "培训模式"
    assert "饮料" in kiosk.child("catalogView").tabText(0)

    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert kiosk.window.language == "en"
    assert charge.text() == "Charge"
    assert kiosk.label("trainingBadge").text() == "Training mode"
    assert kiosk.child("catalogView").tabText(0) == "Drinks"
    assert "Coca-Cola" in kiosk.button("item_DRK-001").text()
    assert kiosk.label("totalLabel").text().startswith("Total")
    assert QCoreApplication.translate("PaymentView", "Cancel payment") == "Cancel payment"

    kiosk.qtbot.mouseClick(kiosk.button("languageButton"), Qt.MouseButton.LeftButton)
    assert charge.text() == "收款"
    assert QCoreApplication.translate("PaymentView", "Cancel payment") == "取消收款"


def test_lang_option_starts_in_english(make_kiosk: object) -> None:
    kiosk: Kiosk = make_kiosk(language="en")  # type: ignore[operator]
    assert kiosk.button("chargeButton").text() == "Charge"
    assert kiosk.label("relayStatus").text().startswith("Payment server")


def test_a_language_switch_renders_notices_banners_and_open_dialogs_again(kiosk: Kiosk) -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QPushButton

    window = kiosk.window
    # A sale, so that Charge of the same goods asks; a printer fault; an error notice; an alert.
    kiosk.add("DRK-001")
    kiosk.charge()
    kiosk.qtbot.mouseClick(kiosk.button("simulatePaymentButton"), Qt.MouseButton.LeftButton)
    kiosk.wait_state("SUCCESS")
    kiosk.qtbot.waitUntil(lambda: kiosk.label("paidDetail").text() == "收据已打印", timeout=WAIT_MS)
    kiosk.qtbot.mouseClick(kiosk.button("newOrderButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(kiosk.button("simulatePrinterFaultButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(kiosk.child("printerBanner").isVisible, timeout=WAIT_MS)
    assert window.sale_view is not None
    window.sale_view.submit_code("0000000000000")
    assert kiosk.label("noticeText").text() == "没有条码、编号或名称为“0000000000000”的商品"
    window.alert.add(lambda: window.tr("Hand the goods to the customer, or the manager refunds the order."))
    kiosk.add("DRK-001")
    kiosk.qtbot.mouseClick(kiosk.button("chargeButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT_MS)
    dialog = QApplication.activeModalWidget()
    assert dialog is not None and dialog.objectName() == "repeatChargeDialog"
    assert dialog.findChild(QLabel, "repeatChargeDialogTitle").text() == "这些商品刚刚已付款"

    window.set_language("en")  # (the header's button is behind the dialog; the switch is the same)
    assert kiosk.label("noticeText").text() == "No item has the code or name “0000000000000”"
    assert window.alert.messages == ["Hand the goods to the customer, or the manager refunds the order."]
    assert kiosk.label("printerFaultTitle").text() == "Printer: Out of paper"
    assert kiosk.label("printerFaultAction").text().startswith("Load a new paper roll")
    assert kiosk.button("printerRetryButton").text() == "Retry"
    assert kiosk.label("printerStatus").text() == "Printer: Out of paper"
    assert kiosk.label("relayStatus").text() == "Payment server: connected"
    assert dialog.findChild(QLabel, "repeatChargeDialogTitle").text() == "These goods were just paid for"
    text = dialog.findChild(QLabel, "repeatChargeText").text()
    assert text.startswith("Order ") and "Coca-Cola 330 ml ×1" in text
    assert dialog.findChild(QPushButton, "repeatChargeButton").text() == "Charge again"
    assert kiosk.button("lastReceiptButton").text().startswith("Last receipt ")
    dialog.findChild(QPushButton, "repeatBackButton").click()
    kiosk.qtbot.mouseClick(kiosk.button("simulatePrinterFaultButton"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.waitUntil(lambda: not kiosk.child("printerBanner").isVisible(), timeout=WAIT_MS)
