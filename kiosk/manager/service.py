"""ManagerService: everything the manager screen shows and does, Qt-free, over one :class:`KioskCore`.

The screen (``kiosk.ui.manager_view``) presents what these methods return and forwards the manager's
actions to them; it computes nothing. Methods marked *blocking* read the journal, call the relay or the
sandbox, print or write files: the screen runs them on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import httpx

from kiosk.checkout.app import KioskCore
from kiosk.checkout.events import Subscriber
from kiosk.checkout.refund import refundable_fen
from kiosk.checkout.relay_client import RelayRejected, RelayUnavailable
from kiosk.checkout.session import PaymentSession
from kiosk.checkout.session_manager import SessionError
from kiosk.checkout.sound import SoundSettings
from kiosk.checkout.trade_no import trade_no_prefix
from kiosk.clock import CHINA_TZ
from kiosk.journal import RefundRow
from kiosk.manager.bills import BillFetcher, BillResult, DayBill
from kiosk.manager.export import orders_csv, reconciliation_csv, write_file
from kiosk.manager.media import Place, export_places
from kiosk.manager.reconcile import Reconciliation, reconcile
from kiosk.manager.refunds import RefundSlipPrinter
from kiosk.manager.summaries import DayData, DaySummary, load_day, summarise
from kiosk.manager.training import SandboxClockError, advance_core_to_next_release
from kiosk.manager.zreport import job_key, print_z_report
from kiosk.printing.documents import StoreInfo
from kiosk.printing.errors import PrintingError
from kiosk.printing.queue import PrintJob


@dataclass(frozen=True)
class DayReport:
    """A business day read from the journal, and its numbers."""

    data: DayData
    summary: DaySummary


class RefundRefusal(StrEnum):
    NOT_IN_JOURNAL = "not_in_journal"  # refund it in the merchant platform: the kiosk has no such order
    NOT_PAID = "not_paid"  # the journal has it unpaid: re-query it first
    FULLY_REFUNDED = "fully_refunded"


@dataclass(frozen=True)
class RefundOffer:
    """What a refund of ``out_trade_no`` (an order of ``amount_fen``) may be: up to ``refundable_fen``, unless
    ``refusal`` says why not."""

    out_trade_no: str
    refundable_fen: int
    refusal: RefundRefusal | None = None
    amount_fen: int = 0


@dataclass(frozen=True)
class TrainingClock:
    """Where training's sandbox clock now stands (Beijing), and the day whose bill can now be fetched."""

    now: datetime
    bill_day: date


class Problem(StrEnum):
    """Why a manager action failed, in kinds the screen can put in plain words (never an exception's text)."""

    SERVER_UNREACHABLE = "server_unreachable"  # the relay (or WeChat Pay behind it) did not answer: try again
    NOT_AUTHORIZED = "not_authorized"  # the relay refused this kiosk's credentials
    NO_REFUND_PERMISSION = "no_refund_permission"  # refunds need [relay] manager_token, which is not set
    SERVER_REFUSED = "server_refused"  # the relay or WeChat Pay refused the request itself
    NOT_ALLOWED = "not_allowed"  # the order's state does not allow it (e.g. no longer refundable)
    PRINTER = "printer"
    FILE_NOT_WRITTEN = "file_not_written"  # the drive is full, gone or read-only
    UNEXPECTED = "unexpected"  # a fault in the kiosk itself: the log has the details


def problem_of(exc: BaseException) -> Problem:
    """The kind of a failed manager action (the screen words it and logs ``exc``)."""
    if isinstance(exc, RelayRejected):
        if exc.code == "NO_MANAGER_CREDENTIAL":
            return Problem.NO_REFUND_PERMISSION
        return Problem.NOT_AUTHORIZED if exc.status in (401, 403) else Problem.SERVER_REFUSED
    if isinstance(exc, RelayUnavailable | SandboxClockError | httpx.HTTPError | TimeoutError | ConnectionError):
        return Problem.SERVER_UNREACHABLE
    if isinstance(exc, SessionError):
        return Problem.NOT_ALLOWED
    if isinstance(exc, PrintingError):
        return Problem.PRINTER
    if isinstance(exc, OSError):
        return Problem.FILE_NOT_WRITTEN
    return Problem.UNEXPECTED


class ZReportOutcome(StrEnum):
    PRINTED = "printed"
    REPRINTED = "reprinted"  # a copy marked REPRINT
    ALREADY_PRINTED = "already_printed"  # nothing printed: a reprint must be asked for
    NO_PRINTER = "no_printer"


class ManagerService:
    """The manager's numbers and actions for one kiosk. ``bill_transport`` is a seam for tests (httpx)."""

    def __init__(self, core: KioskCore, *, bill_transport: httpx.BaseTransport | None = None):
        self._core = core
        config = core.config
        self._fetcher = BillFetcher(config.relay_urls, config.relay_token, clock=core.clock, transport=bill_transport)
        self._store = StoreInfo(config.store.name, config.store.address, config.store.phone)
        self._prefix = trade_no_prefix(config.store.id, config.kiosk_id)
        self._slips: RefundSlipPrinter | None = None

    # ---- what the screen needs to know ---------------------------------------------------------

    @property
    def training(self) -> bool:
        return self._core.training

    @property
    def store_name(self) -> str:
        return self._core.config.store.name

    @property
    def has_printer(self) -> bool:
        return self._core.print_queue is not None

    @property
    def can_advance_training_clock(self) -> bool:
        return self._core.sandbox_url is not None

    @property
    def refunds_enabled(self) -> bool:
        """Refunds need the relay's manager credential (``[relay] manager_token``); without it none is tried."""
        return self._core.relay.has_manager_credential

    def today(self) -> date:
        """Today's business day (Beijing, on the core's clock)."""
        return self._core.today()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """The core's events (on its threads); returns an unsubscribe function."""
        return self._core.subscribe(callback)

    # ---- opening and closing -------------------------------------------------------------------

    def open(self, on_slip_error: Callable[[RefundRow], None] | None = None) -> None:
        """Print the slip of every refund that succeeds while the screen is open."""
        if self._slips is None:
            self._slips = RefundSlipPrinter(self._core, on_error=on_slip_error)
            self._slips.attach()

    def close(self) -> None:
        if self._slips is not None:
            self._slips.detach()
            self._slips = None

    def print_missed_refund_slips(self) -> list[str]:
        """*Blocking*, on opening: the slips of refunds that succeeded while the screen was closed."""
        return self._slips.sweep() if self._slips is not None else []

    def recheck_abnormal_refunds(self) -> list[str]:
        """*Blocking*, on opening: ask again about every ABNORMAL refund (any day's); they change only when
        handled in the merchant platform, and the answers arrive as ``RefundChanged`` events."""
        return self._core.recheck_abnormal_refunds()

    # ---- today ---------------------------------------------------------------------------------

    def day_report(self, day: date | None = None) -> DayReport:
        """*Blocking*: the day's orders (today by default) and their summary, from the journal."""
        data = load_day(self._core, day or self.today())
        return DayReport(data, summarise(data))

    # ---- bill and reconciliation ---------------------------------------------------------------

    def fetch_bill(self, day: date) -> BillResult:
        """*Blocking*: the WeChat Pay bill of ``day`` through the relay, checked against its summary."""
        return self._fetcher.fetch(day)

    def reconcile(self, bill: DayBill) -> Reconciliation:
        """*Blocking*: the bill against the journal (this kiosk's orders told apart from the store's others)."""
        return reconcile(self._core.journal, bill, prefix=self._prefix)

    def advance_training_clock(self) -> TrainingClock:
        """*Blocking*, training only: the sandbox's clock to 10:00 tomorrow, when today's bill is published."""
        now = advance_core_to_next_release(self._core).astimezone(CHINA_TZ)
        return TrainingClock(now, now.date() - timedelta(days=1))

    def default_bill_day(self) -> date:
        """Yesterday: the latest day with a bill (published the next morning)."""
        return self.today() - timedelta(days=1)

    # ---- orders and refunds --------------------------------------------------------------------

    def requery(self, out_trade_no: str) -> PaymentSession:
        """*Blocking*: ask WeChat Pay about the order now (and about its ABNORMAL refunds)."""
        return self._core.requery(out_trade_no)

    def refund_offer(self, out_trade_no: str) -> RefundOffer:
        """*Blocking*: how much of the order can be refunded, or why it cannot."""
        try:
            session = self._core.session(out_trade_no)
        except SessionError:
            return RefundOffer(out_trade_no, 0, RefundRefusal.NOT_IN_JOURNAL)
        if not session.is_paid:
            return RefundOffer(out_trade_no, 0, RefundRefusal.NOT_PAID)
        left = refundable_fen(session.amount_fen, self._core.refunds(out_trade_no))
        refusal = None if left > 0 else RefundRefusal.FULLY_REFUNDED
        return RefundOffer(out_trade_no, left, refusal, session.amount_fen)

    def refund(self, out_trade_no: str, amount_fen: int, reason: str) -> RefundRow:
        """Journal the refund and send it; its status arrives as ``RefundChanged`` events."""
        return self._core.refund(out_trade_no, amount_fen, reason)

    # ---- reports out ---------------------------------------------------------------------------

    def z_report_printed(self, day: date) -> datetime | None:
        """*Blocking*: when the day's Z-report was sent to the printer (its first copy), None if never."""
        job = self._z_report_job(day)
        return job.created_at.astimezone(CHINA_TZ) if job is not None else None

    def _z_report_job(self, day: date) -> PrintJob | None:
        queue = self._core.print_queue
        key = job_key(day, self._core.config.kiosk_id)
        jobs = queue.jobs(limit=1000) if queue is not None else []
        return next((job for job in reversed(jobs) if job.job_key == key and not job.reprint), None)

    def print_z_report(self, day: date, *, reprint: bool = False) -> ZReportOutcome:
        """*Blocking*: the day's Z-report, printed once; a second one only as an explicit ``reprint``."""
        core = self._core
        queue = core.print_queue
        if queue is None:
            return ZReportOutcome.NO_PRINTER
        if not reprint and self._z_report_job(day) is not None:
            return ZReportOutcome.ALREADY_PRINTED
        summary = self.day_report(day).summary
        kiosk_id = core.config.kiosk_id
        print_z_report(queue, summary, self._store, printed_at=core.clock.now(), kiosk_id=kiosk_id, reprint=reprint)
        return ZReportOutcome.REPRINTED if reprint else ZReportOutcome.PRINTED

    def export_places(self) -> list[Place]:
        """*Blocking* (a look at the mounted drives): where an export can go, USB drives first."""
        return export_places(self._core.config.data_dir)

    def export_orders(self, day: date, path: Path) -> Path:
        """*Blocking*: the day's orders as CSV, written atomically to ``path``."""
        data = load_day(self._core, day)
        return write_file(_folder_made(path), orders_csv(data.orders, data.items, data.refunds))

    def export_reconciliation(self, reconciliation: Reconciliation, path: Path, *, labels: Mapping[str, str]) -> Path:
        """*Blocking*: the reconciliation as CSV (``labels``: the screen's words for categories and actions)."""
        return write_file(_folder_made(path), reconciliation_csv(reconciliation, labels))

    # ---- sound ---------------------------------------------------------------------------------

    @property
    def sound(self) -> SoundSettings:
        """The chime and spoken amounts: on or off, and how loud (kiosk.toml's default or the manager's)."""
        return self._core.sound.settings

    def set_sound(self, *, enabled: bool | None = None, volume: int | None = None) -> SoundSettings:
        """*Blocking* (the journal keeps the choice): the manager's switch and volume."""
        return self._core.sound.configure(enabled=enabled, volume=volume)

    def play_sound_sample(self) -> None:
        """What a payment sounds like at the chosen volume (played by the cashier window)."""
        self._core.sound.sample()


def _folder_made(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)  # the kiosk's exports folder on first use
    return path
