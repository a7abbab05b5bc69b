"""The on-screen keypad, the number dialog (whole numbers and yuan) and the reason picker, by taps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.manager.refunds import REFUND_REASONS
from kiosk.ui.i18n import Translations
from kiosk.ui.keypad import DECIMAL, DIGITS, ENTER, LETTERS, Keypad, KeypadDialog, number_validator
from kiosk.ui.reasons import ReasonPicker


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp, "zh_CN")
    translations.install()
    yield
    translations.remove()


def tap(qtbot: QtBot, parent: QWidget, name: str) -> None:
    button = parent.findChild(QPushButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_keys_type_into_their_field_and_never_take_the_focus(qtbot: QtBot) -> None:
    field = QLineEdit()
    field.setMaxLength(4)
    pad = Keypad(DIGITS, target=field)
    qtbot.addWidget(field)
    qtbot.addWidget(pad)
    pressed: list[str] = []
    pad.keyPressed.connect(pressed.append)
    for key in ("key1", "key2", "key3", "key4", "key5", "keyBackspace", "key9"):
        tap(qtbot, pad, key)
    assert field.text() == "1239"  # the fifth digit did not fit; backspace took the 4
    tap(qtbot, pad, "keyClear")
    assert field.text() == "" and pressed[-1] == "clear"
    assert all(button.focusPolicy() == Qt.FocusPolicy.NoFocus for button in pad.keys.values())


def test_the_letter_keys_have_a_wide_enter_that_only_reports_itself(qtbot: QtBot) -> None:
    field = QLineEdit()
    pad = Keypad(LETTERS, target=field, name_prefix="searchKey")
    qtbot.addWidget(pad)
    pad.resize(600, 300)
    pad.show()
    entered: list[str] = []
    pad.keyPressed.connect(entered.append)
    tap(qtbot, pad, "searchKeyK")
    tap(qtbot, pad, "searchKeyEnter")
    assert field.text() == "K" and entered == ["K", ENTER]
    assert pad.keys[ENTER].width() > pad.keys["K"].width() * 1.5  # two columns wide


def test_the_first_key_types_over_an_offered_value_even_once_qt_dropped_its_selection(qtbot: QtBot) -> None:
    field = QLineEdit("18.00")
    field.setValidator(number_validator(1800, 2, field))
    pad = Keypad(DECIMAL, target=field)
    qtbot.addWidget(field)
    qtbot.addWidget(pad)
    pad.replace_on_next_key()
    assert field.selectedText() == "18.00"
    # Qt drops the selection of a field without the focus whenever its window is activated (queued): it did so
    # between a refund dialog opening and the manager's first key, which then made 18.009 and was refused.
    QApplication.sendEvent(field, QEvent(QEvent.Type.WindowActivate))
    qtbot.waitUntil(lambda: not field.hasSelectedText())
    for key in ("key9", "key9", "key9"):  # the field takes two digits before the point
        tap(qtbot, pad, key)
    assert field.text() == "99"
    pad.replace_on_next_key()
    tap(qtbot, pad, "keyBackspace")  # starting over with a backspace empties the field, as the selection shows
    assert field.text() == ""
    # Typed on a keyboard, or the cursor moved by hand: the keys then edit that, they do not start over.
    field.setText("12.50")
    pad.replace_on_next_key()
    qtbot.keyClicks(field, "3")
    tap(qtbot, pad, "key4")
    assert field.text() == "34"
    pad.replace_on_next_key()
    field.setCursorPosition(1)
    tap(qtbot, pad, "keyDot")
    assert field.text() == "3.4"


def test_a_quantity_dialog_accepts_only_its_range(qtbot: QtBot) -> None:
    dialog = KeypadDialog("可口可乐", "数量", minimum=1, maximum=999, value=3)
    qtbot.addWidget(dialog)
    dialog.show()
    values: list[int] = []
    dialog.valueEntered.connect(values.append)
    assert dialog.input.selectedText() == "3"  # the first key replaces it
    for key in ("key1", "key0", "key0", "key0"):  # 1000: the field takes three digits at most
        tap(qtbot, dialog, key)
    assert dialog.input.text() == "100"
    tap(qtbot, dialog, "keyClear")
    tap(qtbot, dialog, "key0")
    tap(qtbot, dialog, "keypadOkButton")
    assert values == [] and dialog.isVisible() and dialog.message.text()
    tap(qtbot, dialog, "keyBackspace")
    tap(qtbot, dialog, "key7")
    tap(qtbot, dialog, "keypadOkButton")
    assert values == [7] and dialog.value == 7 and not dialog.isVisible()


def test_an_amount_dialog_speaks_yuan_and_answers_fen(qtbot: QtBot) -> None:
    dialog = KeypadDialog("退款", "金额（元）", minimum=1, maximum=4190, value=4190, decimals=2)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.input.text() == "41.90"
    values: list[int] = []
    dialog.valueEntered.connect(values.append)
    for key in ("key5", "key0", "keyDot", "key5"):
        tap(qtbot, dialog, key)
    tap(qtbot, dialog, "keypadOkButton")
    assert values == [] and "41.90" in dialog.message.text()  # more than what is left
    assert dialog.input.selectedText() == "50.5"  # the next key starts over
    for key in ("key1", "key2", "keyDot", "key5", "key0", "key9"):  # a third decimal is refused by the field
        tap(qtbot, dialog, key)
    assert dialog.input.text() == "12.50"
    tap(qtbot, dialog, "keypadOkButton")
    assert values == [1250]


@pytest.mark.usefixtures("chinese")
def test_a_reason_is_one_tap_with_optional_words(qtbot: QtBot) -> None:
    picker = ReasonPicker()
    qtbot.addWidget(picker)
    assert picker.reason() == "" and picker.chosen() is None
    qtbot.mouseClick(picker.buttons["returned"], Qt.MouseButton.LeftButton)
    assert picker.chosen() == "returned" and picker.reason() == "顾客退货"
    qtbot.mouseClick(picker.buttons["faulty"], Qt.MouseButton.LeftButton)  # one at a time
    assert picker.chosen() == "faulty" and not picker.buttons["returned"].isChecked()
    picker.details.setText("  屏幕 碎了 ")
    assert picker.reason() == "商品损坏或有质量问题：屏幕 碎了"
    picker.choose("other")
    assert picker.reason() == "屏幕 碎了"  # "Other" adds nothing to the words
    picker.details.setText("x" * 200)
    assert len(picker.reason()) == 80  # WeChat Pay's limit
    # In Chinese the buttons read exactly the words the payer will read.
    assert {key: button.text() for key, button in picker.buttons.items()} == dict(REFUND_REASONS)


def test_the_reason_goes_to_the_payer_in_chinese_whatever_the_screens_language(
    qtbot: QtBot, qapp: QApplication
) -> None:
    translations = Translations(qapp, "en")
    translations.install()
    picker = ReasonPicker()
    qtbot.addWidget(picker)
    picker.choose("faulty")
    assert picker.buttons["faulty"].text() == "Damaged or faulty goods"
    assert picker.reason() == "商品损坏或有质量问题"
    translations.remove()
