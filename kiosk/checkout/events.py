"""What the core tells the UI: plain immutable dataclasses, delivered to subscribers.

Callbacks run on the core's worker threads (and, for ``charge``/``cancel``, on the caller's thread): the Qt
layer adapts them to signals and never touches widgets from a callback. A callback that raises is logged
and does not stop delivery to the others.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.checkout.session import PaymentSession, State
from kiosk.printing.faults import FaultAdvice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionChanged:
    """A payment session changed (state, trade_state such as USERPAYING, code_url, error, settled)."""

    session: PaymentSession
    previous_state: State | None
    #: The journal event kind that caused it (``charge``, ``create_succeeded``, ``remote_status``, …).
    cause: str


@dataclass(frozen=True)
class PaidAfterCancel:
    """A payment landed after the clerk cancelled or the countdown expired: show a prominent alert.

    The money is real; the manager can refund it (``KioskCore.refund``)."""

    session: PaymentSession


@dataclass(frozen=True)
class KioskIdentity:
    """A store and a kiosk in it: as kiosk.toml names them, or as the relay knows the kiosk's token."""

    store_id: str
    kiosk_id: str

    def __str__(self) -> str:
        return f"{self.store_id}/{self.kiosk_id}"


@dataclass(frozen=True)
class IdentityMismatch:
    """The relay's heartbeat answer names another store or kiosk than kiosk.toml: a token copied from another
    kiosk, or a store or kiosk renamed on one side only. Charging is off until they match again."""

    configured: KioskIdentity
    relay: KioskIdentity

    def __str__(self) -> str:
        return f"this kiosk is configured as {self.configured}, the relay knows its token as {self.relay}"

    @property
    def same_store(self) -> bool:
        """Only the kiosk differs: the relay still answers for this store's orders."""
        return self.configured.store_id == self.relay.store_id


@dataclass(frozen=True)
class ConnectionChanged:
    """The relay became reachable (``online``) or unreachable, started or stopped taking the kiosk's token, or
    its heartbeat answer started or stopped naming another kiosk than the configured one.

    ``authorized`` is False while the relay answers 401 to the kiosk's token (wrong, or revoked on the relay):
    reachable, but refusing everything this kiosk asks. The clerk sees "not authorized", not "offline".
    ``mismatch`` is set while the relay takes the token as another store's or kiosk's (kept until a heartbeat
    answers otherwise): reachable, and refused like a wrong token."""

    online: bool
    error: str | None = None
    authorized: bool = True
    mismatch: IdentityMismatch | None = None


@dataclass(frozen=True)
class RefundChanged:
    out_refund_no: str
    out_trade_no: str
    state: str
    amount_fen: int
    error: str | None = None


@dataclass(frozen=True)
class PrintSubmitted:
    """A slip or receipt went to the print queue (the queue's own listeners report printing)."""

    out_trade_no: str
    job_key: str
    reprint: bool


@dataclass(frozen=True)
class PrintJobChanged:
    """A print job moved on. ``state``: ``pending`` (waiting; ``fault`` says why while the printer holds it
    up), ``sending``, ``printed``, ``failed`` (this document cannot be printed; ``fault`` says so),
    ``dropped`` (a payment slip whose order closed before it could print) or ``skipped`` (by the clerk)."""

    job_id: int
    job_key: str
    #: The document kind: ``payment_slip``, ``paid_receipt``, ``refund_slip``, ``z_report`` …
    document: str
    out_trade_no: str | None
    state: str
    fault: FaultAdvice | None = None
    reprint: bool = False


@dataclass(frozen=True)
class PrinterFaultChanged:
    """The printer stopped with a fault the clerk must clear (``fault``, and the ``job`` it holds at the head of
    the queue: what Retry and Skip act on), or it prints again (both ``None``)."""

    fault: FaultAdvice | None
    job: PrintJobChanged | None = None


@dataclass(frozen=True)
class SoundCue:
    """Play these clips (``resources/sounds/<name>.wav``) one after another, at ``volume`` (0–100).

    ``reason``: ``payment_received``, ``payment_failed``, ``paid_after_cancel``, ``unknown_code`` or ``sample``
    (the manager trying the volume)."""

    clips: tuple[str, ...]
    volume: int
    reason: str


#: CoreError kinds: the relay refused to create an order; a document could not be handed to the print
#: queue; the printer could not be set up (the kiosk sells without printing); anything else.
ORDER_REFUSED_ERROR = "order_refused"
PRINT_ERROR = "print"
PRINTER_SETUP_ERROR = "printer_setup"
INTERNAL_ERROR = "internal"


@dataclass(frozen=True)
class CoreError:
    """Something failed in the background that the clerk should know about (never silently swallowed).

    ``kind`` says what, for the clerk's words (one of the ``*_ERROR`` names above); ``message`` is the
    technical detail, for the log."""

    message: str
    out_trade_no: str | None = None
    kind: str = INTERNAL_ERROR


CoreEvent = (
    SessionChanged
    | PaidAfterCancel
    | ConnectionChanged
    | RefundChanged
    | PrintSubmitted
    | PrintJobChanged
    | PrinterFaultChanged
    | SoundCue
    | CoreError
)
Subscriber = Callable[[CoreEvent], None]


class EventBus:
    """Delivers each event to every subscriber, on the publishing thread.

    Once ``unsubscribe()`` returns, its callback is never called again and no call of it is still running on
    another thread: a window may then destroy what the callback touches (a Qt object it emits signals of)."""

    #: How long an unsubscribe waits for a delivery under way on another thread before it gives up (logged).
    DRAIN_SECONDS = 5.0

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        # (callback, thread) for each delivery under way: an unsubscribe waits for other threads' deliveries.
        self._delivering: list[tuple[Subscriber, int]] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback``; returns a function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            me = threading.get_ident()
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)
                drained = self._drained.wait_for(
                    lambda: not any(cb == callback and thread != me for cb, thread in self._delivering),
                    self.DRAIN_SECONDS,
                )
            if not drained:
                log.warning("subscriber %r still running %.0f s after it unsubscribed", callback, self.DRAIN_SECONDS)

        return unsubscribe

    def publish(self, event: CoreEvent) -> None:
        me = threading.get_ident()
        with self._lock:
            # Every subscriber this delivery will ask counts as "being delivered to" until it is done with: an
            # unsubscribe waits for it, and so this thread never holds the last reference to a callback (a Qt
            # object must not be destroyed on a core thread).
            queue = deque((callback, me) for callback in self._subscribers)
            self._delivering.extend(queue)
        try:
            while queue:
                self._deliver(queue[0][0], event)
                with self._lock:
                    self._delivering.remove(queue.popleft())  # before a waiting unsubscribe can return
                    self._drained.notify_all()
        finally:
            with self._lock:  # a BaseException (the process ending) leaves nobody waiting for the rest
                for delivery in queue:
                    self._delivering.remove(delivery)
                queue.clear()
                self._drained.notify_all()

    def _deliver(self, callback: Subscriber, event: CoreEvent) -> None:
        with self._lock:
            if callback not in self._subscribers:
                return  # unsubscribed meanwhile
        try:
            callback(event)
        except Exception:
            log.exception("subscriber %r failed on %s", callback, type(event).__name__)
