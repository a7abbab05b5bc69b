"""Building an order: catalogue buttons, the barcode field, the cart and the total."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget

from tests.ui.conftest import Kiosk


def test_key_widgets_carry_their_object_names(kiosk: Kiosk) -> None:
    for name in (
        "catalogView",
        "barcodeInput",
        "cartView",
        "totalLabel",
        "chargeButton",
        "qrView",
        "paymentStatusLabel",
        "countdownLabel",
        "cancelPaymentButton",
        "printSlipButton",
        "requeryButton",
        "simulatePaymentButton",
        "managerButton",
    ):
        assert kiosk.child(name).objectName() == name


def test_add_items_by_click_and_by_barcode(kiosk: Kiosk) -> None:
    cart: QTableWidget = kiosk.child("cartView")
    assert not kiosk.button("chargeButton").isEnabled()

    kiosk.add("DRK-001")  # 可口可乐 330ml, ￥3.50
    kiosk.add("DRK-001")
    assert cart.rowCount() == 1
    assert kiosk.label("quantity_DRK-001").text() == "2"

    barcode = kiosk.child("barcodeInput")
    kiosk.qtbot.keyClicks(barcode, "6921168509256")  # 农夫山泉 550ml, ￥2.00
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    assert cart.rowCount() == 2
    assert cart.item(1, 0).text() == "农夫山泉 550ml"
    assert barcode.text() == ""
    assert "￥9.00" in kiosk.label("totalLabel").text()
    assert kiosk.button("chargeButton").isEnabled()
    # Scanner input goes on working after a tap on a catalogue button: the field keeps the focus.
    kiosk.window.activateWindow()
    kiosk.add("SNK-001")
    kiosk.qtbot.waitUntil(lambda: QApplication.focusWidget() is barcode)


def test_unknown_code_is_a_non_modal_message_and_changes_nothing(kiosk: Kiosk) -> None:
    barcode = kiosk.child("barcodeInput")
    kiosk.qtbot.keyClicks(barcode, "0000000000000")
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    notice = kiosk.child("noticeBar")
    assert notice.isVisible() and "0000000000000" in notice.text
    assert kiosk.child("cartView").rowCount() == 0
    assert QApplication.activeModalWidget() is None


def test_quantity_plus_minus_and_remove(kiosk: Kiosk) -> None:
    kiosk.add("CAF-002")  # 拿铁, ￥18.00
    kiosk.add("DRK-003")
    kiosk.qtbot.mouseClick(kiosk.button("plus_CAF-002"), Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(kiosk.button("plus_CAF-002"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_CAF-002").text() == "3"
    assert "￥56.00" in kiosk.label("totalLabel").text()
    kiosk.qtbot.mouseClick(kiosk.button("minus_CAF-002"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_CAF-002").text() == "2"
    kiosk.qtbot.mouseClick(kiosk.button("remove_CAF-002"), Qt.MouseButton.LeftButton)
    cart: QTableWidget = kiosk.child("cartView")
    assert cart.rowCount() == 1 and cart.item(0, 0).text() == "农夫山泉 550ml"
    assert "￥2.00" in kiosk.label("totalLabel").text()
    kiosk.qtbot.mouseClick(kiosk.button("minus_DRK-003"), Qt.MouseButton.LeftButton)  # 1 → 0 removes it
    assert cart.rowCount() == 0
    assert not kiosk.button("chargeButton").isEnabled()


def test_catalogue_is_grouped_by_category_with_prices(kiosk: Kiosk) -> None:
    catalog = kiosk.child("catalogView")
    core = kiosk.window.core
    assert core is not None
    assert catalog.count() == len(core.catalogue.categories)
    assert catalog.tabText(0) == core.catalogue.categories[0].name_zh
    text = kiosk.button("item_CAF-001").text()
    assert "美式咖啡" in text and "￥" in text
    assert kiosk.button("item_CAF-001").height() >= 64  # touch-sized
