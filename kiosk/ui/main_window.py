"""The cashier window: presents the core and forwards the clerk's taps to it; nothing else.

Every blocking core call goes through :class:`~kiosk.ui.ops.BackgroundOps`; core events arrive through
:class:`~kiosk.ui.bridge.CoreBridge` on the GUI thread; every error ends up in the notice bar.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QPaintEvent, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.i18n import Retranslating, Translations
from kiosk.ui.notices import AlertBanner, ErrorReporter, NoticeBar, format_exception
from kiosk.ui.ops import BackgroundOps
from kiosk.ui.scale import Scaler
from kiosk.ui.style import apply_scale

if TYPE_CHECKING:
    # The core and the pages are imported when the core is attached: the empty window paints first.
    from kiosk.checkout import (
        CartSnapshot,
        ConnectionChanged,
        CoreError,
        KioskCore,
        PaidAfterCancel,
        PaymentSession,
        SessionChanged,
    )
    from kiosk.checkout.codepay import TrainingScenario
    from kiosk.ui.bridge import CoreBridge
    from kiosk.ui.codepay import ScenarioPicker
    from kiosk.ui.customer_display import CustomerDisplay
    from kiosk.ui.orders_view import OrdersView
    from kiosk.ui.payment_view import PaidView, PaymentView
    from kiosk.ui.sale_view import SaleView

log = logging.getLogger(__name__)

MANAGER_MODULE = "kiosk.ui.manager_view"
#: A desktop window opens at the design size when the screen has room for it; it can shrink to this
#: (a 1024×768 screen less a window frame and a task bar).
DESKTOP_SIZE = QSize(1280, 800)
SMALLEST = QSize(1024, 700)


class MainWindow(Retranslating, QMainWindow):
    """Build it with a running core (``create_main_window``) or without one and :meth:`attach_core` later."""

    #: Emitted once, after the first paint.
    firstPainted = Signal()
    #: The core is attached and the sale page is usable.
    ready = Signal()

    def __init__(
        self,
        translations: Translations,
        *,
        core: KioskCore | None = None,
        kiosk_mode: bool = False,
        customer_display: bool | None = None,
    ):
        super().__init__()
        self.setObjectName("mainWindow")
        self.translations = translations
        self.kiosk_mode = kiosk_mode
        self.core: KioskCore | None = None
        self.bridge: CoreBridge | None = None
        self.current: PaymentSession | None = None
        self._latest: dict[str, PaymentSession] = {}
        self._painted = False
        self._closing_allowed = not kiosk_mode
        self._shut_down = False
        self._want_customer_display = customer_display
        self.customer_display: CustomerDisplay | None = None
        self.ops = BackgroundOps(self)
        self.ops.failed.connect(self._op_failed)
        self._orders_refresh = QTimer(self)
        self._orders_refresh.setSingleShot(True)
        self._orders_refresh.setInterval(300)
        self._orders_refresh.timeout.connect(self.refresh_orders)
        self.errors = ErrorReporter(self)
        self.errors.reported.connect(self.show_error)

        # Header
        header = QWidget(self)
        header.setObjectName("headerBar")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.store_label = QLabel(header)
        self.store_label.setObjectName("storeLabel")
        self.store_label.setWordWrap(True)
        self.orders_button = self._header_button(header, "recentOrdersButton", self.show_orders)
        self.manager_button = self._header_button(header, "managerButton", self.open_manager)
        self.language_button = self._header_button(header, "languageButton", self.toggle_language)
        self.exit_button = self._header_button(header, "exitButton", self.close)
        self.exit_button.setVisible(kiosk_mode)
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(16, 6, 8, 6)
        header_layout.addWidget(self.store_label, 1)
        for button in (self.orders_button, self.manager_button, self.language_button, self.exit_button):
            header_layout.addWidget(button)

        self.notice = NoticeBar(self)
        self.alert = AlertBanner(self)
        self.stack = QStackedWidget(self)
        self.starting_page = QLabel(self)
        self.starting_page.setObjectName("startingPage")
        self.starting_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.starting_page)
        self.sale_view: SaleView | None = None
        self.payment_view: PaymentView | None = None
        self.paid_view: PaidView | None = None
        self.orders_view: OrdersView | None = None
        self.scenario_picker: ScenarioPicker | None = None

        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(header)
        column.addWidget(self.alert)
        column.addWidget(self.notice)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # Status bar: relay, printer, training badge
        self.relay_status = QLabel(self)
        self.relay_status.setObjectName("relayStatus")
        self.printer_status = QLabel(self)
        self.printer_status.setObjectName("printerStatus")
        self.training_badge = QLabel(self)
        self.training_badge.setObjectName("trainingBadge")
        self.training_badge.hide()
        self.statusBar().addWidget(self.relay_status)
        self.statusBar().addWidget(self.printer_status, 1)  # takes the room: printer messages can be long
        self.statusBar().addPermanentWidget(self.training_badge)
        self.statusBar().setSizeGripEnabled(False)
        self._relay_online: bool | None = None
        self._relay_authorized = True
        self._printer_text: str | None = None
        self._printer_ok = True

        # Fonts, buttons and tiles follow the window's size (the app's stylesheet, so dialogs follow too).
        self.scaler = Scaler(self._rescale)
        self._watched_screen: QScreen | None = None
        screen = QGuiApplication.primaryScreen()
        room = screen.availableSize() if screen is not None else DESKTOP_SIZE
        self.setMinimumSize(SMALLEST.boundedTo(room))
        if kiosk_mode:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            if screen is not None:
                self.fill_screen(screen)
        else:
            self.resize(DESKTOP_SIZE.boundedTo(room))
        self.retranslate()
        if core is not None:
            self.attach_core(core)

    @property
    def language(self) -> str:
        return self.translations.language

    def _rescale(self, factor: float) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_scale(app, factor)

    def fill_screen(self, screen: QScreen) -> None:
        """Kiosk mode: cover ``screen`` whatever manages the windows. A full-screen request alone is not
        enough: with no window manager (a bare X server started by xinit) nobody acts on it, and the window
        would keep its desktop size. So the geometry is set to the screen's first, then full screen is
        asked for (a desktop or cage honours it), and again whenever the screen changes size."""
        self.scaler.follow(screen.geometry().size())  # styled for the screen before the first layout
        self.setGeometry(screen.geometry())
        if self._watched_screen is not screen:
            self._watched_screen = screen
            screen.geometryChanged.connect(lambda _rect: self._screen_changed())

    def _screen_changed(self) -> None:
        screen = self.screen()
        if self.kiosk_mode and screen is not None:
            self.fill_screen(screen)
            self.showFullScreen()

    def _header_button(self, parent: QWidget, name: str, slot: Any) -> QPushButton:
        button = QPushButton(parent)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        button.setEnabled(name in ("languageButton", "exitButton"))
        return button

    # ---- core ----------------------------------------------------------------------------------

    def attach_core(self, core: KioskCore) -> None:
        """Follow the core's events, start it (if not started yet), and build the pages over it."""
        from kiosk.ui.bridge import CoreBridge
        from kiosk.ui.orders_view import OrdersView
        from kiosk.ui.payment_view import PaidView, PaymentView
        from kiosk.ui.sale_view import SaleView
        from kiosk.ui.sound import SoundPlayer

        self.core = core
        self.bridge = CoreBridge(core, self)
        self.sound = SoundPlayer(core, self)  # the chime and "微信收款 … 元", error tones
        self.bridge.sessionChanged.connect(self._session_changed)
        self.bridge.paidAfterCancel.connect(self._paid_after_cancel)
        self.bridge.connectionChanged.connect(self._connection_changed)
        self.bridge.coreError.connect(self._core_error)
        self.bridge.printJob.connect(self._print_job)
        # Subscribed first, started second: no event is lost in between.
        resumed = core.start()
        self.sale_view = SaleView(core.catalogue, core.new_cart(), self.language, self, training=core.training)
        self.sale_view.chargeRequested.connect(self.charge)
        self.sale_view.paymentCodeScanned.connect(self.charge_code)
        self.sale_view.simulateCodeRequested.connect(self.simulate_customer_code)
        self.sale_view.info.connect(self.notice.show_info)
        self.sale_view.error.connect(self.show_error)
        self.sale_view.unknownCode.connect(self._unknown_code)
        self.payment_view = PaymentView(core.seconds_left, core.training, self)
        self.payment_view.cancelRequested.connect(self.cancel_payment)
        self.payment_view.printSlipRequested.connect(self.print_slip)
        self.payment_view.requeryRequested.connect(self.requery)
        self.payment_view.simulateRequested.connect(self.simulate_payment)
        self.payment_view.simulateCodeRequested.connect(self.simulate_customer_code)
        self.payment_view.useQrRequested.connect(self.charge_cart_by_qr)
        self.payment_view.codeEntered.connect(self._code_on_payment_screen)
        self.payment_view.backRequested.connect(self.back_to_sale)
        self.paid_view = PaidView(self)
        self.paid_view.newOrderRequested.connect(self.new_order)
        self.orders_view = OrdersView(self)
        self.orders_view.refreshRequested.connect(self.refresh_orders)
        self.orders_view.reprintSlipRequested.connect(self.print_slip)
        self.orders_view.reprintReceiptRequested.connect(self.reprint_receipt)
        self.orders_view.backRequested.connect(self.go_home)
        for page in (self.sale_view, self.payment_view, self.paid_view, self.orders_view):
            # Styled before any layout asks a hidden page for its size (a layout keeps what it was told).
            page.ensurePolished()
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(self.sale_view)
        for button in (self.orders_button, self.manager_button):
            button.setEnabled(True)
        self.training_badge.setVisible(core.training)
        self._relay_online = core.online
        self._relay_authorized = core.authorized
        if core.print_queue is None:
            self._printer_text = None
        else:
            self.ops.run(
                lambda: core.print_queue.printer.status(),
                on_done=self._printer_checked,
                on_error=lambda exc: self._set_printer(format_exception(exc), ok=False),
                label="printer status",
            )
        self._setup_customer_display()
        self.retranslate()
        self.sale_view.focus_barcode()
        for out_trade_no in resumed:  # an order left open by a crash or restart: show it again
            order = core.session(out_trade_no)
            if order.is_open:
                self._latest[out_trade_no] = order
                self._show_payment(order)
                break
        self.ready.emit()

    def _setup_customer_display(self) -> None:
        from kiosk.ui.customer_display import CustomerDisplay, second_screen

        screen = second_screen()
        wanted = self._want_customer_display if self._want_customer_display is not None else screen is not None
        if not wanted:
            return
        assert self.core is not None and self.sale_view is not None
        display = CustomerDisplay(self.core.seconds_left)
        display.set_store(self.core.config.store.name)
        display.set_language(self.language)
        display.show_cart(self.sale_view.cart.snapshot())
        self.sale_view.cartChanged.connect(display.show_cart)
        self.customer_display = display
        if screen is not None:
            display.place_on(screen)

    # ---- language ------------------------------------------------------------------------------

    def toggle_language(self) -> None:
        self.set_language("en" if self.language == "zh_CN" else "zh_CN")

    def set_language(self, language: str) -> None:
        self.translations.switch(language)
        if self.sale_view is not None:
            self.sale_view.set_language(language)
        if self.customer_display is not None:
            self.customer_display.set_language(language)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Kiosk — cashier"))
        self.starting_page.setText(self.tr("Starting…"))
        self.orders_button.setText(self.tr("Today's orders"))
        self.manager_button.setText(self.tr("Manager"))
        # The button names the language it switches to, in that language.
        self.language_button.setText("English" if self.language == "zh_CN" else "中文")
        self.exit_button.setText(self.tr("Exit"))
        self.training_badge.setText(self.tr("Training mode"))
        self.alert.retranslate()
        if self.core is not None:
            store = self.core.config.store.name
            self.store_label.setText(store)
        self._show_relay()
        self._show_printer()
        for view in (self.sale_view, self.payment_view, self.paid_view, self.orders_view, self.customer_display):
            if view is not None:
                view.retranslate()

    # ---- selling -------------------------------------------------------------------------------

    def charge(self, snapshot: CartSnapshot) -> None:
        core = self._core()
        self._submit_charge(
            lambda: core.charge(snapshot),
            lambda exc: self.show_error(self.tr("Charge failed: {0}").format(format_exception(exc))),
            label="charge",
        )

    def _submit_charge(
        self, call: Callable[[], PaymentSession], refused: Callable[[BaseException], None], *, label: str
    ) -> None:
        """A new order off the GUI thread, the cart frozen meanwhile (a second tap must not make a second one)."""
        assert self.sale_view is not None
        self.sale_view.set_busy(True)

        def done(session: PaymentSession) -> None:
            assert self.sale_view is not None
            self.sale_view.set_busy(False)
            # Events for this order may have overtaken the answer: show the newest state we have.
            self._show_payment(self._latest.get(session.out_trade_no, session))

        def failed(exc: BaseException) -> None:
            assert self.sale_view is not None
            self.sale_view.set_busy(False)
            refused(exc)

        self.ops.run(call, on_done=done, on_error=failed, label=label)

    def _show_payment(self, session: PaymentSession) -> None:
        assert self.payment_view is not None
        self.current = session
        self.payment_view.show_session(session)
        self.stack.setCurrentWidget(self.payment_view)
        self.payment_view.focus_code_input()  # the customer may show a payment code instead
        if self.customer_display is not None:
            self.customer_display.show_session(session)
        if session.is_paid:  # a payment code paid before its charge's return arrived here
            self._show_paid(session, None)

    def charge_code(self, code: str) -> None:
        """A customer's payment code was scanned (``SaleView.submit_code``): charge the cart with it at once; an
        open QR order of the cart gives way to it."""
        core = self._core()
        assert self.sale_view is not None
        snapshot = self.sale_view.cart.snapshot()
        current = self.current
        replaces = current.out_trade_no if current is not None and current.is_open and not current.is_code_pay else None

        def refused(exc: BaseException) -> None:
            core.sound.unknown_code()  # the error beep: the clerk looks up
            self.show_error(self._code_refused(exc))

        self._submit_charge(
            lambda: core.charge_code(snapshot, code, replaces=replaces), refused, label="charge by payment code"
        )

    def _code_refused(self, exc: BaseException) -> str:
        from kiosk.checkout import CartError
        from kiosk.checkout.codepay import OtherWallet, PaymentInFlight

        if isinstance(exc, OtherWallet):
            return str(exc) if exc.configured else self.tr("This shop accepts WeChat Pay only")
        if isinstance(exc, PaymentInFlight):
            return self.tr("A payment is under way: wait for it, or cancel it first")
        if isinstance(exc, CartError):
            return self.tr("Add the items to the cart before scanning the customer's payment code")
        return self.tr("Charge failed: {0}").format(format_exception(exc))

    def _code_on_payment_screen(self, text: str) -> None:
        assert self.sale_view is not None
        self.sale_view.submit_code(text, items=False)  # the one dispatch point; no items from here

    def charge_cart_by_qr(self) -> None:
        """After a failed payment code: 改用扫码支付, the same cart by QR."""
        assert self.sale_view is not None
        self.charge(self.sale_view.cart.snapshot())

    def simulate_customer_code(self) -> None:
        """Training: a customer of the sandbox shows a payment code (the clerk picks which one)."""
        core = self._core()
        self.ops.run(core.training_scenarios, on_done=self._pick_scenario, label=self.tr("Training customers"))

    def _pick_scenario(self, scenarios: list[TrainingScenario]) -> None:
        from kiosk.ui.codepay import ScenarioPicker

        dialog = ScenarioPicker(scenarios, self.language, self)
        dialog.chosen.connect(self._scan_training_code)
        dialog.finished.connect(lambda _result: self._picker_closed(dialog))
        self.scenario_picker = dialog
        dialog.open()

    def _picker_closed(self, dialog: ScenarioPicker) -> None:
        if self.scenario_picker is dialog:
            self.scenario_picker = None
        dialog.deleteLater()

    def _scan_training_code(self, scenario: str) -> None:
        core = self._core()

        def scanned(code: str) -> None:
            assert self.sale_view is not None
            self.sale_view.submit_code(code)  # as if the scanner read it from the customer's phone

        self.ops.run(lambda: core.training_payment_code(scenario), on_done=scanned, label=self.tr("Customer code"))

    def cancel_payment(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("cancel", True)

        def done(session: PaymentSession) -> None:
            self._busy("cancel", False)
            self._update_session(session)
            self.notice.show_info(self.tr("Payment cancelled: {0}").format(out_trade_no))

        def failed(exc: BaseException) -> None:
            self._busy("cancel", False)
            self.show_error(self.tr("Cancel failed: {0}").format(format_exception(exc)))

        self.ops.run(lambda: core.cancel(out_trade_no), on_done=done, on_error=failed, label="cancel")

    def requery(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("requery", True)

        def done(session: PaymentSession) -> None:
            self._busy("requery", False)
            self._update_session(session)

        def failed(exc: BaseException) -> None:
            self._busy("requery", False)
            self.show_error(self.tr("Re-query failed: {0}").format(format_exception(exc)))

        self.ops.run(lambda: core.requery(out_trade_no), on_done=done, on_error=failed, label="requery")

    def simulate_payment(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("simulate", True)

        def done(_: object) -> None:
            self._busy("simulate", False)

        def failed(exc: BaseException) -> None:
            self._busy("simulate", False)
            self.show_error(self.tr("Simulated payment failed: {0}").format(format_exception(exc)))

        self.ops.run(lambda: core.simulate_payment(out_trade_no), on_done=done, on_error=failed, label="simulate")

    def print_slip(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("print", True)

        def done(_: object) -> None:
            self._busy("print", False)
            self.notice.show_info(self.tr("QR slip sent to the printer"))

        def failed(exc: BaseException) -> None:
            self._busy("print", False)
            self.show_error(self.tr("Printing failed: {0}").format(format_exception(exc)))

        self.ops.run(lambda: core.print_slip(out_trade_no), on_done=done, on_error=failed, label="print slip")

    def reprint_receipt(self, out_trade_no: str) -> None:
        core = self._core()
        self.ops.run(
            lambda: core.reprint_receipt(out_trade_no),
            on_done=lambda _: self.notice.show_info(self.tr("Receipt sent to the printer")),
            on_error=lambda exc: self.show_error(self.tr("Printing failed: {0}").format(format_exception(exc))),
            label="reprint receipt",
        )

    def _busy(self, action: str, busy: bool) -> None:
        if self.payment_view is not None:
            self.payment_view.set_busy(action, busy)

    def new_order(self) -> None:
        """After a sale: empty cart, back to the catalogue."""
        assert self.sale_view is not None and self.paid_view is not None
        self.paid_view.return_timer.stop()
        self.sale_view.start_new_order()
        self.back_to_sale()
        if self.customer_display is not None:
            self.customer_display.show_idle()

    def go_home(self) -> None:
        """Leave the orders page: back to the open payment if there is one, else to the order."""
        if self.current is not None and self.current.is_open and self.payment_view is not None:
            self.stack.setCurrentWidget(self.payment_view)
            self.payment_view.show_session(self.current)
            return
        self.back_to_sale()

    def back_to_sale(self) -> None:
        assert self.sale_view is not None
        if self.payment_view is not None and self.stack.currentWidget() is self.payment_view:
            self.payment_view.stop()
        if self.current is not None and not self.current.is_open:
            self.current = None
            if self.customer_display is not None:
                self.customer_display.show_idle()
        self.stack.setCurrentWidget(self.sale_view)
        self.sale_view.focus_barcode()

    # ---- core events ---------------------------------------------------------------------------

    def _session_changed(self, event: SessionChanged) -> None:
        self._update_session(event.session)

    def _update_session(self, session: PaymentSession) -> None:
        from kiosk.checkout import State

        known = self._latest.get(session.out_trade_no)
        if known is not None and _older(session, known):
            return
        self._latest[session.out_trade_no] = session
        if self.orders_view is not None and self.stack.currentWidget() is self.orders_view:
            self._orders_refresh.start()  # coalesce bursts of events into one journal query
        current = self.current
        if current is None or current.out_trade_no != session.out_trade_no:
            return
        self.current = session
        assert self.payment_view is not None and self.paid_view is not None and self.sale_view is not None
        if self.customer_display is not None:
            self.customer_display.show_session(session)
        if session.state is State.PAID:
            self._show_paid(session, known)
            return
        self.payment_view.show_session(session)
        clerk_cancelled = session.state is State.CANCELLED and session.ended_by == "clerk"
        if clerk_cancelled and self.stack.currentWidget() is self.payment_view:
            # Back to the cart (kept, so the order can be changed and charged again).
            self.back_to_sale()

    def _show_paid(self, session: PaymentSession, known: PaymentSession | None) -> None:
        assert self.payment_view is not None and self.paid_view is not None and self.sale_view is not None
        self.payment_view.show_session(session)
        self.payment_view.stop()
        if known is not None and known.is_paid:
            return  # a later detail of a payment already shown
        self.sale_view.start_new_order()  # the cart became this paid order
        if self.stack.currentWidget() is self.payment_view:
            self.paid_view.show_paid(session)
            self.stack.setCurrentWidget(self.paid_view)
        else:
            self.current = None
            self.notice.show_info(self.tr("Paid: {0}").format(session.out_trade_no))

    def _paid_after_cancel(self, event: PaidAfterCancel) -> None:
        from kiosk.money import format_yuan

        session = event.session
        self._latest[session.out_trade_no] = session
        self.alert.add(
            self.tr(
                "Payment received after cancel: order {0}, {1}. The money has arrived — hand over the "
                "goods or ask the manager to refund it."
            ).format(session.out_trade_no, format_yuan(session.amount_fen))
        )
        if self.current is not None and self.current.out_trade_no == session.out_trade_no:
            self.current = session
            assert self.payment_view is not None
            self.payment_view.show_session(session)

    def _connection_changed(self, event: ConnectionChanged) -> None:
        self._relay_online = event.online
        self._relay_authorized = event.authorized
        self._show_relay()

    def _core_error(self, event: CoreError) -> None:
        self.show_error(event.message)

    def _unknown_code(self, code: str) -> None:
        if self.core is not None:
            self.core.sound.unknown_code()  # a bad scan beeps
        self.show_error(self.tr("No item has the code or name “{0}”").format(code))

    def _print_job(self, job: Any) -> None:
        state = getattr(job, "state", "")
        if state == "printed":
            self._set_printer(None, ok=True)
        elif state == "sending":
            self._set_printer(self.tr("Printing…"), ok=True)
        elif state == "failed":
            self._set_printer(self.tr("Print failed: {0}").format(job.last_error or ""), ok=False)
        elif state == "pending" and getattr(job, "last_error", None):
            self._set_printer(str(job.last_error), ok=False)

    def _printer_checked(self, status: Any) -> None:
        if getattr(status, "ready", True):
            self._set_printer(None, ok=True)
        else:
            self._set_printer(status.describe(), ok=False)

    def _set_printer(self, text: str | None, *, ok: bool) -> None:
        self._printer_text = text
        self._printer_ok = ok
        self._show_printer()

    def _show_relay(self) -> None:
        online = self._relay_online
        if online is None:
            text = self.tr("Relay: connecting…")
        elif online and not self._relay_authorized:
            online = False  # reachable, but nothing this kiosk asks will be done: not shown as online
            text = self.tr("Relay: not authorized (check the kiosk token)")
        elif online:
            text = self.tr("Relay: online")
        else:
            text = self.tr("Relay: OFFLINE")
        self.relay_status.setText(text)
        self.relay_status.setProperty("online", "" if online is None else ("true" if online else "false"))
        self.relay_status.style().unpolish(self.relay_status)
        self.relay_status.style().polish(self.relay_status)

    def _show_printer(self) -> None:
        if self.core is not None and self.core.print_queue is None:
            text = self.tr("Printer: none")
        elif self._printer_text:
            text = self.tr("Printer: {0}").format(self._printer_text)
        else:
            text = self.tr("Printer: ready")
        self.printer_status.setText(text)
        self.printer_status.setProperty("ok", "true" if self._printer_ok else "false")
        self.printer_status.style().unpolish(self.printer_status)
        self.printer_status.style().polish(self.printer_status)

    # ---- orders, manager ------------------------------------------------------------------------

    def show_orders(self) -> None:
        assert self.orders_view is not None
        self.stack.setCurrentWidget(self.orders_view)
        self.refresh_orders()

    def refresh_orders(self) -> None:
        core = self._core()
        assert self.orders_view is not None
        self.ops.run(core.today_orders, on_done=self.orders_view.show_orders, label=self.tr("Loading today's orders"))

    def open_manager(self) -> None:
        core = self._core()
        try:
            module = importlib.import_module(MANAGER_MODULE)
        except ImportError:
            module = None
        opener = getattr(module, "open_manager", None)
        if opener is None:
            self.notice.show_info(self.tr("The manager screen is not available in this version"))
            return
        opener(self, core)

    def ask_manager_pin(self) -> bool:
        """The manager PIN on the on-screen keypad (with the manager screen's lock-out)."""
        from kiosk.ui.pin import ask_pin

        return ask_pin(self, self._core())

    # ---- errors --------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.notice.show_error(text)

    def _op_failed(self, label: str, exc: BaseException) -> None:
        self.show_error(f"{label}: {format_exception(exc)}")

    # ---- life cycle ----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.scaler.follow(event.size())
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.firstPainted.emit()

    def allow_close(self) -> None:
        """Let the next close through without the PIN (scripted exits: smoke tests, --exit-after-*)."""
        self._closing_allowed = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing_allowed and (self.core is None or not self.ask_manager_pin()):
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop following the core and stop it (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.payment_view is not None:
            self.payment_view.stop()
        if self.paid_view is not None:
            self.paid_view.return_timer.stop()
        self._orders_refresh.stop()
        if self.customer_display is not None:
            self.customer_display.close()
        if self.bridge is not None:
            self.bridge.detach()
            self.sound.detach()
        self.ops.wait(15_000)
        if self.core is not None:
            self.core.stop()
        self.translations.remove()

    def _core(self) -> KioskCore:
        if self.core is None:
            raise RuntimeError("the kiosk core is not running yet")
        return self.core


def _rank(session: PaymentSession) -> int:
    """How far along its life a session is (later ranks never give way to earlier ones)."""
    from kiosk.checkout import State

    match session.state:
        case State.DRAFT:
            return 0
        case State.CREATING | State.PENDING_CREATION:
            return 1
        case State.AWAITING_PAYMENT:
            return 2
        case State.CANCELLED | State.EXPIRED | State.FAILED:
            return 3
        case State.PAID:
            return 4
    return 5  # paid after cancel


def _older(candidate: PaymentSession, known: PaymentSession) -> bool:
    """A late answer (e.g. Cancel's return value after the close already settled it) must not win."""
    if _rank(candidate) != _rank(known):
        return _rank(candidate) < _rank(known)
    if candidate.version != known.version:
        return candidate.version < known.version
    return known.settled and not candidate.settled
