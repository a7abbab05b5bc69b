"""KioskCore: the one composition root the UI talks to.

Build it from a loaded configuration (``KioskCore.create(load_config(path))``) or in training mode
(``KioskCore.create(None)``), call :meth:`KioskCore.start`, subscribe to events, and use the small API below.
Everything here is Qt-free; methods marked *blocking* do network I/O and belong on a worker thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from kiosk.checkout.cart import Cart, CartSnapshot
from kiosk.checkout.catalogue import Catalogue, sample_catalogue
from kiosk.checkout.codepay import (
    OtherWallet,
    PaymentCodeRefused,
    ScannedCode,
    TrainingScenario,
    scanned_payment_code,
)
from kiosk.checkout.config import KioskConfig
from kiosk.checkout.counter import ChargingOff, RelayLink
from kiosk.checkout.double_charge import REPEAT_WINDOW, Order, repeat_of
from kiosk.checkout.events import (
    PRINTER_SETUP_ERROR,
    CoreError,
    EventBus,
    IdentityMismatch,
    KioskIdentity,
    PrinterFaultChanged,
    PrintJobChanged,
    Subscriber,
)
from kiosk.checkout.print_monitor import PrintMonitor
from kiosk.checkout.relay_client import DEFAULT_WAIT_SECONDS, Backoff, RelayClient
from kiosk.checkout.session import PAID_STATES, PaymentSession
from kiosk.checkout.session_manager import Documents, PrintSink, SessionError, SessionManager, session_from_row
from kiosk.checkout.sound import Sounds
from kiosk.clock import CHINA_TZ, Clock, SystemClock
from kiosk.journal import EventRow, Journal, OrderItemRow, RefundRow
from kiosk.trade import TradeState

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0


class KioskCore:
    """Catalogue, carts, payments, journal, relay client and printing for one kiosk.

    Attributes the UI may read: ``catalogue``, ``config``, ``training`` (bool), ``language``, ``journal``
    (read-only queries), ``print_queue`` (or None). Events arrive through :meth:`subscribe`.
    """

    def __init__(
        self,
        config: KioskConfig,
        *,
        catalogue: Catalogue | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        printer: PrintSink | None = None,
        documents: Documents | None = None,
        backoff: Backoff | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        sandbox_url: str | None = None,
        on_stop: list[Callable[[], None]] | None = None,
        sleep: Callable[[threading.Event, float], bool] | None = None,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ):
        self.config = config
        self.training = config.training
        self.language = config.language
        self.clock = clock or SystemClock()
        self.catalogue = catalogue or (config.catalogue if config.catalogue is not None else sample_catalogue())
        self.bus = EventBus()
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal.open(config.journal_path, clock=self.clock)
        self.relay = RelayClient(
            config.relay_urls,
            config.relay_token,
            manager_token=config.manager_token,
            transport=transport,
            identity=KioskIdentity(config.store.id, config.kiosk_id),
            on_connectivity=self.bus.publish,
        )
        self.print_queue: Any = printer
        #: Why there is no print queue although one was configured (also published as CoreError at start).
        self.printer_error: str | None = None
        self._documents = documents
        self._owns_print_queue = False
        if printer is None:
            self.print_queue, self._documents = self._build_printing()
        self.sessions = SessionManager(
            self.journal,
            self.relay,
            self.bus,
            self.clock,
            store_id=config.store.id,
            kiosk_id=config.kiosk_id,
            timeout_seconds=config.payment_timeout_seconds,
            auto_print_slip=config.auto_print_slip,
            print_receipts=config.prints_receipts,
            training=config.training,
            printer=self.print_queue,
            documents=self._documents,
            backoff=backoff,
            wait_seconds=wait_seconds,
            sleep=sleep,
        )
        #: Chime and spoken amounts as SoundCue events; the shop's on/off and volume (``sound.configure``).
        self.sound = Sounds(self.bus, self.journal, config.sound)
        #: Printer faults and jobs as core events; Retry and Skip (None without a printer).
        self.print_monitor = (
            None if self.print_queue is None else PrintMonitor(self.print_queue, self.bus, self.journal)
        )
        self._sandbox_url = sandbox_url
        self._on_stop = list(on_stop or [])
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._heartbeat_seconds = heartbeat_seconds
        self._stopped = False

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def create(cls, config: KioskConfig | None = None, *, data_dir: Path | None = None, **options: Any) -> KioskCore:
        """What ``kiosk [--config PATH]`` does: the kiosk of a configuration the caller loaded once
        (:func:`kiosk.checkout.load_config`), or training mode in ``data_dir`` when ``None``."""
        if config is None:
            return cls.training_mode(data_dir, **options)
        return cls(config, **options)

    @classmethod
    def training_mode(cls, data_dir: Path | None = None, **options: Any) -> KioskCore:
        """Start the sandbox and an embedded relay on loopback and build a training kiosk over them."""
        from kiosk.checkout.training import start_training

        environment = start_training(data_dir)
        try:
            return cls(
                environment.config,
                sandbox_url=environment.sandbox_url,
                on_stop=[environment.stop],
                **options,
            )
        except BaseException:
            environment.stop()
            raise

    def _build_printing(self) -> tuple[Any, Documents | None]:
        from kiosk.checkout.receipts import build_print_queue  # imported when needed: keeps start-up light

        try:
            queue, documents = build_print_queue(self.config, self.journal)
        except Exception as exc:
            # Sell without printing rather than not at all; the clerk sees why once start() runs.
            log.exception("printer set-up failed")
            self.printer_error = f"printer set-up failed: {exc}"
            return None, None
        self._owns_print_queue = True
        return queue, documents

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> list[str]:
        """Start printing, recover unfinished orders (returns their out_trade_nos) and the relay heartbeat."""
        if self._owns_print_queue and self.print_queue is not None:
            self.print_queue.start()
        if self.printer_error:
            self.bus.publish(CoreError(self.printer_error, kind=PRINTER_SETUP_ERROR))
        resumed = self.sessions.start()
        self._stop.clear()
        self._heartbeat = threading.Thread(target=self._heartbeat_loop, name="relay-heartbeat", daemon=True)
        self._heartbeat.start()
        return resumed

    def stop(self) -> None:
        """Stop workers, printing, the relay client and (training) the embedded servers. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        self.sessions.stop()
        self.relay.close()
        if self._owns_print_queue and self.print_queue is not None:
            self.print_queue.stop()
        self.journal.close()
        for callback in self._on_stop:
            try:
                callback()
            except Exception:
                log.exception("stopping %r failed", callback)

    def __enter__(self) -> KioskCore:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _heartbeat_loop(self) -> None:
        while not self._stop.is_set():
            self.relay.ping()  # carries the token: a wrong or revoked one shows as not authorized
            self._stop.wait(self._heartbeat_seconds)

    # ---- events ------------------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Receive :mod:`kiosk.checkout.events` dataclasses (on worker threads); returns an unsubscribe function."""
        return self.bus.subscribe(callback)

    @property
    def sandbox_url(self) -> str | None:
        """The embedded sandbox of training mode (its clock moves the training bill day), else None."""
        return self._sandbox_url if self.training else None

    @property
    def online(self) -> bool | None:
        """Relay reachability as last seen (None until the first request)."""
        return self.relay.online

    @property
    def authorized(self) -> bool:
        """False while the relay refuses this kiosk's token (wrong or revoked)."""
        return self.relay.authorized is not False

    @property
    def mismatch(self) -> IdentityMismatch | None:
        """Set while the relay takes this kiosk's token as another store's or kiosk's than kiosk.toml names (as
        of the last heartbeat): refused like a wrong token until the two agree again."""
        return self.relay.mismatch

    def relay_link(self) -> RelayLink:
        """The payment server's link as of now (for whether Charge is allowed; the UI follows its changes through
        ``ConnectionChanged``)."""
        return RelayLink.of(self.online, self.authorized, self.mismatch, self.clock.now())

    # ---- selling -----------------------------------------------------------------------------

    def new_cart(self) -> Cart:
        return Cart(self.catalogue)

    def charge(self, cart: Cart | CartSnapshot) -> PaymentSession:
        """Journal the order and start creating it at the relay; returns the session in ``creating``.

        The code_url arrives with a ``SessionChanged`` (state ``awaiting_payment``); if the relay is down the
        state becomes ``pending_creation`` and the create is retried in the background."""
        snapshot = cart.snapshot() if isinstance(cart, Cart) else cart
        self._charging_on()
        return self.sessions.charge(snapshot)

    def charge_code(self, cart: Cart | CartSnapshot, scanned: str, *, replaces: str | None = None) -> PaymentSession:
        """Charge the cart by the customer's payment code (付款码): journals the order and the attempt (the code
        masked) and returns the session in ``creating``; the relay charges the code in the background, and the
        outcome arrives as ``SessionChanged`` (USERPAYING while the customer types the password, then paid or
        failed with ``failure``). ``replaces``: the cart's open QR order, cancelled first.

        Raises :class:`~kiosk.checkout.codepay.OtherWallet` for an Alipay or UnionPay code (with the shop's
        message), :class:`~kiosk.checkout.codepay.PaymentInFlight` while another payment is under way,
        ``PaymentCodeRefused`` for text that is no payment code, ``CartError`` for an empty cart."""
        code = self.payment_code(scanned)
        snapshot = cart.snapshot() if isinstance(cart, Cart) else cart
        self._charging_on()
        return self.sessions.charge_code(snapshot, code.code, code.masked, replaces=replaces)

    def _charging_on(self) -> None:
        """Charge is refused before anything is journaled while the relay refuses this kiosk (its token, or the
        store or kiosk it takes the token as): no order made now could be created (``counter.py``)."""
        link = self.relay_link()
        if not link.charge_allowed:
            raise ChargingOff(link)

    def payment_code(self, scanned: str) -> ScannedCode:
        """The WeChat Pay code in ``scanned``, or why it is not charged: ``PaymentCodeRefused`` for text that is no
        payment code, :class:`~kiosk.checkout.codepay.OtherWallet` for an Alipay or UnionPay code."""
        code = scanned_payment_code(scanned)
        if code is None:
            raise PaymentCodeRefused("this is not a payment code")
        if not code.is_wechat:
            raise OtherWallet(code.kind, self.config.other_wallet_message)
        return code

    def cancel(self, out_trade_no: str) -> PaymentSession:
        """Cancel an open payment (the close is sent to the relay in the background; a payment-code order is
        reversed by the relay)."""
        return self.sessions.cancel(out_trade_no)

    def requery(self, out_trade_no: str) -> PaymentSession:
        """*Blocking*: ask the relay to query WeChat Pay now (``refresh=1``)."""
        return self.sessions.requery(out_trade_no)

    def session(self, out_trade_no: str) -> PaymentSession:
        return self.sessions.session(out_trade_no)

    def seconds_left(self, session: PaymentSession) -> float:
        """The countdown (same clock as ``time_expire``)."""
        return session.seconds_left(self.clock.now())

    def wait_for(
        self, out_trade_no: str, predicate: Callable[[PaymentSession], bool], timeout: float = 10.0
    ) -> PaymentSession:
        """*Blocking*: wait until ``predicate(session)`` holds (scripts and tests)."""
        return self.sessions.wait_for(out_trade_no, predicate, timeout)

    def print_slip(self, out_trade_no: str) -> str:
        """Print the QR payment slip (a reprint if it was printed before); returns the print job key."""
        return self.sessions.print_slip(out_trade_no)

    def print_receipt(self, out_trade_no: str) -> str:
        """A paid order's receipt: the original the first time (``[printer] receipt = "ask"`` or ``"never"``),
        a marked reprint after that; returns the print job key."""
        return self.sessions.print_receipt(out_trade_no)

    def simulate_payment(self, out_trade_no: str, result: str = TradeState.SUCCESS) -> None:
        """*Blocking*, training only: the customer pays through the sandbox."""
        self._sandbox_url_or_refuse()
        session = self.session(out_trade_no)
        if session.code_url is None:
            raise SessionError(f"{out_trade_no} has no QR yet ({session.state})")
        self._sandbox("POST", "/sandbox/v1/payments", {"code_url": session.code_url, "result": result})

    def training_scenarios(self) -> list[TrainingScenario]:
        """*Blocking*, training only: the sandbox's customers, one per behaviour of a payment code."""
        listing = self._sandbox("GET", "/sandbox/v1/payment-codes")
        return [TrainingScenario(s["name"], s["zh"], s["en"]) for s in listing["scenarios"]]

    def training_payment_code(self, scenario: str = "success") -> str:
        """*Blocking*, training only: the code a sandbox customer shows, behaving as ``scenario`` when charged."""
        issued = self._sandbox("POST", "/sandbox/v1/payment-codes", {"scenario": scenario})
        return str(issued["auth_code"])

    def advance_training_clock(self, seconds: float) -> dict[str, Any]:
        """*Blocking*, training only: move the sandbox's clock (e.g. a day on, to see yesterday's bill)."""
        return self._sandbox("POST", "/sandbox/v1/clock", {"advance_seconds": seconds})

    def _sandbox_url_or_refuse(self) -> str:
        if not self.training or self._sandbox_url is None:
            raise SessionError("the sandbox exists only in training mode")
        return self._sandbox_url

    def _sandbox(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A call to the embedded sandbox's control API (training mode only)."""
        response = httpx.request(method, f"{self._sandbox_url_or_refuse()}{path}", json=body, timeout=10.0)
        if response.status_code >= 400:
            raise SessionError(f"the sandbox refused {path}: {response.status_code} {response.text[:200]}")
        answer: dict[str, Any] = response.json()
        return answer

    def check_connection(self) -> bool:
        """*Blocking*: ask the relay now rather than at the next heartbeat (the clerk's Retry after fixing the
        network); the outcome also arrives as ``ConnectionChanged``."""
        return self.relay.ping()

    def simulate_printer_fault(self, fault: str | None) -> None:
        """Training only: the virtual printer reports ``fault`` (``paper_out``, ``cover_open``, ``offline``,
        ``printer_error``) until it is set back to ``None``, so that a clerk can practise Retry and Skip."""
        from kiosk.printing import VirtualPrinter

        printer = getattr(self.print_queue, "printer", None)
        if not self.training or not isinstance(printer, VirtualPrinter):
            raise SessionError("printer faults are simulated only in training mode, on the virtual printer")
        printer.fault = fault
        self.retry_printing()

    def printer_fault(self) -> PrinterFaultChanged:
        """What holds the printer up now (``fault`` None: nothing); later changes arrive as events."""
        return PrinterFaultChanged(None) if self.print_monitor is None else self.print_monitor.current_fault()

    def retry_printing(self, job_id: int | None = None) -> None:
        """The clerk's Retry after fixing the printer (``job_id``: also put that failed job back in the queue)."""
        if self.print_monitor is not None:
            self.print_monitor.retry(job_id)

    def skip_print_job(self, job_id: int) -> PrintJobChanged:
        """*Blocking* while a job is being sent: the clerk's "skip this receipt" (journaled in its order)."""
        if self.print_monitor is None:
            raise SessionError("no printer is configured")
        return self.print_monitor.skip(job_id)

    def print_refund_slip(self, out_refund_no: str, *, reprint: bool = False) -> str:
        return self.sessions.print_refund_slip(out_refund_no, reprint=reprint)

    def refund(self, out_trade_no: str, amount_fen: int, reason: str) -> RefundRow:
        """Refund (full or partial) a paid order; needs ``[relay] manager_token``. Status arrives as RefundChanged."""
        return self.sessions.refund(out_trade_no, amount_fen, reason)

    def recheck_abnormal_refunds(self, out_trade_no: str | None = None) -> list[str]:
        """Ask the relay again about ABNORMAL refunds (one order's, or all); changes arrive as RefundChanged."""
        return self.sessions.recheck_abnormal_refunds(out_trade_no)

    # ---- queries (journal; fast, local) -------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().astimezone(CHINA_TZ).date()

    def today_orders(self) -> list[PaymentSession]:
        return self.orders_between(self.today(), self.today())

    def orders_between(self, first: date, last: date) -> list[PaymentSession]:
        return [session_from_row(row) for row in self.journal.orders_between(first, last)]

    def order_items(self, out_trade_no: str) -> list[OrderItemRow]:
        return self.journal.order_items(out_trade_no)

    def order_events(self, out_trade_no: str) -> list[EventRow]:
        return self.journal.events(out_trade_no)

    def order(self, out_trade_no: str) -> Order:
        """An order with its goods (for the clerk's alerts and the double-charge rules)."""
        return self._with_items(self.session(out_trade_no))

    def _with_items(self, session: PaymentSession) -> Order:
        return Order(session, tuple(self.journal.order_items(session.out_trade_no)))

    def repeat_of(self, cart: Cart | CartSnapshot) -> Order | None:
        """An order paid in the last few minutes with exactly this cart's goods (Charge asks the clerk first).

        Only the orders paid within the window are read (by payment time, indexed): every Charge asks this."""
        snapshot = cart.snapshot() if isinstance(cart, Cart) else cart
        now = self.clock.now()
        paid = self._paid_between(now - REPEAT_WINDOW, now + REPEAT_WINDOW)  # a clock behind WeChat Pay's too
        return repeat_of(snapshot, [self._with_items(session) for session in paid], now)

    def last_sale(self) -> PaymentSession | None:
        """The most recently paid order (paid today or yesterday): what "the last receipt" prints."""
        yesterday = datetime.combine(self.today() - timedelta(days=1), time(), CHINA_TZ)
        return next(iter(self._paid_between(yesterday, limit=1)), None)

    def _paid_between(
        self, first: datetime, last: datetime | None = None, *, limit: int | None = None
    ) -> list[PaymentSession]:
        """Paid orders by payment time (:func:`~kiosk.checkout.double_charge.paid_at`), newest first."""
        rows = self.journal.orders_paid_between(PAID_STATES, first, last, limit=limit)
        return [session_from_row(row) for row in rows]

    def paid_after_cancel(self) -> list[PaymentSession]:
        return [session_from_row(row) for row in self.journal.paid_after_cancel()]

    def unresolved_orders(self) -> list[PaymentSession]:
        """Payment-code orders the relay cannot settle yet (its reverse keeps failing): for the manager."""
        return [session_from_row(row) for row in self.journal.unresolved_orders()]

    def refunds(self, out_trade_no: str | None = None) -> list[RefundRow]:
        return self.journal.refunds(out_trade_no)
