"""The cashier window: presents the core and forwards the clerk's taps to it; nothing else.

Every blocking core call goes through :class:`~kiosk.ui.ops.BackgroundOps`; core events arrive through
:class:`~kiosk.ui.bridge.CoreBridge` on the GUI thread; every error ends up in the notice bar.
"""

from __future__ import annotations

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
from kiosk.ui.notices import AlertBanner, ErrorReporter, Message, NoticeBar
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
    from kiosk.checkout.counter import RelayLink
    from kiosk.checkout.double_charge import Order
    from kiosk.checkout.events import PrinterFaultChanged, PrintJobChanged
    from kiosk.ui.banners import PrinterBanner, RelayBanner
    from kiosk.ui.bridge import CoreBridge
    from kiosk.ui.codepay import ScenarioPicker
    from kiosk.ui.customer_display import CustomerDisplay
    from kiosk.ui.orders_view import OrdersView
    from kiosk.ui.payment_view import PaidView, PaymentView
    from kiosk.ui.repeat_charge import RepeatChargeDialog
    from kiosk.ui.sale_view import SaleView
    from kiosk.ui.sound import SoundPlayer

log = logging.getLogger(__name__)

#: A desktop window opens at the design size when the screen has room for it; it can shrink to this
#: (a 1024×768 screen less a window frame and a task bar).
DESKTOP_SIZE = QSize(1280, 800)
SMALLEST = QSize(1024, 700)
#: How many recent receipts' print jobs the window remembers (a paid screen can show one that began earlier).
RECEIPTS_FOLLOWED = 16


class MainWindow(Retranslating, QMainWindow):
    """Build it with a running core (``create_main_window``) or without one and :meth:`attach_core` later."""

    #: Emitted once, after the first paint.
    firstPainted = Signal()
    #: The core is attached and the sale page is usable.
    ready = Signal()
    #: The window is shutting down and stops the core next: screens over it stop their workers now.
    shuttingDown = Signal()

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
        # Training: a trainee practises a printer without paper (Retry, skip this receipt).
        self.fault_button = self._header_button(header, "simulatePrinterFaultButton", lambda: None)
        self.fault_button.setCheckable(True)
        self.fault_button.toggled.connect(self.simulate_printer_fault)
        self.fault_button.hide()
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(16, 6, 8, 6)
        header_layout.addWidget(self.store_label, 1)
        for button in (
            self.fault_button,
            self.orders_button,
            self.manager_button,
            self.language_button,
            self.exit_button,
        ):
            header_layout.addWidget(button)

        self.notice = NoticeBar(self)
        self.alert = AlertBanner(self)
        self.alert.acknowledged.connect(lambda: self._arrange_banners())
        # The payment server's and the printer's banners come with the core (attach_core).
        self.relay_banner: RelayBanner | None = None
        self.printer_banner: PrinterBanner | None = None
        self.repeat_dialog: RepeatChargeDialog | None = None
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
        self._column = column
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
        self.relay_link: RelayLink | None = None
        self.printer_fault: PrinterFaultChanged | None = None
        self._printing = False
        #: The newest print-job change of the latest receipts, for a paid screen shown after they began.
        self._receipt_jobs: dict[str, PrintJobChanged] = {}

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
        from kiosk.checkout.events import PrinterFaultChanged
        from kiosk.ui.banners import PrinterBanner, RelayBanner
        from kiosk.ui.bridge import CoreBridge
        from kiosk.ui.orders_view import OrdersView
        from kiosk.ui.payment_view import PaidView, PaymentView
        from kiosk.ui.sale_view import SaleView

        self.core = core
        self.bridge = CoreBridge(core, self)
        self.sound = self._sound_player(core)
        self.bridge.sessionChanged.connect(self._session_changed)
        self.bridge.paidAfterCancel.connect(self._paid_after_cancel)
        self.bridge.connectionChanged.connect(self._connection_changed)
        self.bridge.coreError.connect(self._core_error)
        self.bridge.printJobChanged.connect(self._print_job)
        self.bridge.printerFaultChanged.connect(self._printer_fault)
        # Subscribed first, started second: no event is lost in between.
        resumed = core.start()
        self.sale_view = SaleView(core.catalogue, core.new_cart(), self.language, self, training=core.training)
        self.sale_view.chargeRequested.connect(self.charge)
        self.sale_view.paymentCodeScanned.connect(self.charge_code)
        self.sale_view.simulateCodeRequested.connect(self.simulate_customer_code)
        self.sale_view.info.connect(self.notice.show_info)
        self.sale_view.error.connect(self.show_error)
        self.sale_view.unknownCode.connect(self._unknown_code)
        self.sale_view.lastReceiptRequested.connect(self.print_receipt)
        self.payment_view = PaymentView(core.clock.now, core.training, self)
        self.payment_view.cancelRequested.connect(self.cancel_payment)
        self.payment_view.printSlipRequested.connect(self.print_slip)
        self.payment_view.requeryRequested.connect(self.requery)
        self.payment_view.simulateRequested.connect(self.simulate_payment)
        self.payment_view.simulateCodeRequested.connect(self.simulate_customer_code)
        self.payment_view.useQrRequested.connect(self.charge_cart_by_qr)
        self.payment_view.codeEntered.connect(self._code_on_payment_screen)
        self.payment_view.backRequested.connect(self.back_to_sale)
        printing = core.print_queue is not None
        self.paid_view = PaidView(core.config.receipt if printing else None, self.language, self)
        self.paid_view.newOrderRequested.connect(self.new_order)
        self.paid_view.printReceiptRequested.connect(self.print_receipt)
        self.paid_view.skipReceiptRequested.connect(self.skip_print_job)
        self.orders_view = OrdersView(self)
        self.orders_view.refreshRequested.connect(self.refresh_orders)
        self.orders_view.reprintSlipRequested.connect(self.print_slip)
        self.orders_view.reprintReceiptRequested.connect(self.print_receipt)
        self.orders_view.backRequested.connect(self.go_home)
        for page in (self.sale_view, self.payment_view, self.paid_view, self.orders_view):
            # Styled before any layout asks a hidden page for its size (a layout keeps what it was told).
            page.ensurePolished()
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(self.sale_view)
        for button in (self.orders_button, self.manager_button):
            button.setEnabled(True)
        self.training_badge.setVisible(core.training)
        self.fault_button.setVisible(core.training and printing)
        self.fault_button.setEnabled(True)
        self.relay_banner = RelayBanner(self)
        self.relay_banner.retryRequested.connect(self.check_connection)
        self.printer_banner = PrinterBanner(self)
        self.printer_banner.set_language(self.language)
        self.printer_banner.retryRequested.connect(self.retry_printing)
        self.printer_banner.skipRequested.connect(self.skip_print_job)
        # Under the alert (money first), above the notice bar: the payment server, then the printer.
        self._column.insertWidget(self._column.indexOf(self.notice), self.relay_banner)
        self._column.insertWidget(self._column.indexOf(self.notice), self.printer_banner)
        self.relay_link = core.relay_link()
        self.printer_fault = PrinterFaultChanged(None)
        if printing:
            self.ops.run(core.printer_fault, on_done=self._printer_fault, label="printer fault")
            self._check_printer()
        self.ops.run(core.last_sale, on_done=self._last_sale, label="last sale")
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
        for follower in (self.paid_view, self.printer_banner, self.repeat_dialog):
            if follower is not None:
                follower.set_language(language)
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
        self.notice.retranslate()
        if self.core is not None:
            store = self.core.config.store.name
            self.store_label.setText(store)
        self.fault_button.setText(self.tr("Practise: no paper"))
        self._show_relay()
        self._show_printer()
        for view in (self.sale_view, self.payment_view, self.paid_view, self.orders_view, self.customer_display):
            if view is not None:
                view.retranslate()

    # ---- selling -------------------------------------------------------------------------------

    def charge(self, snapshot: CartSnapshot) -> None:
        """Charge the cart by QR; one with exactly the goods of an order paid a few minutes ago is asked about
        first (checked on the same trip to the worker thread as the charge itself: no extra hop when it is new)."""
        core = self._core()
        self._submit_charge(snapshot, lambda: core.charge(snapshot), check_repeat=True)

    def _submit_charge(
        self,
        snapshot: CartSnapshot,
        call: Callable[[], PaymentSession],
        *,
        check_repeat: bool = False,
        check_first: Callable[[], object] | None = None,
        refused: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A new order off the GUI thread, the cart frozen meanwhile (a second tap must not make a second one).
        ``check_repeat``: a cart just paid for is asked about first (the dialog's Charge again makes ``call``),
        after ``check_first`` (which raises what is refused whatever the cart)."""
        from kiosk.checkout.double_charge import Order

        core = self._core()
        assert self.sale_view is not None
        if self.relay_link is not None and not self.relay_link.charge_allowed:
            self._charging_off(self.relay_link)
            return
        self.sale_view.set_busy(True)

        def charge_unless_repeat() -> Order | PaymentSession:
            if check_first is not None:
                check_first()
            repeat = core.repeat_of(snapshot)
            return repeat if repeat is not None else call()

        def done(result: Order | PaymentSession) -> None:
            assert self.sale_view is not None
            self.sale_view.set_busy(False)
            if isinstance(result, Order):
                self._ask_repeat(result, snapshot, call)
                return
            # Events for this order may have overtaken the answer: show the newest state we have.
            self._show_payment(self._latest.get(result.out_trade_no, result))

        def failed(exc: BaseException) -> None:
            from kiosk.checkout.counter import ChargingOff

            assert self.sale_view is not None
            self.sale_view.set_busy(False)
            if isinstance(exc, ChargingOff):  # the core knew before this window did
                self._charging_off(exc.link)
            elif refused is not None:
                refused(exc)
            else:
                self._report(exc, lambda: self.tr("Charge failed: {0}"))

        work = charge_unless_repeat if check_repeat else call
        self.ops.run(work, on_done=done, on_error=failed, label="charge")

    def _charging_off(self, link: RelayLink) -> None:
        """No order made now could ever be created: say why, charge nothing."""
        from kiosk.ui.words import mismatch_text

        self._core().sound.unknown_code()
        mismatch = link.mismatch
        if mismatch is None:
            self.show_error(lambda: self.tr("Charging is off: the payment server does not accept this kiosk"))
        else:
            self.show_error(lambda: mismatch_text(mismatch))

    def _ask_repeat(self, order: Order, snapshot: CartSnapshot, call: Callable[[], PaymentSession]) -> None:
        from kiosk.ui.repeat_charge import CHARGE, CLEAR, RepeatChargeDialog

        dialog = RepeatChargeDialog(order, self.language, self)

        def chosen(choice: str) -> None:
            assert self.sale_view is not None
            if choice == CHARGE and self.sale_view.cart.snapshot() == snapshot:  # (not settled meanwhile)
                self._submit_charge(snapshot, call)
            elif choice == CLEAR:
                self.sale_view.clear()  # undoable, like any Clear

        def closed() -> None:
            if self.repeat_dialog is dialog:
                self.repeat_dialog = None
            dialog.deleteLater()
            if self.sale_view is not None:
                self.sale_view.focus_barcode()

        dialog.chosen.connect(chosen)
        dialog.finished.connect(lambda _result: closed())
        self.repeat_dialog = dialog
        dialog.open()

    def _show_payment(self, session: PaymentSession) -> None:
        assert self.payment_view is not None
        self.current = session
        self.payment_view.show_session(session)
        self.stack.setCurrentWidget(self.payment_view)
        self.payment_view.focus_code_input()  # the customer may show a payment code instead
        if self.customer_display is not None:
            self.customer_display.show_session(session)
        if session.is_paid:  # a payment code paid before its charge's return arrived here
            self._paid(session, None)

    def charge_code(self, code: str) -> None:
        """A customer's payment code was scanned (``SaleView.submit_code``): charge the cart with it at once; an
        open QR order of the cart gives way to it. Goods just paid for are asked about first, as for Charge
        (another wallet's code is refused before that): a scan charges with no tap, so a second scan of the
        same customer must not pay twice. A QR order giving way was asked about when it was charged."""
        core = self._core()
        assert self.sale_view is not None
        snapshot = self.sale_view.cart.snapshot()
        current = self.current
        replaces = current.out_trade_no if current is not None and current.is_open and not current.is_code_pay else None

        def refused(exc: BaseException) -> None:
            core.sound.unknown_code()  # the error beep: the clerk looks up
            self._code_refused(exc)

        self._submit_charge(
            snapshot,
            lambda: core.charge_code(snapshot, code, replaces=replaces),
            check_repeat=replaces is None,
            check_first=lambda: core.payment_code(code),  # another wallet's code: refused before any question
            refused=refused,
        )

    def _code_refused(self, exc: BaseException) -> None:
        from kiosk.checkout import CartError
        from kiosk.checkout.codepay import OtherWallet, PaymentInFlight

        if isinstance(exc, OtherWallet):
            if exc.configured:
                self.show_error(str(exc))  # the shop's own words, as written in kiosk.toml
            else:
                self.show_error(lambda: self.tr("This shop accepts WeChat Pay only"))
        elif isinstance(exc, PaymentInFlight):
            self.show_error(lambda: self.tr("A payment is under way: wait for it, or cancel it first"))
        elif isinstance(exc, CartError):
            self.show_error(lambda: self.tr("Add the items to the cart before scanning the customer's payment code"))
        else:
            self._report(exc, lambda: self.tr("Charge failed: {0}"))

    def _code_on_payment_screen(self, text: str) -> None:
        assert self.sale_view is not None
        self.sale_view.submit_code(text, items=False)  # the one dispatch point; no items from here
        if self.payment_view is not None and self.stack.currentWidget() is self.payment_view:
            self.payment_view.focus_code_input()  # the dispatch point focused the cart's hidden field: back here

    def charge_cart_by_qr(self) -> None:
        """After a failed payment code: 改用扫码支付, the same cart by QR (not asked about again: it was when the
        code was charged, and the code took nothing)."""
        core = self._core()
        assert self.sale_view is not None
        snapshot = self.sale_view.cart.snapshot()
        self._submit_charge(snapshot, lambda: core.charge(snapshot))

    def simulate_customer_code(self) -> None:
        """Training: a customer of the sandbox shows a payment code (the clerk picks which one)."""
        core = self._core()
        self.ops.run(core.training_scenarios, on_done=self._pick_scenario, label="training customers")

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

        self.ops.run(lambda: core.training_payment_code(scenario), on_done=scanned, label="customer code")

    def cancel_payment(self, out_trade_no: str) -> None:
        from kiosk.ui.words import short

        core = self._core()
        self._busy("cancel", True)

        def done(session: PaymentSession) -> None:
            self._busy("cancel", False)
            self._update_session(session)
            self.notice.show_info(lambda: self.tr("Payment cancelled: order {0}").format(short(out_trade_no)))

        def failed(exc: BaseException) -> None:
            self._busy("cancel", False)
            self._report(exc, lambda: self.tr("Cancel failed: {0}"))

        self.ops.run(lambda: core.cancel(out_trade_no), on_done=done, on_error=failed, label="cancel")

    def requery(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("requery", True)

        def done(session: PaymentSession) -> None:
            self._busy("requery", False)
            self._update_session(session)

        def failed(exc: BaseException) -> None:
            self._busy("requery", False)
            self._report(exc, lambda: self.tr("Re-query failed: {0}"))

        self.ops.run(lambda: core.requery(out_trade_no), on_done=done, on_error=failed, label="requery")

    def simulate_payment(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("simulate", True)

        def done(_: object) -> None:
            self._busy("simulate", False)

        def failed(exc: BaseException) -> None:
            self._busy("simulate", False)
            self._report(exc, lambda: self.tr("Simulated payment failed: {0}"))

        self.ops.run(lambda: core.simulate_payment(out_trade_no), on_done=done, on_error=failed, label="simulate")

    def print_slip(self, out_trade_no: str) -> None:
        core = self._core()
        self._busy("print", True)

        def done(_: object) -> None:
            self._busy("print", False)
            self._sent_to_printer(lambda: self.tr("QR slip sent to the printer"))

        def failed(exc: BaseException) -> None:
            self._busy("print", False)
            self._report(exc, lambda: self.tr("Printing failed: {0}"))

        self.ops.run(lambda: core.print_slip(out_trade_no), on_done=done, on_error=failed, label="print slip")

    def print_receipt(self, out_trade_no: str) -> None:
        """A paid order's receipt: the original the first time, a marked reprint after that."""
        from kiosk.ui.words import short

        core = self._core()
        self.ops.run(
            lambda: core.print_receipt(out_trade_no),
            on_done=lambda _: self._sent_to_printer(
                lambda: self.tr("Receipt of order {0} sent to the printer").format(short(out_trade_no))
            ),
            on_error=lambda exc: self._report(exc, lambda: self.tr("Printing failed: {0}")),
            label="print receipt",
        )

    def _sent_to_printer(self, message: Message) -> None:
        """Say it went to the printer, unless the printer is stopped: then it waits, and the banner says why."""
        if self.printer_fault is not None and self.printer_fault.fault is not None:
            self.notice.show_info(lambda: self.tr("Waiting for the printer (see above)"))
        else:
            self.notice.show_info(message)

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
        if session.is_paid and (known is None or not known.is_paid):
            self._last_sale(session)
        current = self.current
        if current is None or current.out_trade_no != session.out_trade_no:
            return
        self.current = session
        assert self.payment_view is not None and self.paid_view is not None and self.sale_view is not None
        if self.customer_display is not None:
            self.customer_display.show_session(session)
        if session.state is State.PAID:
            self._paid(session, known)
            return
        self.payment_view.show_session(session)
        clerk_cancelled = session.state is State.CANCELLED and session.ended_by == "clerk"
        if clerk_cancelled and self.stack.currentWidget() is self.payment_view:
            # Back to the cart (kept, so the order can be changed and charged again).
            self.back_to_sale()

    def _paid(self, session: PaymentSession, known: PaymentSession | None) -> None:
        """The order on screen is paid (by QR or payment code): the paid screen, or a notice if the clerk is
        elsewhere (``known``: what the window knew of it before)."""
        from kiosk.ui.words import short

        assert self.payment_view is not None and self.sale_view is not None
        self.payment_view.show_session(session)
        self.payment_view.stop()
        if known is not None and known.is_paid:
            return  # a later detail of a payment already shown
        self.sale_view.start_new_order()  # the cart became this paid order
        if self.stack.currentWidget() is self.payment_view:
            self._show_paid(session)
        else:
            self.current = None
            self.notice.show_info(lambda: self.tr("Paid: order {0}").format(short(session.out_trade_no)))

    def _show_paid(self, session: PaymentSession) -> None:
        assert self.paid_view is not None
        self.paid_view.show_paid(session)
        job = self._receipt_jobs.get(session.out_trade_no)
        if job is not None:  # its receipt began before the screen showed it (a payment after cancel)
            self.paid_view.job_changed(job)
        self.stack.setCurrentWidget(self.paid_view)

    def _last_sale(self, session: PaymentSession | None) -> None:
        if self.sale_view is not None and self.core is not None:
            self.sale_view.set_last_sale(session, printing=self.core.print_queue is not None)

    def _paid_after_cancel(self, event: PaidAfterCancel) -> None:
        """Money for an order the clerk had given up: say which, and keep its goods from being charged again."""
        core = self._core()
        session = event.session
        self._latest[session.out_trade_no] = session
        current = self.current
        if current is not None and current.out_trade_no == session.out_trade_no:
            self.current = session
            assert self.payment_view is not None
            self.payment_view.show_session(session)
        other = None  # the charge on screen, if another one is still open (it may be for the same goods)
        if current is not None and current.is_open and current.out_trade_no != session.out_trade_no:
            other = current.out_trade_no
        self.ops.run(
            lambda: (core.order(session.out_trade_no), core.order(other) if other else None),
            on_done=lambda orders: self._late_payment(*orders),
            label="late payment",
        )

    def _late_payment(self, order: Order, open_order: Order | None) -> None:
        from kiosk.checkout.double_charge import plan_late_payment
        from kiosk.money import format_yuan
        from kiosk.ui.words import goods_line, short

        assert self.sale_view is not None and self.paid_view is not None and self.payment_view is not None
        plan = plan_late_payment(order, self.sale_view.cart.snapshot(), open_order)
        session = order.session
        if plan.cancel is not None:
            core = self._core()
            cancel = plan.cancel
            self.ops.run(lambda: core.cancel(cancel), on_done=self._update_session, label="cancel the repeat")
        if plan.settle_cart:
            if self.repeat_dialog is not None:
                self.repeat_dialog.reject()  # the cart it asks about is settled
            self.sale_view.start_new_order()  # these goods are paid for: nothing left to charge
            if self.stack.currentWidget() in (self.sale_view, self.payment_view):
                self.payment_view.stop()
                self.current = session
                self._show_paid(session)
                if self.customer_display is not None:
                    self.customer_display.show_session(session)

        def message() -> str:
            head = self.tr("Paid after cancel: order {0}, {1} — {2}.").format(
                short(session.out_trade_no),
                format_yuan(session.payer_total_fen or session.amount_fen),
                goods_line(order.items, self.language),
            )
            if plan.settle_cart:
                step = self.tr("These goods were in the cart; it is cleared. Hand them to the customer.")
            elif plan.cart_overlaps:
                step = self.tr(
                    "The cart holds some of these goods: do not charge them again. Hand over the paid goods, "
                    "or the manager refunds the order."
                )
            else:
                step = self.tr("Hand the goods to the customer, or the manager refunds the order.")
            if plan.cancel is not None:
                step += " " + self.tr("Order {0} for the same goods is cancelled, so nobody pays twice.").format(
                    short(plan.cancel)
                )
            return f"{head} {step}"

        self.alert.add(message)
        self._arrange_banners()

    def _arrange_banners(self) -> None:
        """When several banners show, the most urgent has the room for its advice; the rest show one line."""
        from kiosk.checkout.counter import Banner, detailed_banner

        banners = {Banner.RELAY: self.relay_banner, Banner.PRINTER: self.printer_banner}
        showing = [kind for kind, banner in banners.items() if banner is not None and not banner.isHidden()]
        if not self.alert.isHidden():
            showing.append(Banner.LATE_PAYMENT)
        detailed = detailed_banner(showing)
        for kind, banner in banners.items():
            if banner is not None:
                banner.set_compact(kind is not detailed)

    def _connection_changed(self, event: ConnectionChanged) -> None:
        if self.relay_link is not None and self.core is not None:
            self.relay_link = self.relay_link.apply(event, self.core.clock.now())
        self._show_relay()

    def check_connection(self) -> None:
        """The relay banner's Try again: ask the payment server now, not at the next heartbeat."""
        core = self._core()
        assert self.relay_banner is not None
        self.relay_banner.set_checking(True)

        def done(_: object) -> None:
            if self.relay_banner is not None:
                self.relay_banner.set_checking(False)

        self.ops.run(core.check_connection, on_done=done, on_error=done, label="connection check")

    def _core_error(self, event: CoreError) -> None:
        from kiosk.ui.words import core_error_text

        log.warning("core error (%s): %s", event.kind, event.message)
        self.show_error(lambda: core_error_text(event))

    def _sound_player(self, core: KioskCore) -> SoundPlayer | None:
        """The chime and "微信收款 … 元", error tones; ``None`` where the computer cannot play sound at all.

        QtMultimedia links the system's PulseAudio client (Debian's libpulse0): without it the module does not
        load. Selling matters more than the announcement, so the kiosk sells silently and tells the clerk."""
        try:
            from kiosk.ui.sound import SoundPlayer
        except ImportError as exc:
            log.error("sound unavailable, payments are not announced: %s", exc)
            self.notice.show_error(lambda: self.tr("Sound does not work on this computer: payments are not announced"))
            return None
        return SoundPlayer(core, self)

    def _unknown_code(self, code: str) -> None:
        if self.core is not None:
            self.core.sound.unknown_code()  # a bad scan beeps
        self.show_error(lambda: self.tr("No item has the code or name “{0}”").format(code))

    # ---- the printer ---------------------------------------------------------------------------

    def _print_job(self, job: PrintJobChanged) -> None:
        self._printing = job.state == "sending"
        if job.document == "paid_receipt" and job.out_trade_no:
            self._receipt_jobs.pop(job.out_trade_no, None)
            self._receipt_jobs[job.out_trade_no] = job  # newest last
            while len(self._receipt_jobs) > RECEIPTS_FOLLOWED:
                del self._receipt_jobs[next(iter(self._receipt_jobs))]
        if self.paid_view is not None:
            self.paid_view.job_changed(job)
        self._show_printer()

    def _printer_fault(self, event: PrinterFaultChanged) -> None:
        self.printer_fault = event
        if self.printer_banner is not None:
            self.printer_banner.show_fault(event)
            self._arrange_banners()
        if self.paid_view is not None:
            self.paid_view.set_printer_fault(event.fault)
        self._show_printer()

    def _check_printer(self) -> None:
        """Ask the printer how it is (start-up, Retry): a fault shows even before a job is held up by it."""
        core = self._core()
        self.ops.run(lambda: core.print_queue.printer.status(), on_done=self._printer_checked, label="printer status")

    def _printer_checked(self, status: Any) -> None:
        from kiosk.checkout.counter import status_fault
        from kiosk.checkout.events import PrinterFaultChanged

        held = self.printer_fault is not None and self.printer_fault.job is not None
        if held:
            return  # the queue's own report, with the job Retry and Skip act on, wins
        self._printer_fault(PrinterFaultChanged(status_fault(status)))

    def retry_printing(self, job_id: int | None) -> None:
        core = self._core()
        self.notice.show_info(lambda: self.tr("Trying the printer again…"))
        self.ops.run(lambda: core.retry_printing(job_id), on_done=lambda _: self._check_printer(), label="retry")

    def skip_print_job(self, job_id: int) -> None:
        core = self._core()
        self.ops.run(
            lambda: core.skip_print_job(job_id),
            on_error=lambda exc: self._report(exc, lambda: self.tr("Could not skip it: {0}")),
            label="skip",
        )

    def simulate_printer_fault(self, on: bool) -> None:
        """Training: the virtual printer runs out of paper (checked) or has paper again."""
        core = self._core()
        self.ops.run(
            lambda: core.simulate_printer_fault("paper_out" if on else None),
            on_done=lambda _: self._check_printer(),
            label="practise",
        )

    def _show_relay(self) -> None:
        from kiosk.checkout.counter import Link

        link = self.relay_link.link if self.relay_link is not None else Link.CONNECTING
        texts = {
            Link.CONNECTING: self.tr("Payment server: connecting…"),
            Link.ONLINE: self.tr("Payment server: connected"),
            Link.OFFLINE: self.tr("Payment server: out of reach"),
            Link.REFUSED: self.tr("Payment server: this kiosk is not accepted"),
        }
        if self.relay_link is not None and self.relay_link.mismatch is not None:
            # Short: the banner above names both sides.
            self.relay_status.setText(self.tr("Payment server: settings do not match"))
        else:
            self.relay_status.setText(texts[link])
        online = {Link.CONNECTING: "", Link.ONLINE: "true"}.get(link, "false")
        self.relay_status.setProperty("online", online)
        self.relay_status.style().unpolish(self.relay_status)
        self.relay_status.style().polish(self.relay_status)
        if self.relay_link is not None and self.core is not None:
            assert self.relay_banner is not None and self.sale_view is not None and self.payment_view is not None
            self.relay_banner.show_link(self.relay_link, self.core.clock.now())
            self._arrange_banners()
            self.sale_view.set_relay(self.relay_link)
            self.payment_view.set_server_away(link in (Link.OFFLINE, Link.REFUSED))

    def _show_printer(self) -> None:
        fault = self.printer_fault.fault if self.printer_fault is not None else None
        if self.core is not None and self.core.print_queue is None:
            text = self.tr("Printer: none")
        elif fault is not None:
            text = self.tr("Printer: {0}").format(fault.title(self.language))
        elif self._printing:
            text = self.tr("Printer: printing…")
        else:
            text = self.tr("Printer: ready")
        self.printer_status.setText(text)
        self.printer_status.setProperty("ok", "false" if fault is not None else "true")
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
        from kiosk.ui.manager_view import open_manager

        open_manager(self, self._core())

    def ask_manager_pin(self) -> bool:
        """The manager PIN on the on-screen keypad (with the manager screen's lock-out)."""
        from kiosk.ui.pin import ask_pin

        return ask_pin(self, self._core())

    # ---- errors --------------------------------------------------------------------------------

    def show_error(self, message: Message) -> None:
        self.notice.show_error(message)

    def _report(self, error: BaseException, template: Callable[[], str]) -> None:
        """Show a failure in the clerk's words (``BackgroundOps`` has logged its detail): ``template`` has a
        ``{0}`` for what went wrong."""
        from kiosk.ui.words import error_text

        self.show_error(lambda: template().format(error_text(error)))

    def _op_failed(self, _label: str, exc: BaseException) -> None:
        self._report(exc, lambda: self.tr("That did not work: {0}"))

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
        self.shuttingDown.emit()  # the manager screen waits for its workers: none may reach a closed journal
        if self.payment_view is not None:
            self.payment_view.stop()
        if self.paid_view is not None:
            self.paid_view.return_timer.stop()
        self._orders_refresh.stop()
        if self.customer_display is not None:
            self.customer_display.close()
        if self.bridge is not None:
            self.bridge.detach()
            if self.sound is not None:
                self.sound.detach()
        self.ops.stop(15_000)
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
