"""The manager's dialogs, each usable by touch alone in the kiosk's dialog frame (``ActionDialog``: actions in a
bar that is always visible): a refund (the amount on a keypad, the reason by one tap), the Z-report (what it
will say, printed once, then only as a marked copy) and the CSV export (to a USB drive, no file dialog)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.manager.media import Place, PlaceKind
from kiosk.manager.service import RefundOffer
from kiosk.manager.summaries import DaySummary
from kiosk.money import format_yuan, parse_yuan, yuan
from kiosk.ui.dialogs import ActionDialog
from kiosk.ui.flow import FlowLayout
from kiosk.ui.i18n import Retranslating
from kiosk.ui.keypad import DECIMAL, Keypad, number_validator
from kiosk.ui.manager_widgets import Figures
from kiosk.ui.manager_words import open_matters, paid_note
from kiosk.ui.reasons import ReasonPicker
from kiosk.ui.words import clock_time, short


def _label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class RefundDialog(Retranslating, ActionDialog):
    """How much (yuan on the keypad, the whole refundable amount to start with) and why (one tap);
    ``on_refund(fen, reason)`` once both are right. The Refund button names the amount."""

    def __init__(self, offer: RefundOffer, on_refund: Callable[[int, str], None], parent: QWidget | None = None):
        super().__init__("refundDialog", parent)
        self.out_trade_no = offer.out_trade_no
        self.refundable_fen = offer.refundable_fen
        self.amount_fen = offer.amount_fen
        self._on_refund = on_refund
        body = self.body_widget
        self.order_label = _label("refundOrderLabel", body)
        self.amount_caption = _label("refundAmountCaption", body)
        self.amount_input = QLineEdit(yuan(offer.refundable_fen), body)
        self.amount_input.setObjectName("refundAmountInput")
        self.amount_input.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.amount_input.setValidator(number_validator(offer.refundable_fen, 2, self.amount_input))
        self.amount_input.textChanged.connect(self._amount_changed)
        self.full_button = QPushButton(body)
        self.full_button.setObjectName("refundFullButton")
        self.full_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.full_button.clicked.connect(self.refund_everything)
        self.keypad = Keypad(DECIMAL, target=self.amount_input, name_prefix="refundKey", parent=body)
        self.reason_caption = _label("refundReasonCaption", body)
        self.reasons = ReasonPicker(body)
        for button in self.reasons.buttons.values():
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a tap on a reason keeps the amount's selection
        self.reasons.changed.connect(self._reason_changed)
        self.reason_preview = _label("refundReasonPreview", body)
        self.message = _label("refundMessage", body)

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_input, 1)
        amount_row.addWidget(self.full_button)
        left = QVBoxLayout()
        left.addWidget(self.amount_caption)
        left.addLayout(amount_row)
        left.addWidget(self.keypad)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.reason_caption)
        right.addWidget(self.reasons)
        right.addWidget(self.reason_preview)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addSpacing(16)
        columns.addLayout(right, 3)
        self.body.addWidget(self.order_label)
        self.body.addLayout(columns)
        self.body.addWidget(self.message)
        self.cancel_button = self.add_action("refundCancelButton", self.reject)
        self.ok_button = self.add_action("refundOkButton", self.submit, primary=True)
        self.keypad.replace_on_next_key()  # the first key replaces the whole amount
        self.amount_input.setFocus()  # a physical keyboard types here too, and the field keeps its selection shown
        self.retranslate()

    def retranslate(self) -> None:
        self.set_title(self.tr("Refund order {0}").format(short(self.out_trade_no)))
        self.order_label.setText(
            self.tr("Paid {0} · can be refunded {1}\nOrder number: {2}").format(
                format_yuan(self.amount_fen), format_yuan(self.refundable_fen), self.out_trade_no
            )
        )
        self.amount_caption.setText(self.tr("Amount to refund (yuan)"))
        self.full_button.setText(self.tr("All of it"))
        self.reason_caption.setText(self.tr("Reason (the customer sees it in WeChat)"))
        self.cancel_button.setText(self.tr("Cancel"))
        self._amount_changed()
        self._reason_changed()

    def entered_fen(self) -> int | None:
        try:
            return parse_yuan(self.amount_input.text())
        except ValueError:
            return None

    def refund_everything(self) -> None:
        self.amount_input.setText(yuan(self.refundable_fen))
        self.keypad.replace_on_next_key()

    def _amount_changed(self) -> None:
        fen = self.entered_fen()
        self.message.clear()
        if fen is not None and fen > 0:
            self.ok_button.setText(self.tr("Refund {0}").format(format_yuan(fen)))
        else:
            self.ok_button.setText(self.tr("Refund"))

    def _reason_changed(self) -> None:
        reason = self.reasons.reason()
        self.message.clear()
        self.reason_preview.setText(
            self.tr("The customer reads: {0}").format(reason) if reason else self.tr("Tap a reason.")
        )

    def submit(self) -> None:
        fen = self.entered_fen()
        if fen is None or not 0 < fen <= self.refundable_fen:
            self.message.setText(
                self.tr("Enter an amount more than 0 and at most {0}.").format(format_yuan(self.refundable_fen))
            )
            self.keypad.replace_on_next_key()
            return
        reason = self.reasons.reason()
        if not reason:
            self.message.setText(self.tr("Tap the reason for the refund."))
            return
        self.accept()
        self._on_refund(fen, reason)


class ZReportDialog(Retranslating, ActionDialog):
    """The day's figures as the Z-report will print them, what is still open, and whether it was printed:
    Print (the first time) or Print a copy marked REPRINT; ``on_print(reprint)``."""

    def __init__(
        self,
        summary: DaySummary,
        printed_at: datetime | None,
        on_print: Callable[[bool], None],
        parent: QWidget | None = None,
    ):
        super().__init__("zReportDialog", parent)
        self.summary = summary
        self.printed_at = printed_at
        self._on_print = on_print
        body = self.body_widget
        self.figures = Figures("zReportFigures", ("zOrders", "zPaid", "zRefunds", "zNet"), 2, body)
        self.warning = _label("zReportWarning", body)
        self.printed = _label("zReportPrinted", body)
        for widget in (self.figures, self.warning, self.printed):
            self.body.addWidget(widget)
        self.cancel_button = self.add_action("zReportCancelButton", self.reject)
        self.print_button = self.add_action("zReportPrintButton", self.submit, primary=True)
        self.retranslate()

    @property
    def reprint(self) -> bool:
        return self.printed_at is not None

    def retranslate(self) -> None:
        s = self.summary
        self.set_title(self.tr("Z-report for {0}").format(s.day.isoformat()))
        self.figures.set_captions(
            {
                "zOrders": self.tr("Number of orders"),
                "zPaid": self.tr("Received"),
                "zRefunds": self.tr("Refunded"),
                "zNet": self.tr("Net"),
            }
        )
        self.figures.set_value("zOrders", str(s.order_count))
        self.figures.set_value("zPaid", format_yuan(s.paid_total_fen), paid_note(s))
        self.figures.set_value("zRefunds", format_yuan(s.refunds_total_fen))
        self.figures.set_value("zNet", format_yuan(s.net_fen))
        warnings = open_matters(s)
        self.warning.setText("\n".join(f"⚠ {line}" for line in warnings))
        self.warning.setVisible(bool(warnings))
        if self.printed_at is None:
            self.printed.setText(self.tr("Not printed yet. The Z-report is printed once a day."))
            self.print_button.setText(self.tr("Print"))
        else:
            self.printed.setText(
                self.tr("Printed at {0}. Another copy is marked REPRINT.").format(clock_time(self.printed_at))
            )
            self.print_button.setText(self.tr("Print a copy"))
        self.cancel_button.setText(self.tr("Cancel"))

    def submit(self) -> None:
        self.accept()
        self._on_print(self.reprint)


class ExportDialog(Retranslating, ActionDialog):
    """Where the CSV file goes, one tap each: the USB drives found, then the kiosk's own folder. The file's
    name is set (what and which day); ``on_export(path)``. ``rescanRequested``: look for drives again."""

    rescanRequested = Signal()

    def __init__(
        self,
        describe: Callable[[], str],
        file_name: str,
        places: Sequence[Place],
        on_export: Callable[[Path], None],
        parent: QWidget | None = None,
    ):
        super().__init__("exportDialog", parent)
        self._describe = describe
        self.file_name = file_name
        self._on_export = on_export
        self.places: list[Place] = []
        self.place_buttons: list[QPushButton] = []
        body = self.body_widget
        self.what = _label("exportWhat", body)
        self.name_label = _label("exportFileName", body)
        self.where = _label("exportWhere", body)
        self.place_box = QWidget(body)
        self.place_box.setObjectName("exportPlaces")
        self.place_flow = FlowLayout(self.place_box)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.hint = _label("exportHint", body)
        self.rescan_button = QPushButton(body)
        self.rescan_button.setObjectName("exportRescanButton")
        self.rescan_button.clicked.connect(self.rescanRequested.emit)
        for widget in (self.what, self.name_label, self.where, self.place_box, self.hint):
            self.body.addWidget(widget)
        self.body.addWidget(self.rescan_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.cancel_button = self.add_action("exportCancelButton", self.reject)
        self.ok_button = self.add_action("exportOkButton", self.submit, primary=True)
        self.set_places(places)
        self.retranslate()

    def set_places(self, places: Sequence[Place]) -> None:
        """Show these places (after a rescan); the first one (a USB drive when there is one) is chosen."""
        chosen = self.chosen()
        for button in self.place_buttons:
            self.group.removeButton(button)
            button.deleteLater()
        self.places = list(places)
        self.place_buttons = []
        for index in range(len(self.places)):
            button = QPushButton(self.place_box)
            button.setObjectName(f"exportPlace_{index}")
            button.setProperty("role", "choice")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.group.addButton(button)
            self.place_flow.addWidget(button)
            self.place_buttons.append(button)
        if self.place_buttons:
            keep = self.places.index(chosen) if chosen in self.places else 0
            self.place_buttons[keep].setChecked(True)
        self.retranslate()
        if self.isVisible():
            self.fit()

    def chosen(self) -> Place | None:
        for place, button in zip(self.places, self.place_buttons, strict=True):
            if button.isChecked():
                return place
        return None

    def choose(self, kind: PlaceKind) -> None:
        for place, button in zip(self.places, self.place_buttons, strict=True):
            if place.kind is kind:
                button.setChecked(True)
                return

    def retranslate(self) -> None:
        self.set_title(self.tr("Export a CSV file"))
        self.what.setText(self._describe())
        self.name_label.setText(self.tr("File: {0}").format(self.file_name))
        self.where.setText(self.tr("Save it to:"))
        for place, button in zip(self.places, self.place_buttons, strict=True):
            if place.kind is PlaceKind.USB:
                button.setText(self.tr("USB drive “{0}”").format(place.label))
            else:
                button.setText(self.tr("This kiosk's export folder"))
        usb = any(place.kind is PlaceKind.USB for place in self.places)
        self.hint.setText(
            self.tr("The file opens in Excel and WPS.")
            if usb
            else self.tr("No USB drive found. Plug one in, then tap Look again.")
        )
        self.rescan_button.setText(self.tr("Look again"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.ok_button.setText(self.tr("Export"))

    def submit(self) -> None:
        place = self.chosen()
        if place is None:
            return
        self.accept()
        self._on_export(place.path / self.file_name)
