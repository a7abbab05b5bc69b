"""The session manager: the imperative shell around the pure payment state machine.

For every event it runs ``transition``, writes the new session, the journal event and the outbox commands
in ONE transaction, publishes what changed, and only then acts (worker threads call the relay and the
print queue). Each unfinished order has at most two worker threads:

* the *commander* runs the order's outbox in order (create, close, print, refund), with back-off, and fires
  ``Expire`` when the countdown ends;
* the *watcher* long-polls the relay (``since``/``version``) while a QR is out and the outcome unknown.

A crash at any point leaves the journal describing what was decided and what is still to do;
:meth:`SessionManager.recover` restarts the workers of every unfinished order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from kiosk.checkout.cart import CartError, CartSnapshot
from kiosk.checkout.codepay import CODEPAY_WINDOW, PaymentInFlight
from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.events import (
    ORDER_REFUSED_ERROR,
    PRINT_ERROR,
    CoreError,
    EventBus,
    PaidAfterCancel,
    PrintSubmitted,
    RefundChanged,
    SessionChanged,
)
from kiosk.checkout.refund import (
    FOLLOW_UP,
    Recheck,
    RefundAnswered,
    RefundEvent,
    RefundRefused,
    RefundSession,
    RefundTransition,
    refundable_fen,
)
from kiosk.checkout.refund import transition as refund_transition
from kiosk.checkout.relay_client import (
    DEFAULT_WAIT_SECONDS,
    Backoff,
    RelayClient,
    RelayError,
    RelayNotFound,
    RelayRejected,
    RelayUnavailable,
)
from kiosk.checkout.session import (
    PAID_STATES,
    Cancel,
    Charge,
    CloseRemote,
    CreateRejected,
    CreateRemote,
    CreateSucceeded,
    CreateUnreachable,
    DropCreate,
    Event,
    Expire,
    PaymentSession,
    PrintReceipt,
    PrintSlip,
    RemoteNotFound,
    RemoteStatus,
    Source,
    State,
    Transition,
    transition,
)
from kiosk.checkout.trade_no import make_out_trade_no, new_epoch, trade_no_prefix
from kiosk.clock import CHINA_TZ, Clock
from kiosk.journal import CommandRow, Journal, OrderItemRow, OrderRow, RefundRow, parse_timestamp, timestamp
from kiosk.trade import RefundStatus, TradeState, TradeType, is_payable
from kiosk.wire import OrderView

log = logging.getLogger(__name__)

EPOCH_SETTING = "out_trade_no_epoch"
#: The relay refuses a time_expire less than 30 s ahead; keep a margin for the round trip.
CREATE_MARGIN = timedelta(seconds=35)


class PrintSink(Protocol):
    """What the manager needs from the print queue (``kiosk.printing.queue.PrintQueue``)."""

    def submit(
        self,
        job_key: str,
        document: Any,
        *,
        reprint: bool = False,
        out_trade_no: str | None = None,
        while_open: bool = False,
    ) -> Any: ...


class Documents(Protocol):
    """Builds printable documents from journal facts (``kiosk.checkout.receipts`` adapts kiosk.printing)."""

    def payment_slip(self, session: PaymentSession, items: list[OrderItemRow], *, reprint: bool) -> Any: ...

    def paid_receipt(self, session: PaymentSession, items: list[OrderItemRow], *, reprint: bool) -> Any: ...

    def refund_slip(self, refund: RefundRow, session: PaymentSession, items: list[OrderItemRow]) -> Any: ...


class SessionError(CheckoutError):
    """A request the current state does not allow (unknown order, refund of an unpaid order, …)."""


def slip_job_key(out_trade_no: str) -> str:
    return f"{out_trade_no}:payment_slip"


def receipt_job_key(out_trade_no: str) -> str:
    return f"{out_trade_no}:paid_receipt"


# ---- journal mapping -----------------------------------------------------------------------------


def session_columns(session: PaymentSession) -> dict[str, Any]:
    return {
        "method": session.method.value,
        "payment_code": session.payment_code,
        "state": session.state.value,
        "trade_state": session.trade_state,
        "version": session.version,
        "code_url": session.code_url,
        "transaction_id": session.transaction_id,
        "success_time": timestamp(session.success_time) if session.success_time else None,
        "payer_total_fen": session.payer_total_fen,
        "settled": int(session.settled),
        "ended_by": session.ended_by,
        "last_error": session.last_error,
        "failure": session.failure,
        "unresolved": int(session.unresolved),
    }


def session_from_row(row: OrderRow) -> PaymentSession:
    charged_at = parse_timestamp(row.charged_at)
    expires_at = parse_timestamp(row.expires_at)
    assert charged_at is not None and expires_at is not None
    return PaymentSession(
        out_trade_no=row.out_trade_no,
        amount_fen=row.amount_fen,
        description=row.description,
        charged_at=charged_at,
        expires_at=expires_at,
        method=TradeType(row.method),
        payment_code=row.payment_code,
        state=State(row.state),
        trade_state=row.trade_state,
        version=row.version,
        code_url=row.code_url,
        transaction_id=row.transaction_id,
        success_time=parse_timestamp(row.success_time),
        payer_total_fen=row.payer_total_fen,
        settled=bool(row.settled),
        ended_by=row.ended_by,
        last_error=row.last_error,
        failure=row.failure,
        unresolved=bool(row.unresolved),
        auto_print_slip=bool(row.auto_print_slip),
        training=bool(row.training),
    )


def _event_kind(event: Event) -> str:
    name = type(event).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _event_detail(event: Event) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    for key, value in vars(event).items():
        if value is None:
            continue
        detail[key] = timestamp(value) if isinstance(value, datetime) else value
    # A code_url is a payment credential for the next few minutes: keep it out of the event log.
    detail.pop("code_url", None)
    return detail


@dataclass
class _Workers:
    commander: threading.Thread | None = None
    watcher: threading.Thread | None = None
    wake: threading.Event | None = None


class SessionManager:
    """Owns every payment session of this kiosk. Thread-safe; see the module docstring."""

    def __init__(
        self,
        journal: Journal,
        relay: RelayClient,
        bus: EventBus,
        clock: Clock,
        *,
        store_id: str,
        kiosk_id: str,
        timeout_seconds: int = 300,
        auto_print_slip: bool = False,
        print_receipts: bool = True,
        training: bool = False,
        printer: PrintSink | None = None,
        documents: Documents | None = None,
        backoff: Backoff | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
        sleep: Callable[[threading.Event, float], bool] | None = None,
    ):
        self.journal = journal
        self.relay = relay
        self.bus = bus
        self.clock = clock
        self.store_id = store_id
        self.kiosk_id = kiosk_id
        self.timeout = timedelta(seconds=timeout_seconds)
        self.auto_print_slip = auto_print_slip
        #: False: a paid order's receipt waits for the clerk (``[printer] receipt = "ask"`` or ``"never"``).
        self.print_receipts = print_receipts
        self.training = training
        self.printer = printer
        self.documents = documents
        self.backoff = backoff or Backoff()
        self.wait_seconds = wait_seconds
        self._sleep = sleep or (lambda event, seconds: event.wait(seconds))
        self._prefix = trade_no_prefix(store_id, kiosk_id)
        self._epoch = journal.setting(EPOCH_SETTING) or ""
        if not self._epoch:
            self._epoch = new_epoch()
            journal.set_setting(EPOCH_SETTING, self._epoch)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._sessions: dict[str, PaymentSession] = {}
        #: Payment codes not yet at the relay, in memory only (a crash loses them: the journal has the masked one).
        self._codes: dict[str, str] = {}
        #: Payment-code orders past their window whose state the relay was asked about before they expire.
        self._asked_before_expiry: set[str] = set()
        self._workers: dict[str, _Workers] = {}
        self._stopping = threading.Event()
        self._started = False

    # ---- public API ------------------------------------------------------------------------

    def start(self) -> list[str]:
        """Recover unfinished orders and start their workers; returns their out_trade_nos."""
        with self._lock:
            self._stopping.clear()
            self._started = True
            resumed = []
            for row in self.journal.unfinished_orders():
                session = session_from_row(row)
                self._sessions[row.out_trade_no] = session
                self.journal.append_event(row.out_trade_no, "recovered", from_state=row.state, to_state=row.state)
                resumed.append(row.out_trade_no)
                self._ensure_workers(row.out_trade_no)
            return resumed

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._stopping.set()
            self._started = False
            workers = list(self._workers.values())
            for worker in workers:
                if worker.wake is not None:
                    worker.wake.set()
            self._changed.notify_all()
        deadline = time.monotonic() + timeout
        for worker in workers:
            # Watchers may sit in a long-poll; they are daemons and end with the client's close.
            thread = worker.commander
            if thread is not None and thread is not threading.current_thread():
                thread.join(max(deadline - time.monotonic(), 0.1))

    def charge(self, cart: CartSnapshot) -> PaymentSession:
        """Journal a new order from the cart (state ``creating``) and create it at the relay in the background.

        Returns at once (one local journal write); the code_url arrives as a :class:`SessionChanged`."""
        with self._lock:
            return self._new_order(cart, TradeType.NATIVE)

    def charge_code(self, cart: CartSnapshot, code: str, masked: str, *, replaces: str | None = None) -> PaymentSession:
        """Journal a new payment-code order from the cart and have the relay charge ``code`` in the background.

        The attempt (the order, the masked code, the create command) is journaled before anything is sent; the
        code itself stays in memory. ``replaces``: the cart's open QR order, cancelled in the same step (the
        customer shows a code instead). Refused while another payment of this kiosk is under way."""
        if cart.is_empty:
            raise CartError("the cart is empty")
        with self._lock:
            busy = self._payment_in_flight(replaces)
            if busy is not None:
                raise PaymentInFlight(busy)
            if replaces is not None:
                self.apply(replaces, Cancel(self.clock.now()))
            session = self._new_order(cart, TradeType.MICROPAY, code=code, masked=masked)
        return session

    def _payment_in_flight(self, replaces: str | None) -> str | None:
        """Why a payment code may not be charged now (a payment under way), or None."""
        for session in self._sessions.values():
            if not session.is_open or session.state is State.DRAFT:
                continue
            if session.is_code_pay:
                return f"a payment code is being charged for {session.out_trade_no}"
            if session.trade_state == TradeState.USERPAYING:
                return f"the customer is paying {session.out_trade_no} by QR"
            if session.out_trade_no != replaces:
                return f"{session.out_trade_no} is open: cancel it first"
        return None

    def _new_order(
        self, cart: CartSnapshot, method: TradeType, *, code: str | None = None, masked: str | None = None
    ) -> PaymentSession:
        """Journal the order, its items, the charge event and the create command in one transaction (call with
        the lock held); then start its workers and publish it."""
        if cart.is_empty:
            raise CartError("the cart is empty")
        total = cart.total_fen
        if total <= 0:
            raise CartError("nothing to charge")
        now = self.clock.now()
        day = now.astimezone(CHINA_TZ).date()
        lifetime = CODEPAY_WINDOW if method is TradeType.MICROPAY else self.timeout
        with self.journal.transaction():
            sequence = self.journal.next_sequence(day)
            out_trade_no = make_out_trade_no(self._prefix, day, sequence, self._epoch)
            draft = PaymentSession(
                out_trade_no=out_trade_no,
                amount_fen=total,
                description=cart.description(),
                charged_at=now,
                expires_at=(now + lifetime).replace(microsecond=0),
                method=method,
                payment_code=masked,
                auto_print_slip=self.auto_print_slip and method is TradeType.NATIVE,
                training=self.training,
            )
            charge = Charge(now, masked)
            step = transition(draft, charge)
            self.journal.insert_order(
                {
                    "out_trade_no": out_trade_no,
                    "business_day": day.isoformat(),
                    "sequence": sequence,
                    "store_id": self.store_id,
                    "kiosk_id": self.kiosk_id,
                    "amount_fen": total,
                    "description": draft.description,
                    "charged_at": timestamp(draft.charged_at),
                    "expires_at": timestamp(draft.expires_at),
                    "auto_print_slip": int(draft.auto_print_slip),
                    "training": int(draft.training),
                    **session_columns(step.session),
                },
                [
                    {
                        "sku": line.item.sku,
                        "barcode": line.item.barcode,
                        "name_zh": line.item.name_zh,
                        "name_en": line.item.name_en,
                        "category": line.item.category,
                        "quantity": line.quantity,
                        "unit_price_fen": line.unit_price_fen,
                        "total_fen": line.total_fen,
                    }
                    for line in cart.lines
                ],
            )
            self._record(step, charge, None)
        if code is not None:
            self._codes[out_trade_no] = code
        # Only once the order is durable: workers may call the relay, the UI may show it.
        self._sessions[out_trade_no] = step.session
        self._ensure_workers(out_trade_no)
        self._publish_step(step, "charge", previous=None)
        return step.session

    def cancel(self, out_trade_no: str) -> PaymentSession:
        """The clerk's Cancel: ends an open session at once; the close goes through the relay in the background."""
        return self.apply(out_trade_no, Cancel(self.clock.now())).session

    def requery(self, out_trade_no: str) -> PaymentSession:
        """Ask the relay to query WeChat Pay now (``refresh=1``). Blocking: call from a worker thread."""
        self.session(out_trade_no)  # an unknown order is a SessionError before any request
        try:
            status = self.relay.get_order(out_trade_no, refresh=True)
        except RelayNotFound:
            return self.apply(out_trade_no, RemoteNotFound("requery")).session
        result = self.apply(out_trade_no, remote_status(status, "requery")).session
        self.recheck_abnormal_refunds(out_trade_no)
        return result

    def recheck_abnormal_refunds(self, out_trade_no: str | None = None) -> list[str]:
        """Ask again about ABNORMAL refunds (of one order, or all): they move on only once someone handles them
        in the merchant platform, so nothing follows them on its own. Each question goes through the journal, as
        every refund step; returns the refund numbers asked about."""
        if not self.relay.has_manager_credential:
            return []
        with self._lock:
            abnormal = [r for r in self.journal.refunds(out_trade_no) if r.state == RefundStatus.ABNORMAL]
            return [r.out_refund_no for r in abnormal if self._apply_refund(refund_from_row(r), Recheck(), None)]

    def session(self, out_trade_no: str) -> PaymentSession:
        with self._lock:
            cached = self._sessions.get(out_trade_no)
            if cached is not None:
                return cached
            row = self.journal.order(out_trade_no)
            if row is None:
                raise SessionError(f"no order {out_trade_no!r}")
            return session_from_row(row)

    def wait_for(
        self, out_trade_no: str, predicate: Callable[[PaymentSession], bool], timeout: float
    ) -> PaymentSession:
        """Block until ``predicate(session)`` holds (tests, bench, scripts); TimeoutError otherwise."""
        deadline = threading.Event()

        def expire() -> None:
            deadline.set()
            self._notify()

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            with self._lock:
                while True:
                    session = self.session(out_trade_no)
                    if predicate(session):
                        return session
                    if deadline.is_set():
                        raise TimeoutError(f"{out_trade_no}: still {session.state} after {timeout}s")
                    self._changed.wait(1.0)
        finally:
            timer.cancel()

    def apply(self, out_trade_no: str, event: Event, *, done: tuple[int, str] | None = None) -> Transition:
        """Run one event through the state machine; journal, publish, then schedule the work."""
        with self._lock:
            before = self.session(out_trade_no)
            step = transition(before, event)
            if step.changed or step.commands or done is not None:
                with self.journal.transaction():
                    if step.changed:
                        self.journal.update_order(out_trade_no, session_columns(step.session))
                    self._record(step, event, done)
                self._sessions[out_trade_no] = step.session
                if step.session.state not in (State.CREATING, State.PENDING_CREATION):
                    self._codes.pop(out_trade_no, None)  # the relay has it, or it will never be sent
                self._ensure_workers(out_trade_no)
                self._publish_step(step, _event_kind(event), previous=before.state)
            return step

    def refund(self, out_trade_no: str, amount_fen: int, reason: str) -> RefundRow:
        """Journal a refund (out_refund_no generated and journaled before the request) and request it."""
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise SessionError(f"refund amount must be a positive int of fen, not {amount_fen!r}")
        reason = reason.strip() or "退款"
        if not self.relay.has_manager_credential:
            raise SessionError("refunds need the relay's manager credential ([relay] manager_token)")
        with self._lock:
            with self.journal.transaction():
                session = self.session(out_trade_no)
                if session.state not in PAID_STATES:
                    raise SessionError(f"{out_trade_no} is {session.state}, only paid orders can be refunded")
                existing = self.journal.refunds(out_trade_no)
                left = refundable_fen(session.amount_fen, existing)
                paid = session.payer_total_fen or session.amount_fen
                if amount_fen > left:
                    raise SessionError(
                        f"refund of {amount_fen} fen exceeds what is left ({left} fen"
                        f" of {session.amount_fen}; payer paid {paid})"
                    )
                out_refund_no = f"{out_trade_no}R{len(existing) + 1}"
                row = self.journal.insert_refund(out_refund_no, out_trade_no, amount_fen, reason[:80])
                self.journal.add_command(out_trade_no, "refund", {"out_refund_no": out_refund_no, "phase": "request"})
                self.journal.append_event(
                    out_trade_no,
                    "refund_requested",
                    from_state=session.state.value,
                    to_state=session.state.value,
                    detail={"out_refund_no": out_refund_no, "amount_fen": amount_fen, "reason": reason[:80]},
                )
            self._ensure_workers(out_trade_no)
        self.bus.publish(RefundChanged(out_refund_no, out_trade_no, row.state, amount_fen))
        return row

    def print_slip(self, out_trade_no: str) -> str:
        """Print (or reprint) the QR payment slip now; returns the job key."""
        session = self.session(out_trade_no)
        if session.code_url is None or session.state is not State.AWAITING_PAYMENT:
            raise SessionError(f"{out_trade_no} has no open QR to print ({session.state})")
        return self._submit(session, "slip", reprint=self._submitted(out_trade_no, slip_job_key(out_trade_no)))

    def print_receipt(self, out_trade_no: str) -> str:
        """Print a paid order's receipt now: the original the first time, a marked reprint after that."""
        session = self.session(out_trade_no)
        if not session.is_paid:
            raise SessionError(f"{out_trade_no} is {session.state}: no paid receipt to print")
        return self._submit(session, "receipt", reprint=self._submitted(out_trade_no, receipt_job_key(out_trade_no)))

    def _submitted(self, out_trade_no: str, job_key: str) -> bool:
        return any(
            e.kind == "print_submitted" and e.data.get("job_key") == job_key for e in self.journal.events(out_trade_no)
        )

    # ---- journal + publish -----------------------------------------------------------------

    def _record(self, step: Transition, event: Event, done: tuple[int, str] | None) -> None:
        otn = step.session.out_trade_no
        if step.changed or step.commands:
            detail = _event_detail(event)
            if step.ignored:
                detail["ignored"] = step.ignored
            self.journal.append_event(
                otn,
                _event_kind(event),
                from_state=step.before.state.value,
                to_state=step.session.state.value,
                detail=detail,
            )
        pending = {c.kind for c in self.journal.pending_commands(otn)}
        for command in step.commands:
            match command:
                case CreateRemote():
                    if "create" not in pending:
                        self.journal.add_command(otn, "create")
                case DropCreate():
                    self.journal.drop_commands(otn, "create", "dropped")
                case CloseRemote():
                    if "close" not in pending:
                        self.journal.add_command(otn, "close")
                case PrintReceipt():
                    if self.print_receipts:
                        self.journal.add_command(otn, "print_receipt")
                case PrintSlip():
                    self.journal.add_command(otn, "print_slip")
        if done is not None:
            self.journal.complete_command(*done)

    def _publish_step(self, step: Transition, cause: str, previous: State | None) -> None:
        # Under the manager lock, so subscribers see changes in journal order.
        self.bus.publish(SessionChanged(step.session, previous, cause))
        if step.paid_after_cancel:
            self.bus.publish(PaidAfterCancel(step.session))
        self._changed.notify_all()

    def _notify(self) -> None:
        with self._lock:
            self._changed.notify_all()

    # ---- workers ---------------------------------------------------------------------------

    def _ensure_workers(self, otn: str) -> None:
        """Start whatever worker the order needs (call with the lock held)."""
        if not self._started or self._stopping.is_set():
            return
        session = self._sessions.get(otn)
        if session is None:
            session = self._sessions[otn] = self.session(otn)
        workers = self._workers.setdefault(otn, _Workers())
        if workers.wake is None:
            workers.wake = threading.Event()
        if self._commander_needed(otn, session):
            if workers.commander is None:
                workers.commander = threading.Thread(
                    target=self._command_loop, args=(otn, workers.wake), name=f"order-{otn}:cmd", daemon=True
                )
                workers.commander.start()
            else:
                workers.wake.set()
        if session.needs_watch and workers.watcher is None:
            workers.watcher = threading.Thread(
                target=self._watch_loop, args=(otn, workers.wake), name=f"order-{otn}:watch", daemon=True
            )
            workers.watcher.start()

    def _commander_needed(self, otn: str, session: PaymentSession) -> bool:
        return (session.is_open and session.state is not State.DRAFT) or bool(self.journal.pending_commands(otn))

    def _retire(self, otn: str, role: str) -> None:
        workers = self._workers.get(otn)
        if workers is None:
            return
        if role == "cmd":
            workers.commander = None
        else:
            workers.watcher = None
        if workers.commander is None and workers.watcher is None:
            self._workers.pop(otn, None)
            session = self._sessions.get(otn)
            if session is not None and session.is_final:
                # Nothing will change it any more: the journal is the copy (keeps a long day's memory flat).
                self._sessions.pop(otn, None)

    def _command_loop(self, otn: str, wake: threading.Event) -> None:
        try:
            while not self._stopping.is_set():
                with self._lock:
                    session = self.session(otn)
                    now = self.clock.now()
                    expired = session.is_open and session.state is not State.DRAFT and now >= session.expires_at
                    ask_first = expired and session.is_code_pay and otn not in self._asked_before_expiry
                    if expired and not ask_first:
                        self.apply(otn, Expire(now))
                        continue
                    pending = self.journal.pending_commands(otn)
                    if not pending and not self._commander_needed(otn, session):
                        self._retire(otn, "cmd")
                        return
                    if session.is_open and not session.is_code_pay and now >= session.expires_at - CREATE_MARGIN:
                        # Too late to create (the relay wants time_expire >= 30 s ahead): let it expire.
                        pending = [c for c in pending if c.kind != "create"]
                    due = next((c for c in pending if _due(c, now)), None)
                    wait = self._idle_wait(session, pending, now)
                    wake.clear()
                if ask_first:
                    self._ask_before_expiry(otn)
                elif due is not None:
                    self._execute(due)
                else:
                    self._sleep(wake, wait)
        except Exception as exc:  # never die silently: the order would stall until restart
            if self._stopping.is_set():
                return  # the journal or the client closed under us while stopping
            log.exception("commander for %s failed", otn)
            self.bus.publish(CoreError(f"internal error while working on {otn}: {exc}", otn))
            with self._lock:
                self._retire(otn, "cmd")

    def _ask_before_expiry(self, otn: str) -> None:
        """A payment-code order still open past its window (the kiosk was down, say): the relay may know how it
        ended. Ask once (the relay asks WeChat Pay at once); whatever is still open afterwards expires, and so is
        reversed by the relay."""
        try:
            view = self.relay.get_order(otn, refresh=True)
        except RelayNotFound:
            self.apply(otn, RemoteNotFound("requery"))
        except RelayError as exc:
            log.info("asking about %s before it expires failed: %s", otn, exc)
        else:
            self.apply(otn, remote_status(view, "requery"))
        with self._lock:
            self._asked_before_expiry.add(otn)

    def _idle_wait(self, session: PaymentSession, pending: list[CommandRow], now: datetime) -> float:
        moments: list[datetime] = []
        if session.is_open:
            moments.append(session.expires_at)
        for command in pending:
            at = parse_timestamp(command.next_attempt_at)
            if at is not None:
                moments.append(at)
        if not moments:
            return 1.0
        # Capped at 1 s so that a clock change (tests, NTP) is noticed promptly.
        return min(max((min(moments) - now).total_seconds(), 0.01), 1.0)

    def _retry_later(self, command: CommandRow, error: str) -> None:
        delay = self.backoff.delay(command.attempts)
        self.journal.retry_command(command.id, error, self.clock.now() + timedelta(seconds=delay))

    def _execute(self, command: CommandRow) -> None:
        otn = command.out_trade_no
        session = self.session(otn)
        try:
            match command.kind:
                case "create":
                    self._do_create(command, session)
                case "close":
                    self._do_close(command)
                case "print_receipt" | "print_slip":
                    self._do_print(command, session)
                case "refund":
                    self._do_refund(command)
                case other:
                    self.journal.complete_command(command.id, f"unknown kind {other}")
        except RelayUnavailable as exc:
            self._retry_later(command, str(exc))
            if command.kind == "create":
                self.apply(otn, CreateUnreachable(str(exc)))

    def _do_create(self, command: CommandRow, session: PaymentSession) -> None:
        otn = session.out_trade_no
        if session.state not in (State.CREATING, State.PENDING_CREATION):
            self.journal.complete_command(command.id, f"obsolete in {session.state}")
            return
        if session.is_code_pay:
            self._do_charge(command, session)
            return
        try:
            created = self.relay.create_order(otn, session.description, session.amount_fen, session.expires_at)
        except RelayRejected as exc:
            self.apply(otn, CreateRejected(str(exc)), done=(command.id, "rejected"))
            self.bus.publish(CoreError(f"the relay refused order {otn}: {exc}", otn, ORDER_REFUSED_ERROR))
            return
        if created.code_url is None:  # an order that can no longer be paid: retried until it expires, then closed
            raise RelayUnavailable(f"the relay has no QR code for {otn} ({created.state})")
        self.apply(otn, CreateSucceeded(created.code_url, created.state, created.version), done=(command.id, "created"))

    def _do_charge(self, command: CommandRow, session: PaymentSession) -> None:
        """A payment-code order's create: the relay charges the code (the same request again never charges twice).
        Without the code (the kiosk restarted before the relay answered) it can only ask what the relay has."""
        otn = session.out_trade_no
        code = self._codes.get(otn)
        if code is None:
            try:
                view = self.relay.get_order(otn, refresh=True)
            except RelayNotFound:
                self.apply(otn, RemoteNotFound("create"), done=(command.id, "not_sent"))
                return
            self.apply(otn, remote_status(view, "create"), done=(command.id, "recovered"))
            return
        try:
            view = self.relay.charge_code(otn, session.description, session.amount_fen, code)
        except RelayRejected as exc:
            self.apply(otn, CreateRejected(str(exc)), done=(command.id, "rejected"))
            self.bus.publish(CoreError(f"the relay refused order {otn}: {exc}", otn, ORDER_REFUSED_ERROR))
            return
        self.apply(otn, remote_status(view, "create"), done=(command.id, "charged"))

    def _do_close(self, command: CommandRow) -> None:
        otn = command.out_trade_no
        try:
            status = self.relay.close_order(otn)
        except RelayNotFound:
            self.apply(otn, RemoteNotFound("close"), done=(command.id, "not_found"))
            return
        except RelayRejected as exc:
            # The relay closes expired orders itself; keep asking until it gives a state.
            self._retry_later(command, str(exc))
            return
        answer = remote_status(status, "close")
        if is_payable(status.state):
            # Not closed (the customer is mid-payment, or WeChat Pay refused the close): ask again later, and
            # keep listening meanwhile so that a payment still arrives as paid_after_cancel.
            self.apply(otn, answer)
            self._retry_later(command, f"still {status.state}")
            return
        self.apply(otn, answer, done=(command.id, f"closed:{status.state}"))

    def _do_print(self, command: CommandRow, session: PaymentSession) -> None:
        if command.kind == "print_slip" and session.state is not State.AWAITING_PAYMENT:
            self.journal.complete_command(command.id, f"obsolete in {session.state}")
            return
        try:
            self._submit(session, "slip" if command.kind == "print_slip" else "receipt", reprint=False)
        except Exception as exc:
            log.warning("print submit for %s failed: %s", session.out_trade_no, exc)
            self.bus.publish(CoreError(f"printing failed: {exc}", session.out_trade_no, PRINT_ERROR))
            self._retry_later(command, str(exc))
            return
        self.journal.complete_command(command.id, "submitted")

    def _submit(self, session: PaymentSession, what: str, *, reprint: bool) -> str:
        otn = session.out_trade_no
        key = slip_job_key(otn) if what == "slip" else receipt_job_key(otn)
        if self.printer is None or self.documents is None:
            return key  # no printer configured: nothing to print, nothing to retry
        items = self.journal.order_items(otn)
        if what == "slip":
            document = self.documents.payment_slip(session, items, reprint=reprint)
        else:
            document = self.documents.paid_receipt(session, items, reprint=reprint)
        # A QR slip must never reach a customer once its order is closed: the queue checks at print time.
        self.printer.submit(key, document, reprint=reprint, out_trade_no=otn, while_open=what == "slip")
        self.journal.append_event(
            otn,
            "print_submitted",
            from_state=session.state.value,
            to_state=session.state.value,
            detail={"job_key": key, "reprint": reprint},
        )
        self.bus.publish(PrintSubmitted(otn, key, reprint))
        return key

    def print_refund_slip(self, out_refund_no: str, *, reprint: bool = False) -> str:
        """Print the refund slip for the customer (job key ``{out_refund_no}:refund_slip``)."""
        refund = self.journal.refund(out_refund_no)
        if refund is None:
            raise SessionError(f"no refund {out_refund_no!r}")
        key = f"{out_refund_no}:refund_slip"
        if self.printer is None or self.documents is None:
            return key
        document = self.documents.refund_slip(
            refund, self.session(refund.out_trade_no), self.journal.order_items(refund.out_trade_no)
        )
        self.printer.submit(key, document, reprint=reprint, out_trade_no=refund.out_trade_no)
        self.journal.append_event(refund.out_trade_no, "print_submitted", detail={"job_key": key, "reprint": reprint})
        self.bus.publish(PrintSubmitted(refund.out_trade_no, key, reprint))
        return key

    def _do_refund(self, command: CommandRow) -> None:
        phase = command.data.get("phase")
        row = self.journal.refund(str(command.data["out_refund_no"]))
        if row is None:
            self.journal.complete_command(command.id, "unknown refund")
            return
        refund = refund_from_row(row)
        number, otn = refund.out_refund_no, refund.out_trade_no
        event: RefundEvent
        try:
            if phase == "query":
                view = self.relay.get_refund(number, refresh=True)
            else:
                view = self.relay.create_refund(otn, number, refund.amount_fen, row.reason)
        except RelayRejected as exc:
            event = RefundRefused(str(exc), "query" if phase == "query" else "request")
        else:
            event = RefundAnswered(view.status, view.refund_id, view.success_time)
        with self._lock:
            self._apply_refund(refund, event, command.id)

    def _apply_refund(self, refund: RefundSession, event: RefundEvent, done: int | None) -> bool:
        """Run one refund event through its machine; journal, then publish (call with the lock held). True when
        a question to the relay was queued."""
        step = refund_transition(refund, event)
        number, otn = refund.out_refund_no, refund.out_trade_no
        with self.journal.transaction():
            if step.changed:
                self.journal.update_refund(number, refund_columns(step.refund))
            entry = _refund_event(step, event)
            if entry is not None:
                self.journal.append_event(otn, entry[0], detail={"out_refund_no": number, **entry[1]})
            if done is not None:
                outcome = "rejected" if isinstance(event, RefundRefused) else step.refund.state
                self.journal.complete_command(done, outcome)
            queued = any(
                c.kind == "refund" and c.data.get("out_refund_no") == number for c in self.journal.pending_commands(otn)
            )
            asks = bool(step.commands) and not queued  # one question about a refund at a time
            for command in step.commands if asks else ():
                follow = self.journal.add_command(otn, "refund", {"out_refund_no": number, "phase": "query"})
                if command.later:
                    self.journal.retry_command(follow, "", self.clock.now() + FOLLOW_UP)
        if asks:
            self._ensure_workers(otn)
        if step.changed or done is not None:
            new = step.refund
            self.bus.publish(RefundChanged(number, otn, new.state, new.amount_fen, new.last_error))
        return asks

    def _watch_loop(self, otn: str, wake: threading.Event) -> None:
        attempt = 0
        try:
            while not self._stopping.is_set():
                with self._lock:
                    session = self.session(otn)
                    if not session.needs_watch:
                        self._retire(otn, "watch")
                        return
                try:
                    status = self.relay.get_order(otn, since=session.version, wait=self.wait_seconds)
                except RelayNotFound:
                    self.apply(otn, RemoteNotFound("poll"))
                    if self.session(otn).needs_watch:
                        self._sleep(self._stopping, self.backoff.delay(attempt))
                        attempt += 1
                    continue
                except RelayError as exc:
                    if not isinstance(exc, RelayUnavailable):
                        log.warning("long-poll for %s refused: %s", otn, exc)
                    self._sleep(self._stopping, self.backoff.delay(attempt))
                    attempt += 1
                    continue
                attempt = 0
                # Answers come back at once on a change: apply and re-poll immediately.
                self.apply(otn, remote_status(status, "poll"))
        except Exception as exc:
            if self._stopping.is_set():
                return
            log.exception("watcher for %s failed", otn)
            self.bus.publish(CoreError(f"internal error while watching {otn}: {exc}", otn))
            with self._lock:
                self._retire(otn, "watch")


def refund_from_row(row: RefundRow) -> RefundSession:
    return RefundSession(
        out_refund_no=row.out_refund_no,
        out_trade_no=row.out_trade_no,
        amount_fen=row.amount_fen,
        state=row.state,
        refund_id=row.refund_id,
        success_time=parse_timestamp(row.success_time),
        last_error=row.last_error,
    )


def refund_columns(refund: RefundSession) -> dict[str, Any]:
    return {
        "state": refund.state,
        "refund_id": refund.refund_id,
        "success_time": timestamp(refund.success_time) if refund.success_time else None,
        "last_error": refund.last_error,
    }


def _refund_event(step: RefundTransition, event: RefundEvent) -> tuple[str, dict[str, Any]] | None:
    """The journal's event kind and detail for a refund step worth a line in the order's history."""
    if isinstance(event, RefundRefused) and step.changed:
        if step.refund.state == RefundStatus.FAILED:
            return "refund_failed", {"error": event.error}
        return "refund_query_refused", {"error": event.error}
    if step.state_changed:
        return "refund_status", {"state": step.refund.state}
    return None


def remote_status(view: OrderView, source: Source) -> RemoteStatus:
    """What the relay's answer says about the order, as an event of the payment machine."""
    return RemoteStatus(
        trade_state=view.state,
        version=view.version,
        source=source,
        transaction_id=view.transaction_id,
        success_time=view.success_time,
        payer_total_fen=view.payer_total_fen,
        failure=view.failure,
        unresolved=bool(view.unresolved),
    )


def _due(command: CommandRow, now: datetime) -> bool:
    at = parse_timestamp(command.next_attempt_at)
    return at is None or at <= now
