"""On-screen keys for a counter with no keyboard: a keypad that types into a field, and a dialog that asks
for one number (a quantity, an amount in yuan) on it.

The keys never take the focus, so a barcode scanner and a physical keyboard keep typing into the same field.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from kiosk.money import format_yuan, parse_yuan, yuan
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.i18n import Retranslating

BACKSPACE = "backspace"
CLEAR = "clear"
ENTER = "enter"
#: Rows of keys: single characters type themselves, BACKSPACE and CLEAR edit, ENTER only reports itself.
#: A key repeated next to itself is one key that many columns wide.
DIGITS: tuple[tuple[str, ...], ...] = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), (CLEAR, "0", BACKSPACE))
DECIMAL: tuple[tuple[str, ...], ...] = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), (".", "0", BACKSPACE))
#: For the scan/search field: codes and pinyin initials (the field has its own clear button).
LETTERS: tuple[tuple[str, ...], ...] = (
    tuple("1234567890"),
    tuple("QWERTYUIOP"),
    (*"ASDFGHJKL", BACKSPACE),
    (*"ZXCVBNM", "-", ENTER, ENTER),
)
_SPECIAL = (BACKSPACE, CLEAR, ENTER)
_KEY_NAMES = {BACKSPACE: "Backspace", CLEAR: "Clear", ENTER: "Enter", ".": "Dot", "-": "Minus"}


def number_validator(maximum: int, decimals: int, parent: QObject) -> QRegularExpressionValidator:
    """Digits, at most as many as ``maximum`` has (in yuan when ``decimals`` is 2, with up to two decimals):
    the keys cannot type a number that could never be right."""
    digits = len(str(maximum // 100 if decimals else maximum))
    pattern = rf"\d{{0,{digits}}}" + (r"(\.\d{0,2})?" if decimals else "")
    return QRegularExpressionValidator(QRegularExpression(pattern), parent)


class Keypad(Retranslating, QWidget):
    """A grid of keys typing into ``target`` (when given); ``keyPressed`` reports every key."""

    keyPressed = Signal(str)

    def __init__(
        self,
        rows: Sequence[Sequence[str]] = DIGITS,
        *,
        target: QLineEdit | None = None,
        name_prefix: str = "key",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName(f"{name_prefix}pad")
        self.setProperty("role", "keypad")
        self.target = target
        self._prefix = name_prefix
        self._replace_next = False
        if target is not None:  # typed on a keyboard or the cursor moved by hand: the offer is taken up
            target.textEdited.connect(self._keep_text)
            target.cursorPositionChanged.connect(self._keep_text)
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                key = row[c]
                span = 1
                while c + span < len(row) and row[c + span] == key:
                    span += 1
                button = QPushButton(self)
                button.setObjectName(f"{self._prefix}{_KEY_NAMES.get(key, key)}")
                button.setProperty("role", "key")
                button.setProperty("special", "true" if key in _SPECIAL else "false")
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setAutoRepeat(key == BACKSPACE)
                button.clicked.connect(lambda _=False, pressed=key: self.press(pressed))
                grid.addWidget(button, r, c, 1, span)
                self.keys[key] = button
                c += span
        self.retranslate()

    def retranslate(self) -> None:
        for key, button in self.keys.items():
            if key == BACKSPACE:
                button.setText("⌫")
                button.setToolTip(self.tr("Delete"))
            elif key == CLEAR:
                button.setText(self.tr("Clear"))
            elif key == ENTER:
                button.setText(self.tr("Enter"))
            else:
                button.setText(key)

    def replace_on_next_key(self) -> None:
        """The next key starts over: it replaces the target's whole text, shown selected until then (a value
        offered to be typed over: the old quantity, the whole refund, an amount that was refused)."""
        if self.target is not None:
            self.target.selectAll()
            self._replace_next = True

    def _keep_text(self) -> None:
        self._replace_next = False

    def press(self, key: str) -> None:
        target = self.target
        if target is not None and not target.isReadOnly() and key != ENTER:
            if self._replace_next:
                self._replace_next = False
                # Kept here, not in the field's selection: Qt drops an unfocused field's selection whenever
                # its window is activated, and the first key would then append to the offered value.
                target.selectAll()
            if key == BACKSPACE:
                target.backspace()
            elif key == CLEAR:
                target.clear()
            else:
                target.insert(key)  # the field's validator and length limit still apply
        self.keyPressed.emit(key)


class KeypadDialog(Retranslating, ActionDialog):
    """Asks for one whole number (``decimals=0``: a quantity) or an amount in yuan (``decimals=2``; the
    value is in fen) between ``minimum`` and ``maximum``; emits :attr:`valueEntered` once it is valid."""

    valueEntered = Signal(int)

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        minimum: int = 1,
        maximum: int = 999,
        value: int | None = None,
        decimals: int = 0,
        parent: QWidget | None = None,
    ):
        super().__init__("keypadDialog", parent)
        if decimals not in (0, 2):
            raise ValueError("a keypad dialog takes whole numbers or yuan (two decimals)")
        self.minimum, self.maximum, self.decimals = minimum, maximum, decimals
        self.value: int | None = None
        self.set_title(title)
        self.prompt = QLabel(prompt, self.body_widget)
        self.prompt.setObjectName("keypadPrompt")
        self.prompt.setWordWrap(True)
        self.input = QLineEdit(self.body_widget)
        self.input.setObjectName("keypadInput")
        self.input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.input.setValidator(number_validator(self.maximum, decimals, self.input))
        self.message = QLabel(self.body_widget)
        self.message.setObjectName("keypadMessage")
        self.message.setWordWrap(True)
        self.input.returnPressed.connect(self.submit)
        self.input.textChanged.connect(lambda _: self.message.clear())
        self.keypad = Keypad(DECIMAL if decimals else DIGITS, target=self.input, parent=self.body_widget)
        for widget in (self.prompt, self.input, self.message, self.keypad):
            self.body.addWidget(widget)
        self.cancel_button = self.add_action("keypadCancelButton", self.reject)
        self.ok_button = self.add_action("keypadOkButton", self.submit, primary=True)
        if value is not None:
            self.input.setText(yuan(value) if decimals else str(value))
            self.keypad.replace_on_next_key()
        self.input.setFocus()  # a physical keyboard types here too, and the field keeps its selection shown
        self.retranslate()

    def retranslate(self) -> None:
        self.cancel_button.setText(self.tr("Cancel"))
        self.ok_button.setText(self.tr("OK"))

    def parsed(self) -> int | None:
        text = self.input.text().strip()
        try:
            return parse_yuan(text) if self.decimals else int(text)
        except ValueError:
            return None

    def submit(self) -> None:
        value = self.parsed()
        if value is None or not self.minimum <= value <= self.maximum:
            if self.decimals:
                low, high = format_yuan(self.minimum), format_yuan(self.maximum)
                self.message.setText(self.tr("Enter an amount from {0} to {1}").format(low, high))
            else:
                self.message.setText(self.tr("Enter a number from {0} to {1}").format(self.minimum, self.maximum))
            self.keypad.replace_on_next_key()
            return
        self.value = value
        self.valueEntered.emit(value)
        self.accept()
