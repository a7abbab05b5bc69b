"""The manager screen: today's numbers, the day's orders, the WeChat Pay bill, reconciliation, refunds, the
Z-report, CSV export and the sound.

Opened from the cashier window by :func:`open_manager` after the manager PIN (the cashier's keypad dialog and
lock-out, ``kiosk.ui.pin``). It covers the cashier window it belongs to, whatever that window's size (kiosk
mode included: no second window for a window manager to place), with its actions in a bar along the bottom
that is always visible; the cashier's pages are hidden meanwhile (a scanner cannot ring anything up behind
it) and come back, with the focus where it was, when the screen closes. Every action is a tap.

It presents what the Qt-free :class:`~kiosk.manager.service.ManagerService` returns and forwards the manager's
actions to it; every blocking call runs on a :class:`~kiosk.ui.ops.BackgroundOps` worker and comes back on
the GUI thread. Its words for the kiosk's codes come from :mod:`kiosk.ui.manager_words`; all of it follows a
live language switch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import shiboken6
from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout.events import CoreEvent, PaidAfterCancel, RefundChanged, SessionChanged
from kiosk.checkout.session import PaymentSession
from kiosk.checkout.sound import SoundSettings
from kiosk.journal import RefundRow
from kiosk.manager.bills import BillEntry, BillResult, BillState
from kiosk.manager.export import default_name
from kiosk.manager.media import Place
from kiosk.manager.pin import pin_guard
from kiosk.manager.reconcile import Action, ReconCategory, Reconciliation, ReconItem, sort_for_display
from kiosk.manager.service import (
    DayReport,
    ManagerService,
    Problem,
    RefundOffer,
    RefundRefusal,
    TrainingClock,
    ZReportOutcome,
    problem_of,
)
from kiosk.manager.summaries import DayData, DaySummary, TopItem
from kiosk.money import format_yuan
from kiosk.trade import RefundStatus, TradeType
from kiosk.ui.i18n import Retranslating
from kiosk.ui.manager_dialogs import ExportDialog, RefundDialog, ZReportDialog
from kiosk.ui.manager_widgets import Figures, HourChart, ManagerTable, RowsModel, money
from kiosk.ui.manager_words import (
    action_name,
    bill_message,
    category_name,
    date_time,
    describe,
    item_name,
    open_matters,
    paid_by,
    problem_text,
    refund_status_name,
    state_name,
    trade_state_name,
    unresolved_advice,
)
from kiosk.ui.ops import BackgroundOps
from kiosk.ui.pin import PinDialog
from kiosk.ui.words import clock_time, short

if TYPE_CHECKING:
    from kiosk.checkout.app import KioskCore
    from kiosk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: The volume buttons' step (the slider moves by one).
VOLUME_STEP = 10

Text = Callable[[], str]


def _label(name: str, parent: QWidget, *, wrap: bool = True) -> QLabel:
    label = QLabel(parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def _button(name: str, parent: QWidget, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(parent)
    button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.clicked.connect(slot)
    return button


def _details(name: str, parent: QWidget) -> tuple[QScrollArea, QLabel]:
    """A panel for the selected row's full details (full numbers, every state in words); it scrolls."""
    area = QScrollArea(parent)
    area.setObjectName(f"{name}Area")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    label = _label(name, area)
    label.setProperty("role", "details")
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    area.setWidget(label)
    return area, label


class ManagerView(Retranslating, QWidget):
    """The manager's screen over ``window`` (it covers the window and follows its size).

    ``language()`` is the current language (item names follow it); ``switch_language()`` is the cashier's
    language switch (the screen has its own button for it)."""

    #: Core events of interest, re-emitted here so that they are handled on the GUI thread.
    coreEvent = Signal(object)
    #: A refund slip that could not be printed (from a worker thread).
    slipFailed = Signal(object)

    def __init__(
        self,
        service: ManagerService,
        window: QWidget,
        *,
        language: Callable[[], str],
        switch_language: Callable[[], None],
    ):
        super().__init__(window)
        self.setObjectName("managerView")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.service = service
        self._language = language
        self._switch_language = switch_language
        self.ops = BackgroundOps(self)
        self.ops.failed.connect(lambda _label, exc: self._failed(None, exc))
        self.day_data: DayData | None = None
        self.summary: DaySummary | None = None
        self.bill_result: BillResult | None = None
        self.reconciliation: Reconciliation | None = None
        self.refund_dialog: RefundDialog | None = None
        self.z_report_dialog: ZReportDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.last_export: Path | None = None
        self._selected: str | None = None
        #: The details panel of each selectable table, which table's row each panel shows, and that row.
        self._details_of: dict[ManagerTable, QLabel] = {}
        self._details_owner: dict[QLabel, ManagerTable] = {}
        self._shown: dict[ManagerTable, Any] = {}
        self._refund_states: dict[str, str] = {}
        self._refund_shown: tuple[str, str, str, int] | None = None
        self._status: tuple[Text, str] | None = None
        self._covered: list[QWidget] = []
        self._focus_before: QWidget | None = None

        self._build()
        self.retranslate()  # the sound settings and the empty details panels too
        self.coreEvent.connect(self._core_event)
        self.slipFailed.connect(self._slip_failed)
        self._unsubscribe: Callable[[], None] | None = service.subscribe(self._on_core_event)
        service.open(on_slip_error=self._on_slip_error)
        self.ops.run(service.print_missed_refund_slips, label="refund slips")
        self.ops.run(service.recheck_abnormal_refunds, label="abnormal refunds")
        self.refresh_today()
        self._cover(window)

    # ---- covering the cashier window ------------------------------------------------------------

    def _cover(self, window: QWidget) -> None:
        self._focus_before = window.focusWidget()  # its own, not the PIN dialog's
        for sibling in window.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if sibling is not self and sibling.isVisible() and not sibling.isWindow():
                sibling.hide()  # nothing typed or scanned reaches the sale behind this screen, nothing is drawn
                self._covered.append(sibling)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        window = self.parentWidget()
        if window is not None and watched is window and event.type() == QEvent.Type.Resize:
            self.setGeometry(window.rect())
        return False

    def _uncover(self) -> None:
        window = self.parentWidget()
        if window is not None:
            window.removeEventFilter(self)
        for sibling in self._covered:
            if shiboken6.isValid(sibling):
                sibling.show()
        self._covered.clear()
        before, self._focus_before = self._focus_before, None
        if before is not None:
            # Once this screen is hidden (hiding it moves the focus on): the scanner types into the cashier's field.
            QTimer.singleShot(
                0, lambda: before.setFocus(Qt.FocusReason.OtherFocusReason) if shiboken6.isValid(before) else None
            )

    # ---- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        header = QWidget(self)
        header.setObjectName("managerHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = _label("managerTitle", header)
        self.training_badge = _label("trainingBadge", header, wrap=False)
        self.training_badge.setVisible(self.service.training)
        self.language_button = _button("managerLanguageButton", header, self._switch_language)
        header_row = QHBoxLayout(header)
        header_row.setContentsMargins(16, 6, 8, 6)
        header_row.addWidget(self.title, 1)
        header_row.addWidget(self.training_badge)
        header_row.addWidget(self.language_button)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("managerTabs")
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setDocumentMode(True)
        self.today_tab = self._build_today()
        self.orders_tab = self._build_orders()
        self.bill_tab = self._build_bill()
        self.reconcile_tab = self._build_reconcile()
        self.settings_tab = self._build_settings()
        for tab in (self.today_tab, self.orders_tab, self.bill_tab, self.reconcile_tab, self.settings_tab):
            self.tabs.addTab(tab, "")

        self.refund_status = _label("refundStatusLabel", self)
        self.status_label = _label("managerStatusLabel", self)
        for label in (self.refund_status, self.status_label):
            label.setProperty("role", "managerMessage")
            label.hide()

        self.action_bar = QWidget(self)
        self.action_bar.setObjectName("managerActions")
        self.action_bar.setProperty("role", "actionBar")
        self.refund_button = _button("refundButton", self.action_bar, self.request_refund)
        self.requery_button = _button("requeryOrderButton", self.action_bar, self.requery_selected)
        self.z_button = _button("zReportButton", self.action_bar, self.open_z_report)
        self.export_button = _button("exportCsvButton", self.action_bar, self.export_csv)
        self.close_button = _button("managerCloseButton", self.action_bar, self.close)
        actions = QHBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        for button in (self.refund_button, self.requery_button, self.z_button, self.export_button, self.close_button):
            actions.addWidget(button, 1)

        body = QVBoxLayout()
        body.setContentsMargins(12, 4, 12, 10)
        body.addWidget(self.tabs, 1)
        body.addWidget(self.refund_status)
        body.addWidget(self.status_label)
        body.addWidget(self.action_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addLayout(body, 1)

    def _build_today(self) -> QWidget:
        tab = QWidget(self)
        tab.setObjectName("todayTab")
        self.figures = Figures("todayFigures", ("orders", "paid", "sales", "refunds", "net", "average"), 3, tab)
        self.numbers = self.figures.values
        self.today_notes = _label("todayNotes", tab)
        self.today_notes.setProperty("role", "notes")
        self.chart_title = _label("hourChartTitle", tab)
        self.chart = HourChart(tab)
        self.state_title = _label("stateTotalsTitle", tab)
        self.state_model = RowsModel(
            [lambda t: state_name(t.state), lambda t: str(t.count), lambda t: format_yuan(t.amount_fen)],
            self,
            numbers=(1, 2),
        )
        self.state_view = ManagerTable("stateTotalsView", self.state_model, tab, stretch=0, selectable=False)
        # What was received each way, when both ways were used today (the kiosk's QR, the customer's code).
        self.method_title = _label("methodTotalsTitle", tab)
        self.method_model = RowsModel(
            [lambda t: paid_by(t.method), lambda t: str(t.count), lambda t: format_yuan(t.amount_fen)],
            self,
            numbers=(1, 2),
        )
        self.method_view = ManagerTable("methodTotalsView", self.method_model, tab, stretch=0, selectable=False)
        for widget in (self.method_title, self.method_view):
            widget.hide()
        self.top_title = _label("topItemsTitle", tab)
        self.top_model = RowsModel(
            [self.item_name, lambda t: str(t.quantity), lambda t: format_yuan(t.amount_fen)], self, numbers=(1, 2)
        )
        self.top_view = ManagerTable("topItemsView", self.top_model, tab, stretch=0, selectable=False)
        left = QVBoxLayout()
        left.addWidget(self.figures)
        left.addWidget(self.today_notes)
        left.addWidget(self.chart_title)
        left.addWidget(self.chart, 1)
        right = QVBoxLayout()
        right.addWidget(self.method_title)
        right.addWidget(self.method_view, 1)
        right.addWidget(self.state_title)
        right.addWidget(self.state_view, 2)
        right.addWidget(self.top_title)
        right.addWidget(self.top_view, 3)
        layout = QHBoxLayout(tab)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        return tab

    def _build_orders(self) -> QWidget:
        tab = QWidget(self)
        tab.setObjectName("managerOrdersTab")
        # Payment codes the server cannot settle (their reverse keeps failing): first, shown only when there are some.
        self.unresolved_title = _label("unresolvedTitle", tab)
        self.unresolved_hint = _label("unresolvedHint", tab)
        self.unresolved_model = RowsModel(
            [
                lambda c: short(c.out_trade_no),
                lambda c: date_time(c.charged_at)[5:],
                lambda c: format_yuan(c.amount_fen),
                lambda c: paid_by(TradeType.MICROPAY, c.payment_code),
                lambda c: state_name(c.state),
            ],
            self,
            numbers=(2,),
        )
        self.unresolved_view = ManagerTable("unresolvedView", self.unresolved_model, tab, stretch=4)
        self.attention_title = _label("attentionTitle", tab)
        self.attention_model = RowsModel(
            [
                lambda c: short(c.out_trade_no),
                lambda c: date_time(c.success_time)[5:],
                lambda c: format_yuan(c.amount_fen),
                lambda c: format_yuan(c.refundable_fen),
                lambda c: self.tr("Refunded") if c.resolved else self.tr("Needs a refund"),
            ],
            self,
            numbers=(2, 3),
        )
        self.attention_view = ManagerTable("attentionView", self.attention_model, tab, stretch=4)
        self.orders_title = _label("todayOrdersTitle", tab)
        self.refresh_button = _button("todayRefreshButton", tab, self.refresh_today)
        self.orders_model = RowsModel(
            [
                lambda o: short(o.out_trade_no),
                lambda o: clock_time(o.charged_at, seconds=True),
                lambda o: state_name(o.state),
                lambda o: format_yuan(o.amount_fen),
                lambda o: paid_by(o.method),
            ],
            self,
            numbers=(3,),
        )
        self.orders_view = ManagerTable("todayOrdersView", self.orders_model, tab, stretch=2)
        details_area, self.order_details = _details("orderDetails", tab)
        title_row = QHBoxLayout()
        title_row.addWidget(self.orders_title, 1)
        title_row.addWidget(self.refresh_button)
        left = QVBoxLayout()
        left.addWidget(self.unresolved_title)
        left.addWidget(self.unresolved_hint)
        left.addWidget(self.unresolved_view, 2)
        left.addWidget(self.attention_title)
        left.addWidget(self.attention_view, 2)
        left.addLayout(title_row)
        left.addWidget(self.orders_view, 3)
        layout = QHBoxLayout(tab)
        layout.addLayout(left, 3)
        layout.addWidget(details_area, 2)
        for widget in (self.unresolved_title, self.unresolved_hint, self.unresolved_view):
            widget.hide()
        for view in (self.unresolved_view, self.attention_view, self.orders_view):
            self._selectable(view, self.order_details)
        return tab

    def _build_bill(self) -> QWidget:
        tab = QWidget(self)
        tab.setObjectName("billTab")
        self.bill_prev = _button("billPrevDayButton", tab, lambda: self._move_bill_day(-1))
        self.bill_date = QDateEdit(tab)
        self.bill_date.setObjectName("billDateEdit")
        self.bill_date.setCalendarPopup(True)
        self.bill_date.setDisplayFormat("yyyy-MM-dd")
        self.bill_date.setButtonSymbols(QDateEdit.ButtonSymbols.NoButtons)
        self.bill_date.setAlignment(Qt.AlignmentFlag.AlignCenter)
        today = self.service.today()
        self.bill_date.setMaximumDate(QDate(today.year, today.month, today.day))
        yesterday = self.service.default_bill_day()
        self.bill_date.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
        self.bill_next = _button("billNextDayButton", tab, lambda: self._move_bill_day(1))
        self.fetch_button = _button("fetchBillButton", tab, self.fetch_bill)
        self.advance_button = _button("advanceClockButton", tab, self.advance_sandbox_clock)
        self.advance_button.setVisible(self.service.can_advance_training_clock)
        self.bill_status = _label("billStatusLabel", tab)
        self.bill_figures = Figures("billFigures", ("billOrders", "billSettled", "billRefunds", "billFees"), 4, tab)
        self.bill_numbers = {key.removeprefix("bill").lower(): value for key, value in self.bill_figures.values.items()}
        self.bill_model = RowsModel(
            [
                lambda e: clock_time(e.trade_time, seconds=True),
                lambda e: short(e.out_trade_no),
                lambda e: trade_state_name(e.trade_state),
                lambda e: format_yuan(e.order_total_fen) if not e.is_refund else "",
                lambda e: format_yuan(e.refund_fen) if e.is_refund else "",
                lambda e: format_yuan(e.fee_fen),
            ],
            self,
            numbers=(3, 4, 5),
        )
        self.bill_view = ManagerTable("billRowsView", self.bill_model, tab, stretch=2, wrap=False)
        details_area, self.bill_details = _details("billDetails", tab)
        self._selectable(self.bill_view, self.bill_details)
        controls = QHBoxLayout()
        for widget in (self.bill_prev, self.bill_date, self.bill_next, self.fetch_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        rows = QHBoxLayout()
        rows.addWidget(self.bill_view, 3)
        rows.addWidget(details_area, 2)
        layout = QVBoxLayout(tab)
        layout.addLayout(controls)
        layout.addWidget(self.advance_button)
        layout.addWidget(self.bill_status)
        layout.addWidget(self.bill_figures)
        layout.addLayout(rows, 1)
        return tab

    def _build_reconcile(self) -> QWidget:
        tab = QWidget(self)
        tab.setObjectName("reconcileTab")
        self.reconcile_status = _label("reconcileStatusLabel", tab)
        self.reconcile_model = RowsModel(
            [
                lambda i: category_name(i.category),
                lambda i: short(i.out_trade_no),
                lambda i: money(i.bill_fen),
                lambda i: money(i.journal_fen),
            ],
            self,
            numbers=(2, 3),
        )
        self.reconcile_view = ManagerTable("reconcileView", self.reconcile_model, tab, stretch=0, wrap=False)
        details_area, self.reconcile_details = _details("reconcileDetails", tab)
        self._selectable(self.reconcile_view, self.reconcile_details)
        rows = QHBoxLayout()
        rows.addWidget(self.reconcile_view, 3)
        rows.addWidget(details_area, 2)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.reconcile_status)
        layout.addLayout(rows, 1)
        return tab

    def _build_settings(self) -> QWidget:
        tab = QWidget(self)
        tab.setObjectName("settingsTab")
        self.sound_title = _label("soundTitle", tab)
        self.sound_title.setProperty("role", "sectionTitle")
        self.sound_hint = _label("soundHint", tab)
        self.sound_button = _button("soundEnabledButton", tab, self._toggle_sound)
        self.sound_button.setCheckable(True)
        self.volume_caption = _label("soundVolumeCaption", tab, wrap=False)
        self.volume_down = _button("soundVolumeDownButton", tab, lambda: self._step_volume(-VOLUME_STEP))
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, tab)
        self.volume_slider.setObjectName("soundVolumeSlider")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setPageStep(VOLUME_STEP)
        self.volume_slider.setTracking(False)  # kept once the finger lets go, not at every step of a drag
        self.volume_slider.valueChanged.connect(self._volume_chosen)
        self.volume_up = _button("soundVolumeUpButton", tab, lambda: self._step_volume(VOLUME_STEP))
        self.volume_value = _label("soundVolumeValue", tab, wrap=False)
        self.volume_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sound_test = _button("soundTestButton", tab, self.play_sample)
        volume_row = QHBoxLayout()
        volume_row.addWidget(self.volume_caption)
        volume_row.addWidget(self.volume_down)
        volume_row.addWidget(self.volume_slider, 1)
        volume_row.addWidget(self.volume_up)
        volume_row.addWidget(self.volume_value)
        switch_row = QHBoxLayout()
        switch_row.addWidget(self.sound_button)
        switch_row.addWidget(self.sound_test)
        switch_row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.sound_title)
        layout.addWidget(self.sound_hint)
        layout.addLayout(switch_row)
        layout.addLayout(volume_row)
        layout.addStretch(1)
        return tab

    def _selectable(self, view: ManagerTable, details: QLabel) -> None:
        self._details_of[view] = details
        view.selectionModel().selectionChanged.connect(lambda _new, _old: self._selection_changed(view))

    # ---- texts -------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Manager — {0}").format(self.service.store_name))
        self.training_badge.setText(self.tr("Training mode"))
        # The button names the language it switches to, in that language (as the cashier's does).
        self.language_button.setText("English" if self._language() == "zh_CN" else "中文")
        for tab, text in (
            (self.today_tab, self.tr("Today")),
            (self.orders_tab, self.tr("Orders")),
            (self.bill_tab, self.tr("WeChat Pay bill")),
            (self.reconcile_tab, self.tr("Reconciliation")),
            (self.settings_tab, self.tr("Settings")),
        ):
            self.tabs.setTabText(self.tabs.indexOf(tab), text)
        self.refund_button.setText(self.tr("Refund…"))
        self.requery_button.setText(self.tr("Re-query order"))
        self.z_button.setText(self.tr("Z-report…"))
        self.export_button.setText(self.tr("Export…"))
        self.close_button.setText(self.tr("Close"))
        self.figures.set_captions(
            {
                "orders": self.tr("Number of orders"),
                "paid": self.tr("Received (WeChat Pay)"),
                "sales": self.tr("Sales"),
                "refunds": self.tr("Refunds"),
                "net": self.tr("Net"),
                "average": self.tr("Average sale"),
            }
        )
        self.chart_title.setText(self.tr("Sales by hour"))
        self.method_title.setText(self.tr("Received by payment method"))
        self.state_title.setText(self.tr("Orders by state"))
        self.top_title.setText(self.tr("Best sellers"))
        self.orders_title.setText(self.tr("Today's orders"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.method_model.set_headers([self.tr("Paid by"), self.tr("Count"), self.tr("Amount")])
        self.state_model.set_headers([self.tr("State"), self.tr("Count"), self.tr("Amount")])
        self.top_model.set_headers([self.tr("Item"), self.tr("Sold"), self.tr("Amount")])
        self.attention_model.set_headers(
            [self.tr("No."), self.tr("Paid at"), self.tr("Amount"), self.tr("Refundable"), self.tr("Status")]
        )
        self.unresolved_model.set_headers(
            [self.tr("No."), self.tr("Charged at"), self.tr("Amount"), self.tr("Paid by"), self.tr("State")]
        )
        self.unresolved_hint.setText(unresolved_advice())
        self.orders_model.set_headers(
            [self.tr("No."), self.tr("Time"), self.tr("State"), self.tr("Amount"), self.tr("Paid by")]
        )
        self.bill_prev.setText("◀")
        self.bill_prev.setToolTip(self.tr("Day before"))
        self.bill_next.setText("▶")
        self.bill_next.setToolTip(self.tr("Day after"))
        self.fetch_button.setText(self.tr("Fetch bill"))
        self.advance_button.setText(self.tr("Training: jump to 10:00 tomorrow, when today's bill comes out"))
        self.bill_figures.set_captions(
            {
                "billOrders": self.tr("Payments"),
                "billSettled": self.tr("Received"),
                "billRefunds": self.tr("Refunded"),
                "billFees": self.tr("Fees"),
            }
        )
        self.bill_model.set_headers(
            [self.tr("Time"), self.tr("No."), self.tr("Type"), self.tr("Amount"), self.tr("Refund"), self.tr("Fee")]
        )
        self.reconcile_model.set_headers(
            [self.tr("What was found"), self.tr("No."), self.tr("WeChat Pay"), self.tr("This kiosk")]
        )
        self.sound_title.setText(self.tr("Sound"))
        self.sound_hint.setText(
            self.tr(
                "Every payment is announced (a chime and “微信收款 … 元”); a wrong scan or a failed payment "
                "sounds a warning."
            )
        )
        self.volume_caption.setText(self.tr("Volume"))
        self.volume_down.setText("−")
        self.volume_down.setToolTip(self.tr("Quieter"))
        self.volume_up.setText("+")
        self.volume_up.setToolTip(self.tr("Louder"))
        self.sound_test.setText(self.tr("Try it"))
        self.show_sound(self.service.sound)
        for details in set(self._details_of.values()):
            self._show_details(details)

    def language_changed(self) -> None:
        # Labels, and everything rendered in the old language: cells, figures, details and messages.
        self.retranslate()
        for model in (
            self.method_model,
            self.state_model,
            self.top_model,
            self.unresolved_model,
            self.attention_model,
            self.orders_model,
            self.bill_model,
            self.reconcile_model,
        ):
            model.rerender()
        if self.day_data is not None and self.summary is not None:
            self._show_figures(self.summary)
        self._show_bill_texts()
        self._show_reconciliation_summary()
        self._render_messages()

    def item_name(self, item: TopItem) -> str:
        """An item's name in the language on screen now."""
        return item_name(item.name_zh, item.name_en, self._language())

    # ---- messages ------------------------------------------------------------------------------

    def say(self, text: Text, kind: str = "info") -> None:
        """A message under the tabs (re-rendered after a language switch); ``kind`` is ``info`` or ``error``."""
        self._status = (text, kind)
        self._render_messages()

    def _render_messages(self) -> None:
        if self._status is None:
            self.status_label.hide()
        else:
            render, kind = self._status
            self.status_label.setText(("⚠ " if kind == "error" else "ⓘ ") + render())
            self.status_label.setProperty("kind", kind)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)
            self.status_label.show()
        if self._refund_shown is not None:
            otn, _refund_no, state, fen = self._refund_shown
            text = self.tr("Refund of {0} for order {1}: {2}").format(
                format_yuan(fen), short(otn), refund_status_name(state)
            )
            if state == RefundStatus.SUCCESS and self.service.has_printer:
                text += " · " + self.tr("refund slip sent to the printer")
            self.refund_status.setText(text)
            self.refund_status.show()

    def _failed(self, what: Text | None, exc: BaseException) -> None:
        """A failed action in plain words (the exception goes to the log, never to the screen)."""
        log.warning("manager action failed: %r", exc)
        problem = problem_of(exc)
        self.say(lambda: f"{what()}: {problem_text(problem)}" if what is not None else problem_text(problem), "error")

    # ---- today ---------------------------------------------------------------------------------

    def refresh_today(self) -> None:
        self.ops.run(self.service.day_report, on_done=self.show_today, label="today")

    def show_today(self, report: DayReport) -> None:
        self.day_data, self.summary = report.data, report.summary
        self._show_figures(report.summary)
        self.state_model.set_rows(report.summary.by_state)
        self.method_model.set_rows(report.summary.by_method)
        for widget in (self.method_title, self.method_view):
            widget.setVisible(len(report.summary.by_method) > 1)
        self.chart.set_amounts([bucket.amount_fen for bucket in report.summary.by_hour])
        self.top_model.set_rows(report.summary.top_by_quantity)
        self._keep_selection(self.unresolved_view, report.summary.unresolved)
        self._keep_selection(self.attention_view, report.summary.attention)
        self._keep_selection(self.orders_view, report.data.orders)

    def _show_figures(self, s: DaySummary) -> None:
        orders = self.tr("Orders: {0}")
        self.figures.set_value("orders", str(s.order_count))
        self.figures.set_value("paid", format_yuan(s.paid_total_fen), orders.format(s.paid_count))
        self.figures.set_value("sales", format_yuan(s.sales_total_fen), orders.format(s.sales_count))
        self.figures.set_value(
            "refunds", format_yuan(s.refunds_total_fen), self.tr("Refunds: {0}").format(s.refund_count)
        )
        self.figures.set_value("net", format_yuan(s.net_fen))
        self.figures.set_value("average", format_yuan(s.average_ticket_fen))
        notes = open_matters(s)
        open_cases = len(s.open_attention)
        self.today_notes.setText("\n".join(f"⚠ {note}" for note in notes))
        self.today_notes.setVisible(bool(notes))
        busiest = self.chart.busiest_hour()
        self.chart.setToolTip(f"{busiest:02d}:00" if busiest is not None else "")
        self.attention_title.setProperty("open", open_cases)
        self.attention_title.setText(
            self.tr("Paid after cancel — to refund: {0}").format(open_cases)
            if open_cases
            else self.tr("Paid after cancel — nothing to do")
        )
        self.attention_view.setVisible(bool(s.attention))
        unresolved = len(s.unresolved)
        self.unresolved_title.setText("⚠ " + self.tr("Payment codes not settled: {0}").format(unresolved))
        for widget in (self.unresolved_title, self.unresolved_hint, self.unresolved_view):
            widget.setVisible(bool(unresolved))

    # ---- selection and details ----------------------------------------------------------------

    def _keep_selection(self, view: ManagerTable, rows: Any) -> None:
        """New rows, the same order still selected (a refresh must not lose what the manager chose)."""
        model = view.model()
        assert isinstance(model, RowsModel)
        key = getattr(self._shown.get(view), "out_trade_no", None)
        model.set_rows(rows)
        if key is not None:
            for index, row in enumerate(model.rows):
                if row.out_trade_no == key:
                    view.selectRow(index)
                    return
        self._shown[view] = None
        self._show_details(self._details_of[view])

    def _selection_changed(self, view: ManagerTable) -> None:
        details = self._details_of[view]
        selected = view.selectionModel().selectedRows()
        row = view.row_object(selected[0].row()) if selected else None
        self._shown[view] = row
        if row is not None:
            self._selected = row.out_trade_no
            self._details_owner[details] = view
            for other, label in self._details_of.items():
                if other is not view and label is details:
                    other.clearSelection()  # one panel, one row: the other table lets go of its row
        self._show_details(details)

    def _show_details(self, details: QLabel) -> None:
        owner = self._details_owner.get(details)
        row = self._shown.get(owner) if owner is not None else None
        details.setProperty("empty", row is None)
        details.setText(self._describe(row) if row is not None else self.tr("Tap a row to see all of it here."))

    def _describe(self, row: Any) -> str:
        data = self.day_data
        return describe(
            row,
            items=data.items if data is not None else {},
            refunds=data.refunds if data is not None else (),
            language=self._language(),
        )

    def select_order(self, out_trade_no: str) -> bool:
        """Select the order in the visible tab's tables (as a tap on its row does); False if not listed."""
        views = {
            self.orders_tab: (self.unresolved_view, self.attention_view, self.orders_view),
            self.bill_tab: (self.bill_view,),
            self.reconcile_tab: (self.reconcile_view,),
        }.get(self.tabs.currentWidget(), ())
        for view in views:
            model = view.model()
            assert isinstance(model, RowsModel)
            for index, row in enumerate(model.rows):
                if getattr(row, "out_trade_no", None) == out_trade_no:
                    view.selectRow(index)
                    view.setCurrentIndex(model.index(index, 0))
                    return True
        return False

    @property
    def selected_order(self) -> str | None:
        return self._selected

    # ---- dialogs -----------------------------------------------------------------------------

    def _dialog_open(self) -> bool:
        """One of this screen's dialogs is open. Each opens when its answer comes back from a worker, so a
        second tap (Refund twice, or Z-report right after Refund) answers late: that answer must not stack a
        dialog over the one the manager is using, nor take its place."""
        return any(dialog is not None for dialog in (self.refund_dialog, self.z_report_dialog, self.export_dialog))

    # ---- refunds -----------------------------------------------------------------------------

    def request_refund(self) -> None:
        if not self.service.refunds_enabled:
            self.say(lambda: problem_text(Problem.NO_REFUND_PERMISSION), "error")
            return
        otn = self._selected
        if otn is None:
            self.say(lambda: self.tr("First tap the order to refund (Orders, the bill or Reconciliation)."), "error")
            return
        service = self.service
        self.ops.run(
            lambda: service.refund_offer(otn),
            on_done=self.show_refund_offer,
            on_error=lambda exc: self._failed(lambda: self.tr("No refund"), exc),
            label="refund offer",
        )

    def show_refund_offer(self, offer: RefundOffer) -> None:
        if self._dialog_open():
            return
        number = short(offer.out_trade_no)
        if offer.refusal is RefundRefusal.NOT_IN_JOURNAL:
            self.say(
                lambda: self.tr(
                    "Order {0} was not sold on this kiosk: refund it in the WeChat Pay merchant platform."
                ).format(number),
                "error",
            )
            return
        if offer.refusal is RefundRefusal.NOT_PAID:
            self.say(
                lambda: self.tr("Order {0} is not paid on this kiosk's record: tap Re-query order first.").format(
                    number
                ),
                "error",
            )
            return
        if offer.refusal is RefundRefusal.FULLY_REFUNDED:
            self.say(lambda: self.tr("Order {0} is already refunded in full.").format(number), "error")
            return
        otn = offer.out_trade_no
        self.refund_dialog = RefundDialog(offer, lambda fen, reason: self._refund(otn, fen, reason), self)
        self.refund_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.refund_dialog.finished.connect(self._refund_dialog_closed)
        self.refund_dialog.open()

    def _refund_dialog_closed(self, _code: int) -> None:
        self.refund_dialog = None

    def _refund(self, otn: str, fen: int, reason: str) -> None:
        service = self.service
        self.ops.run(
            lambda: service.refund(otn, fen, reason),
            on_done=lambda row: self._refund_requested(row),
            on_error=lambda exc: self._failed(lambda: self.tr("The refund was not sent"), exc),
            label="refund",
        )

    def _refund_requested(self, row: RefundRow) -> None:
        self.show_refund_state(row.out_trade_no, row.out_refund_no, row.state, row.amount_fen)
        self.refresh_today()

    def show_refund_state(self, otn: str, out_refund_no: str, state: str, fen: int) -> None:
        self._refund_states[out_refund_no] = state
        self._refund_shown = (otn, out_refund_no, state, fen)
        self.refund_status.setProperty("state", state)
        self._render_messages()

    def refund_state(self, out_refund_no: str) -> str | None:
        return self._refund_states.get(out_refund_no)

    def _on_slip_error(self, refund: RefundRow) -> None:
        try:
            self.slipFailed.emit(refund)  # worker thread: only hand over
        except RuntimeError:
            log.warning("refund slip %s not printed (the manager screen is closed)", refund.out_refund_no)

    def _slip_failed(self, refund: RefundRow) -> None:
        number = short(refund.out_trade_no)
        self.say(
            lambda: self.tr("The refund slip for order {0} was not printed. Check the printer.").format(number), "error"
        )

    # ---- core events -------------------------------------------------------------------------

    def _on_core_event(self, event: CoreEvent) -> None:
        # Worker threads: only re-emit (queued to the GUI thread).
        if isinstance(event, RefundChanged | PaidAfterCancel) or (
            isinstance(event, SessionChanged)
            and (event.session.state is not event.previous_state or self._unsettled_change(event.session))
        ):
            try:
                self.coreEvent.emit(event)
            except RuntimeError:  # the screen was destroyed with its window, without a close: stop listening
                self.detach()

    def _unsettled_change(self, session: PaymentSession) -> bool:
        """A payment code flagged not settled, or one listed that may have settled since (the state may stay)."""
        listed = self.summary.unresolved if self.summary is not None else ()
        return session.unresolved or any(case.out_trade_no == session.out_trade_no for case in listed)

    def _core_event(self, event: CoreEvent) -> None:
        if isinstance(event, RefundChanged):
            if event.error:
                log.info("refund %s: %s", event.out_refund_no, event.error)
            self.show_refund_state(event.out_trade_no, event.out_refund_no, event.state, event.amount_fen)
        self.refresh_today()

    def requery_selected(self) -> None:
        otn = self._selected
        if otn is None:
            self.say(lambda: self.tr("First tap the order to ask WeChat Pay about."), "error")
            return
        service = self.service
        self.ops.run(
            lambda: service.requery(otn),
            on_done=self._requeried,
            on_error=lambda exc: self._failed(lambda: self.tr("Re-query failed"), exc),
            label="requery",
        )

    def _requeried(self, session: PaymentSession) -> None:
        number = short(session.out_trade_no)
        self.say(lambda: self.tr("Order {0} is now: {1}").format(number, state_name(session.state)))
        self.refresh_today()
        if self.bill_result is not None and self.bill_result.ok:
            self._start_reconcile(self.bill_result)

    # ---- bill and reconciliation -------------------------------------------------------------

    def bill_day(self) -> date:
        value = self.bill_date.date()
        return date(value.year(), value.month(), value.day())

    def _move_bill_day(self, days: int) -> None:
        self.bill_date.setDate(self.bill_date.date().addDays(days))

    def fetch_bill(self) -> None:
        day = self.bill_day()
        self.fetch_button.setEnabled(False)
        self.bill_status.setProperty("state", "loading")
        self.bill_status.setText(self.tr("Fetching the bill for {0}…").format(day.isoformat()))
        service = self.service
        self.ops.run(
            lambda: service.fetch_bill(day),
            on_done=self.show_bill,
            on_error=lambda exc: self._bill_failed(day, exc),
            label="bill",
        )

    def _bill_failed(self, day: date, exc: BaseException) -> None:
        log.warning("bill for %s: %r", day, exc)
        self.show_bill(BillResult(BillState.RELAY_DOWN, day, detail=type(exc).__name__))

    def show_bill(self, result: BillResult) -> None:
        self.fetch_button.setEnabled(True)
        self.bill_result = result
        self.bill_status.setProperty("state", result.state.value)
        bill = result.bill if result.ok else None
        # Anything but a verified, consistent bill clears the tables: never show stale or rejected rows.
        self.reconciliation = None
        self._keep_selection(self.bill_view, bill.entries if bill is not None else ())
        self._keep_selection(self.reconcile_view, ())
        self._show_bill_texts()
        if bill is not None:
            self._start_reconcile(result)
        self._show_reconciliation_summary()

    def _show_bill_texts(self) -> None:
        result = self.bill_result
        if result is not None:
            self.bill_status.setText(bill_message(result))
        totals = result.bill.totals if result is not None and result.ok and result.bill is not None else None
        self.bill_numbers["orders"].setText(str(totals.trade_count) if totals else "-")
        self.bill_numbers["settled"].setText(format_yuan(totals.settlement_fen) if totals else "-")
        self.bill_numbers["refunds"].setText(format_yuan(totals.refund_fen) if totals else "-")
        self.bill_numbers["fees"].setText(format_yuan(totals.fee_fen) if totals else "-")

    def _start_reconcile(self, result: BillResult) -> None:
        bill = result.bill
        assert bill is not None
        service = self.service
        self.reconcile_status.setText(self.tr("Comparing the bill with this kiosk's record…"))
        self.ops.run(
            lambda: service.reconcile(bill),
            on_done=lambda done: self.show_reconciliation(done, result),
            on_error=lambda exc: self._failed(lambda: self.tr("Reconciliation failed"), exc),
            label="reconciliation",
        )

    def show_reconciliation(self, result: Reconciliation, source: BillResult) -> None:
        if source is not self.bill_result:
            return  # a newer fetch replaced (or rejected) the bill this was computed from
        self.reconciliation = result
        self._keep_selection(self.reconcile_view, sort_for_display(result.items))
        self._show_reconciliation_summary()

    def _show_reconciliation_summary(self) -> None:
        result = self.reconciliation
        if result is None:
            if self.bill_result is not None and not self.bill_result.ok:
                text = self.tr("No bill to compare for {0}.").format(self.bill_result.day.isoformat())
            elif self.bill_result is None:
                text = self.tr("Fetch a bill to compare it with this kiosk's record.")
            else:
                return  # comparing: the text says so
            self.reconcile_status.setProperty("problems", 0)
            self.reconcile_status.setText(text)
            return
        problems = len(result.problems)
        summary = self.tr(
            "{0}: WeChat Pay received {1} and refunded {2}; this kiosk recorded {3} received and {4} refunded."
        ).format(
            result.day.isoformat(),
            format_yuan(result.bill_paid_fen),
            format_yuan(result.bill_refund_fen),
            format_yuan(result.journal_paid_fen),
            format_yuan(result.journal_refund_fen),
        )
        if problems:
            summary += " " + self.tr("To look at: {0}. Tap one to see what to do.").format(problems)
        else:
            summary += " " + self.tr("Everything matches.")
        self.reconcile_status.setProperty("problems", problems)
        self.reconcile_status.setText(summary)

    def reconcile_items(self) -> list[ReconItem]:
        return list(self.reconcile_model.rows)

    def bill_entries(self) -> list[BillEntry]:
        return list(self.bill_model.rows)

    def advance_sandbox_clock(self) -> None:
        if not self.service.can_advance_training_clock:
            return
        self.advance_button.setEnabled(False)
        self.ops.run(
            self.service.advance_training_clock,
            on_done=self._clock_moved,
            on_error=lambda exc: self._clock_failed(exc),
            label="training clock",
        )

    def _clock_failed(self, exc: BaseException) -> None:
        self.advance_button.setEnabled(True)
        self._failed(lambda: self.tr("The training clock did not move"), exc)

    def _clock_moved(self, clock: TrainingClock) -> None:
        self.advance_button.setEnabled(True)
        day = clock.bill_day
        self.bill_date.setMaximumDate(QDate(day.year, day.month, day.day).addDays(1))
        self.bill_date.setDate(QDate(day.year, day.month, day.day))
        self.say(
            lambda: self.tr("Training: WeChat Pay's clock is now {0}; the bill for {1} can be fetched.").format(
                date_time(clock.now), day.isoformat()
            )
        )

    # ---- Z-report ------------------------------------------------------------------------------

    def open_z_report(self) -> None:
        if not self.service.has_printer:
            self.say(lambda: self.tr("No receipt printer is set up on this kiosk."), "error")
            return
        service = self.service
        day = service.today()
        self.ops.run(
            lambda: (service.day_report(day).summary, service.z_report_printed(day)),
            on_done=lambda found: self.show_z_report(*found),
            on_error=lambda exc: self._failed(lambda: self.tr("No Z-report"), exc),
            label="z-report",
        )

    def show_z_report(self, summary: DaySummary, printed_at: Any) -> None:
        if self._dialog_open():
            return
        self.z_report_dialog = ZReportDialog(
            summary, printed_at, lambda reprint: self._print_z(summary.day, reprint), self
        )
        self.z_report_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.z_report_dialog.finished.connect(lambda _code: setattr(self, "z_report_dialog", None))
        self.z_report_dialog.open()

    def _print_z(self, day: date, reprint: bool) -> None:
        service = self.service
        self.ops.run(
            lambda: service.print_z_report(day, reprint=reprint),
            on_done=lambda outcome: self._z_report_done(day, outcome),
            on_error=lambda exc: self._failed(lambda: self.tr("The Z-report was not printed"), exc),
            label="z-report",
        )

    def _z_report_done(self, day: date, outcome: ZReportOutcome) -> None:
        when = day.isoformat()
        if outcome is ZReportOutcome.NO_PRINTER:
            self.say(lambda: self.tr("No receipt printer is set up on this kiosk."), "error")
        elif outcome is ZReportOutcome.ALREADY_PRINTED:
            self.say(
                lambda: self.tr("The Z-report for {0} was already printed: open it again to print a copy.").format(when)
            )
        elif outcome is ZReportOutcome.REPRINTED:
            self.say(lambda: self.tr("A copy of the Z-report for {0}, marked REPRINT, is printing.").format(when))
        else:
            self.say(lambda: self.tr("The Z-report for {0} is printing.").format(when))

    # ---- export --------------------------------------------------------------------------------

    def export_csv(self) -> None:
        """The reconciliation on its tab; otherwise the orders of the day shown (the bill's day or today)."""
        service = self.service
        if self.tabs.currentWidget() is self.reconcile_tab:
            reconciliation = self.reconciliation
            if reconciliation is None:
                self.say(lambda: self.tr("Fetch a bill first: there is no comparison to export yet."), "error")
                return
            labels = {c.value: category_name(c) for c in ReconCategory} | {a.value: action_name(a) for a in Action}
            day = reconciliation.day
            self._ask_place(
                lambda: self.tr("The comparison of {0}'s bill with this kiosk's record").format(day.isoformat()),
                default_name("reconciliation", day),
                partial(service.export_reconciliation, reconciliation, labels=labels),
            )
            return
        day = self.bill_day() if self.tabs.currentWidget() is self.bill_tab else service.today()
        self._ask_place(
            lambda: self.tr("The orders of {0}").format(day.isoformat()),
            default_name("orders", day),
            partial(service.export_orders, day),
        )

    def _ask_place(self, describe: Text, name: str, write: Callable[[Path], Path]) -> None:
        self.ops.run(
            self.service.export_places,
            on_done=lambda places: self.show_export(describe, name, places, write),
            label="export places",
        )

    def show_export(self, describe: Text, name: str, places: list[Place], write: Callable[[Path], Path]) -> None:
        if self._dialog_open():
            return
        dialog = ExportDialog(describe, name, places, lambda path: self._export(path, write), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.rescanRequested.connect(
            lambda: self.ops.run(self.service.export_places, on_done=dialog.set_places, label="export places")
        )
        dialog.finished.connect(lambda _code: setattr(self, "export_dialog", None))
        self.export_dialog = dialog
        dialog.open()

    def _export(self, path: Path, write: Callable[[Path], Path]) -> None:
        self.ops.run(
            lambda: write(path),
            on_done=self._exported,
            on_error=lambda exc: self._failed(lambda: self.tr("The file was not saved"), exc),
            label="export",
        )

    def _exported(self, path: Path) -> None:
        self.last_export = path
        self.say(lambda: self.tr("Saved: {0}").format(str(path)))

    # ---- sound ---------------------------------------------------------------------------------

    def show_sound(self, settings: SoundSettings) -> None:
        self.sound_button.setChecked(settings.enabled)
        self.sound_button.setText(self.tr("Sound is on") if settings.enabled else self.tr("Sound is off"))
        self.volume_slider.blockSignals(True)
        self.volume_slider.setValue(settings.volume)
        self.volume_slider.blockSignals(False)
        self.volume_value.setText(f"{settings.volume}%")
        for widget in (self.volume_down, self.volume_slider, self.volume_up, self.sound_test):
            widget.setEnabled(settings.enabled)
        self.volume_down.setEnabled(settings.enabled and settings.volume > 0)
        self.volume_up.setEnabled(settings.enabled and settings.volume < 100)

    def _toggle_sound(self) -> None:
        self._set_sound(enabled=self.sound_button.isChecked())

    def _step_volume(self, step: int) -> None:
        self._set_sound(volume=min(max(self.service.sound.volume + step, 0), 100))

    def _volume_chosen(self, volume: int) -> None:
        self._set_sound(volume=volume)

    def _set_sound(self, *, enabled: bool | None = None, volume: int | None = None) -> None:
        service = self.service
        self.ops.run(
            lambda: service.set_sound(enabled=enabled, volume=volume),
            on_done=self.show_sound,
            on_error=lambda exc: self._failed(lambda: self.tr("The sound setting was not kept"), exc),
            label="sound",
        )

    def play_sample(self) -> None:
        self.service.play_sound_sample()

    # ---- life cycle --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.detach()
        self._uncover()
        super().closeEvent(event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.service.close()

    def stop(self) -> None:
        """The window is about to stop the core: stop following it and wait for this screen's workers, so that
        none of them reaches the journal after it closes (the window does not close its children)."""
        self.detach()
        self.ops.stop()


# ---- the entry point the cashier window uses --------------------------------------------------------


def open_manager(
    window: MainWindow, core: KioskCore, *, bill_transport: httpx.BaseTransport | None = None
) -> PinDialog:
    """Ask for the manager PIN on the keypad (window-modal, not blocking); the manager screen covers
    ``window`` once it is right. Returns the PIN dialog (``bill_transport``: a seam for tests)."""
    dialog = PinDialog(pin_guard(core), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        view = ManagerView(
            ManagerService(core, bill_transport=bill_transport),
            window,
            language=lambda: window.language,
            switch_language=window.toggle_language,
        )
        window.shuttingDown.connect(view.stop)
        view.show()

    dialog.accepted.connect(accepted)
    window.shuttingDown.connect(dialog.stop)  # a PIN check keeps its lock-out count in the journal
    dialog.open()
    return dialog
