"""Building an order: catalogue buttons, the barcode field, the cart and the total."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QTableWidget

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
        "simulateCodeButton",
        "simulateCodeSaleButton",
        "paymentCodeInput",
        "useQrButton",
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


def test_unknown_code_is_a_non_modal_error_and_changes_nothing(kiosk: Kiosk) -> None:
    barcode = kiosk.child("barcodeInput")
    kiosk.qtbot.keyClicks(barcode, "0000000000000")
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    notice = kiosk.child("noticeBar")
    assert notice.isVisible() and "0000000000000" in notice.text
    assert notice.level == "error" and kiosk.label("noticeIcon").text() == "⚠"  # not information
    assert kiosk.child("cartView").rowCount() == 0
    assert QApplication.activeModalWidget() is None
    assert barcode.selectedText() == "0000000000000"  # the next scan replaces it
    # Information looks different and goes away on its own.
    kiosk.window.notice.show_info("收据已发送到打印机")
    assert notice.level == "info" and kiosk.label("noticeIcon").text() == "ⓘ"


def click(kiosk: Kiosk, name: str) -> None:
    kiosk.qtbot.mouseClick(kiosk.button(name), Qt.MouseButton.LeftButton)


def test_quantity_plus_minus_stops_at_one_and_remove(kiosk: Kiosk) -> None:
    kiosk.add("CAF-002")  # 拿铁, ￥18.00
    kiosk.add("DRK-003")
    click(kiosk, "plus_CAF-002")
    click(kiosk, "plus_CAF-002")
    assert kiosk.label("quantity_CAF-002").text() == "3"
    assert "￥56.00" in kiosk.label("totalLabel").text()
    click(kiosk, "minus_CAF-002")
    assert kiosk.label("quantity_CAF-002").text() == "2"
    cart: QTableWidget = kiosk.child("cartView")
    assert not kiosk.button("minus_DRK-003").isEnabled()  # at 1, − does nothing: ✕ takes a line out
    kiosk.window.sale_view.cart_view.quantityDelta.emit("DRK-003", -1)  # even if it were tapped
    assert cart.rowCount() == 2 and kiosk.label("quantity_DRK-003").text() == "1"
    click(kiosk, "remove_CAF-002")
    assert cart.rowCount() == 1 and cart.item(0, 0).text() == "农夫山泉 550ml"
    assert "￥2.00" in kiosk.label("totalLabel").text()


def test_a_removed_line_comes_back_with_undo_in_its_place(kiosk: Kiosk) -> None:
    for sku in ("DRK-001", "CAF-002", "SNK-001"):
        kiosk.add(sku)
    click(kiosk, "plus_CAF-002")
    undo_bar = kiosk.child("undoBar")
    assert not undo_bar.isVisible()
    click(kiosk, "remove_CAF-002")
    assert undo_bar.isVisible() and "拿铁" in kiosk.label("undoLabel").text()
    click(kiosk, "undoButton")
    assert not undo_bar.isVisible()
    assert kiosk.window.sale_view.cart_view.skus() == ["DRK-001", "CAF-002", "SNK-001"]
    assert kiosk.label("quantity_CAF-002").text() == "2"
    assert kiosk.window.sale_view.cart_view.highlighted == "CAF-002"


def test_clear_is_undoable_and_the_offer_ends_after_a_few_seconds(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    kiosk.add("DRK-002")
    click(kiosk, "clearCartButton")
    cart: QTableWidget = kiosk.child("cartView")
    assert cart.rowCount() == 0 and not kiosk.button("chargeButton").isEnabled()
    assert "2" in kiosk.label("undoLabel").text()
    click(kiosk, "undoButton")
    assert cart.rowCount() == 2 and kiosk.button("chargeButton").isEnabled()
    undo_bar = kiosk.window.sale_view.undo_bar
    undo_bar.timer.setInterval(50)  # the test does not sit through the clerk's six seconds
    click(kiosk, "clearCartButton")
    kiosk.qtbot.waitUntil(lambda: not undo_bar.isVisible())
    assert kiosk.window.sale_view.cart.removal is None  # gone for good
    assert cart.rowCount() == 0


def test_adding_something_else_withdraws_the_undo_offer(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    click(kiosk, "remove_DRK-001")
    assert kiosk.child("undoBar").isVisible()
    kiosk.add("DRK-002")
    assert not kiosk.child("undoBar").isVisible()


def test_tap_a_line_to_type_its_quantity_on_the_keypad(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    kiosk.add("CAF-002")
    kiosk.qtbot.mouseClick(kiosk.label("quantity_DRK-001"), Qt.MouseButton.LeftButton)
    dialog = kiosk.window.sale_view.quantity_dialog
    assert dialog is not None and dialog.isVisible() and dialog.input.text() == "1"
    for key in ("keyClear", "key1", "key2"):  # the old value is selected: typing replaces it
        kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, key), Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, "keypadOkButton"), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert kiosk.label("quantity_DRK-001").text() == "12"
    assert "￥60.00" in kiosk.label("totalLabel").text()  # 12 × 3.50 + 18.00
    assert kiosk.window.sale_view.cart_view.highlighted == "DRK-001"
    # Tapping the name works too; an impossible quantity is refused in the dialog, nothing changes.
    cart: QTableWidget = kiosk.child("cartView")
    rect = cart.visualRect(cart.model().index(1, 0))
    kiosk.qtbot.mouseClick(cart.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = kiosk.window.sale_view.quantity_dialog
    assert dialog is not None and dialog.windowTitle() == "拿铁（中杯）"
    dialog.input.setText("0")
    kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, "keypadOkButton"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.message.text()
    kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, "keypadCancelButton"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_CAF-002").text() == "1"


def test_a_rescanned_line_is_highlighted_and_scrolled_into_view(kiosk: Kiosk) -> None:
    core = kiosk.window.core
    assert core is not None
    for item in core.catalogue.items[:20]:
        kiosk.window.sale_view.add_item(item)
    cart: QTableWidget = kiosk.child("cartView")
    first = core.catalogue.items[0]
    kiosk.qtbot.waitUntil(lambda: cart.visualRect(cart.model().index(0, 0)).bottom() < 0)  # scrolled away
    barcode = kiosk.child("barcodeInput")
    assert first.barcode is not None
    kiosk.qtbot.keyClicks(barcode, first.barcode)
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    assert kiosk.label(f"quantity_{first.sku}").text() == "2"
    assert kiosk.window.sale_view.cart_view.highlighted == first.sku
    assert cart.selectionModel().isRowSelected(0)
    kiosk.qtbot.waitUntil(lambda: cart.viewport().rect().contains(cart.visualRect(cart.model().index(0, 0))))


def test_search_by_pinyin_initials_and_tap_the_result(kiosk: Kiosk) -> None:
    barcode = kiosk.child("barcodeInput")
    kiosk.qtbot.keyClicks(barcode, "kkkl")
    results = kiosk.child("searchResults")
    kiosk.qtbot.waitUntil(results.isVisible)
    assert not kiosk.child("catalogView").isVisible()
    assert [tile.objectName() for tile in kiosk.window.sale_view.results.grid.tiles] == ["result_DRK-001"]
    kiosk.qtbot.mouseClick(kiosk.button("result_DRK-001"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_DRK-001").text() == "1"
    assert barcode.text() == "" and not results.isVisible() and kiosk.child("catalogView").isVisible()


def test_search_by_full_pinyin_and_enter_adds_the_only_match(kiosk: Kiosk) -> None:
    barcode = kiosk.child("barcodeInput")
    kiosk.qtbot.keyClicks(barcode, "natie")  # 拿铁 and 生椰拿铁: tap one
    kiosk.qtbot.waitUntil(kiosk.child("searchResults").isVisible)
    assert len(kiosk.window.sale_view.results.grid.tiles) == 2
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    assert kiosk.child("cartView").rowCount() == 0 and kiosk.child("noticeBar").level == "info"
    barcode.clear()
    kiosk.qtbot.keyClicks(barcode, "shengye")
    kiosk.qtbot.keyClick(barcode, Qt.Key.Key_Return)
    assert kiosk.child("cartView").rowCount() == 1 and barcode.text() == ""


def test_on_screen_keys_search_and_type_a_code_without_a_keyboard(kiosk: Kiosk) -> None:
    click(kiosk, "keysButton")
    assert kiosk.child("searchKeys").isVisible()
    for key in "NFSQ":  # 农夫山泉
        click(kiosk, f"searchKey{key}")
    kiosk.qtbot.waitUntil(kiosk.child("searchResults").isVisible)
    kiosk.qtbot.mouseClick(kiosk.button("result_DRK-003"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_DRK-003").text() == "1"
    for digit in "6921168509256":  # its barcode, key by key
        click(kiosk, f"searchKey{digit}")
    click(kiosk, "searchKeyEnter")
    assert kiosk.label("quantity_DRK-003").text() == "2"
    assert kiosk.child("barcodeInput").text() == ""
    for key in "ZZ":
        click(kiosk, f"searchKey{key}")
    click(kiosk, "searchKeyBackspace")
    assert kiosk.child("barcodeInput").text() == "Z"
    click(kiosk, "clearSearchButton")
    assert kiosk.child("barcodeInput").text() == ""
    click(kiosk, "keysButton")
    assert not kiosk.child("searchKeys").isVisible()


def test_categories_wrap_instead_of_hiding_behind_arrows(kiosk: Kiosk) -> None:
    core = kiosk.window.core
    assert core is not None
    kiosk.window.resize(1024, 768)
    kiosk.qtbot.waitUntil(lambda: kiosk.window.width() == 1024)
    bar = kiosk.child("categoryBar")
    for category in core.catalogue.categories:
        button = kiosk.button(f"category_{category.id}")
        assert button.isVisible()
        assert bar.viewport().rect().contains(button.geometry()) or bar.verticalScrollBar().isVisible()
    last = core.catalogue.categories[-1]
    click(kiosk, f"category_{last.id}")
    assert kiosk.child("catalogView").currentIndex() == len(core.catalogue.categories) - 1
    assert kiosk.button(f"category_{last.id}").isChecked()


def test_catalogue_is_grouped_by_category_with_prices(kiosk: Kiosk) -> None:
    catalog = kiosk.child("catalogView")
    core = kiosk.window.core
    assert core is not None
    assert catalog.count() == len(core.catalogue.categories)
    assert catalog.tabText(0) == core.catalogue.categories[0].name_zh
    text = kiosk.button("item_CAF-001").text()
    assert "美式咖啡" in text and "￥" in text
    assert kiosk.button("item_CAF-001").height() >= 64  # touch-sized


def test_more_than_999_of_one_item_is_refused_in_plain_words(kiosk: Kiosk) -> None:
    kiosk.add("DRK-001")
    kiosk.qtbot.mouseClick(kiosk.label("quantity_DRK-001"), Qt.MouseButton.LeftButton)
    dialog = kiosk.window.sale_view.quantity_dialog
    assert dialog is not None
    for key in ("key9", "key9", "key9"):
        kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, key), Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(dialog.findChild(QPushButton, "keypadOkButton"), Qt.MouseButton.LeftButton)
    assert kiosk.label("quantity_DRK-001").text() == "999"
    assert not kiosk.button("plus_DRK-001").isEnabled()
    kiosk.add("DRK-001")  # one more from the tile
    notice = kiosk.child("noticeBar")
    assert notice.level == "error" and "999" in notice.text and "quantity" not in notice.text
    assert kiosk.label("quantity_DRK-001").text() == "999"
