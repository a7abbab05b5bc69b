"""The relay's core: the rules for orders, notifications, refunds and bills, over storage, the hub and the gateway.

No SQL (``storage``), no HTTP (``app.py`` maps :class:`RequestRefused` to a status code and the error body):
answers are the contract's messages (``kiosk.wire``). Every change to an order bumps its version in storage
and is published to the long-poll hub (as its encoded view) once it is durable.
"""

from __future__ import annotations

import asyncio
import gzip
import heapq
import itertools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from kiosk.clock import CHINA_TZ, Clock
from kiosk.trade import CodePayFailure, RefundStatus, TradeState, TradeType, is_payable, refund_is_final
from kiosk.wire import (
    OUT_REFUND_NO,
    OUT_TRADE_NO,
    ErrorCode,
    OrderCreate,
    OrderRequest,
    OrderView,
    RefundCreate,
    RefundView,
    decode,
    encode,
    store_prefix,
)

from . import bills
from .config import AUTO, Kiosk, RelayConfig, Store
from .gateway import (
    Bill,
    Gateway,
    GatewayError,
    NewOrder,
    NewRefund,
    Notice,
    PaymentNotice,
    RefundNotice,
    RefundReport,
    TradeReport,
)
from .hub import Snapshot, VersionHub
from .storage import Inserted, OrderChange, OrderDraft, OrderRecord, RefundDraft, RefundRecord, RelayStorage

if TYPE_CHECKING:
    from .codepay import CodePayFlows

log = logging.getLogger("kiosk.relay")

MAX_WAIT = 30.0
#: code_url lives 2 hours at WeChat Pay; re-place the order a little before that.
CODE_URL_REFRESH = timedelta(minutes=110)
#: WeChat Pay wants time_expire a little ahead; the relay asks for 30 s.
MIN_EXPIRE_LEAD = timedelta(seconds=30)
#: A refresh (``refresh=1``) waits at most this long for its turn and WeChat Pay's answer: the kiosk waits 5 s.
REFRESH_DEADLINE = 4.0
#: A refresh finds an order queried this recently fresh enough, and asks nothing.
REFRESH_FRESH = 1.0
#: How many orders' latest query times are kept (for REFRESH_FRESH).
QUERIED_KEPT = 10_000


class RequestRefused(Exception):
    """The relay refuses a kiosk's request: answered as the contract's error body (``kiosk.wire.ErrorAnswer``)."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: The optional fields of ``kiosk.wire.ErrorDetail`` (field, retryable, retry_after, wechatpay_code, refund).
        self.details = details


def not_found(what: str = "order") -> RequestRefused:
    return RequestRefused(ErrorCode.NOT_FOUND, f"no such {what}")


#: The numbers a kiosk names, by the field that carries them.
NumberField = Literal["out_trade_no", "out_refund_no"]
_NUMBER_FORMS: dict[NumberField, re.Pattern[str]] = {"out_trade_no": OUT_TRADE_NO, "out_refund_no": OUT_REFUND_NO}


def store_number(kiosk: Kiosk, number: str, field: NumberField) -> bool:
    """Whether ``number`` (an order's or a refund's, by ``field``) can be one of the kiosk's store's: of the field's
    form and under the store's prefix (``kiosk.wire.store_prefix``). Decided before anything is looked up, so that
    another store's number is answered exactly like any other that is not this store's, and tells nothing of
    whether it exists."""
    return bool(_NUMBER_FORMS[field].fullmatch(number)) and number.startswith(store_prefix(kiosk.store))


def refused_for_good(exc: GatewayError) -> bool:
    """WeChat Pay answered 4xx to placing an order and asking again cannot help (PARAM_ERROR, NO_AUTH, …).
    OUT_TRADE_NO_USED is not: WeChat Pay holds an order of that number, which someone may pay."""
    return (
        exc.status is not None
        and 400 <= exc.status < 500
        and not exc.retryable
        and exc.code not in ("OUT_TRADE_NO_USED", "ORDER_CLOSED", "ORDERPAID")
    )


def rejected(order: OrderRecord) -> RequestRefused:
    """The answer for an order WeChat Pay refused: its code and reason, not to be sent again."""
    message = order.trade_state_desc or "WeChat Pay refused the order"
    return RequestRefused(ErrorCode.WECHATPAY_ERROR, message, wechatpay_code=order.error_code, retryable=False)


def gateway_failure(exc: GatewayError) -> RequestRefused:
    if exc.code == "TRANSPORT":
        return RequestRefused(ErrorCode.WECHATPAY_UNAVAILABLE, "WeChat Pay could not be reached; retry", retryable=True)
    return RequestRefused(ErrorCode.WECHATPAY_ERROR, exc.message, wechatpay_code=exc.code, retryable=exc.retryable)


def order_view(order: OrderRecord) -> OrderView:
    return OrderView(
        out_trade_no=order.out_trade_no,
        store_id=order.store_id,
        trade_type=order.trade_type,
        state=TradeState(order.state),
        version=order.version,
        amount_fen=order.amount_fen,
        description=order.description,
        expires_at=order.time_expire,
        refunded_fen=order.refunded_fen,
        created_at=order.created_at,
        updated_at=order.updated_at,
        code_url=order.code_url,
        trade_state_desc=order.trade_state_desc,
        transaction_id=order.transaction_id,
        success_time=order.success_time,
        payer_total_fen=order.payer_total_fen,
        attach=order.attach,
        items=order.items,
        failure=CodePayFailure(order.failure) if order.failure else None,
        unresolved=True if order.unresolved else None,
    )


def refund_view(refund: RefundRecord) -> RefundView:
    return RefundView(
        out_refund_no=refund.out_refund_no,
        out_trade_no=refund.out_trade_no,
        store_id=refund.store_id,
        amount_fen=refund.amount_fen,
        total_fen=refund.total_fen,
        status=RefundStatus(refund.status),
        version=refund.version,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
        reason=refund.reason,
        refund_id=refund.refund_id,
        success_time=refund.success_time,
        error_code=refund.error_code,
        error_message=refund.error_message,
    )


class Priority(IntEnum):
    """Which waiting call to WeChat Pay the pacer lets go first (the lowest); equals go in the order they asked."""

    #: Reversing a payment-code order: past its deadline, refused, or cancelled by a clerk who waits for it, and
    #: before WeChat Pay's own reverse at 45 s. Never starved by queries.
    REVERSE = 0
    #: A payment-code order's query: a customer at the counter is typing a password.
    CODEPAY = 1
    #: The reconciler's queries, closes and refund follow-ups; kiosks' refreshes.
    ROUTINE = 2


class QueryPacer:
    """Spaces the relay's own calls to WeChat Pay (queries, closes, refund follow-ups, kiosks' refreshes, the
    payment-code flows' queries and reverses) to ``per_second`` in all: WeChat Pay rate-limits them, and a burst
    of refreshes must not use up what the active queries need. Calls that must wait go by :class:`Priority`."""

    def __init__(self, per_second: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self.monotonic = monotonic
        self._next = 0.0  # the earliest time of the next turn
        self._waiting: list[tuple[Priority, int, asyncio.Future[None]]] = []
        self._asked = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        #: How many turns were given (every one is a call to WeChat Pay).
        self.turns = 0

    async def turn(self, priority: Priority = Priority.ROUTINE) -> None:
        """Returns when this call may go. A caller cancelled while it waits gives its place up."""
        now = self.monotonic()
        if not self._waiting and now >= self._next:
            self._give(now)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._asked), waiter))
        self._arm()
        await waiter

    def _give(self, now: float) -> None:
        self._next = max(now, self._next) + self.interval
        self.turns += 1

    def _arm(self) -> None:
        if self._timer is None and self._waiting:
            delay = max(0.0, self._next - self.monotonic())
            self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():  # not given up on
                self._give(self.monotonic())
                waiter.set_result(None)
                break
        self._arm()


def order_draft(
    kiosk: Kiosk, request: OrderRequest, trade_type: TradeType, *, time_expire: datetime, at: datetime
) -> OrderDraft:
    """The order a kiosk's request asks for, as storage takes it."""
    return OrderDraft(
        out_trade_no=request.out_trade_no,
        store_id=kiosk.store,
        kiosk_id=kiosk.id,
        trade_type=trade_type,
        amount_fen=request.amount_fen,
        description=request.description,
        attach=request.attach,
        items=request.items,
        time_expire=time_expire,
        at=at,
    )


def same_order(order: OrderRecord, draft: OrderDraft) -> bool:
    """A request for a number already stored asks for that order again (idempotent), or for another one
    (:func:`number_used`)."""
    stored = (order.store_id, order.trade_type, order.amount_fen, order.description, order.attach)
    return stored == (draft.store_id, draft.trade_type, draft.amount_fen, draft.description, draft.attach)


def number_used() -> RequestRefused:
    return RequestRefused(ErrorCode.OUT_TRADE_NO_USED, "this out_trade_no was used with different parameters")


class Relay:
    def __init__(
        self,
        config: RelayConfig,
        gateway: Gateway,
        storage: RelayStorage,
        clock: Clock,
        hub: VersionHub | None = None,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.storage = storage
        self.clock = clock
        self.hub = hub or VersionHub()
        #: Set once the server is bound, for ``notify_url = "auto"``.
        self.base_url: str | None = None
        #: Called with the number of an order or refund that needs the reconciler's attention.
        self.on_open_order: Callable[[str], None] = lambda out_trade_no: None
        self.on_pending_refund: Callable[[str], None] = lambda out_refund_no: None
        #: Called with the number of a payable Native order a kiosk starts to wait on (the reconciler queries it
        #: soon). Never for a payment-code order: its own flow (``codepay.py``) queries it.
        self.on_kiosk_waiting: Callable[[str], None] = lambda out_trade_no: None
        #: The payment-code flows (``codepay.py``): a kiosk's Cancel of such an order becomes their reverse.
        self.codepay: CodePayFlows | None = None
        self.pacer = QueryPacer(config.orders.queries_per_second)
        self._refreshing: dict[str, asyncio.Task[OrderChange | None]] = {}
        #: Bill answers as sent: built once, kept encoded (``kiosk.relay.bills``).
        self.bill_bodies = bills.Bodies()
        self._queried: OrderedDict[str, float] = OrderedDict()

    # -- helpers

    def now(self) -> datetime:
        return self.clock.now()

    def store(self, store_id: str) -> Store:
        return self.config.stores[store_id]

    def notify_url(self, fallback_base: str | None = None) -> str:
        configured = self.config.wechatpay.notify_url
        if configured != AUTO:
            return configured
        base = self.base_url
        if base is None or urlsplit(base).hostname in ("0.0.0.0", "::"):
            # Bound to every interface: the address the request came in on is the reachable one.
            base = fallback_base or base
        if base is None:
            raise RequestRefused(ErrorCode.NOT_READY, "the relay does not know its own address yet")
        return base.rstrip("/") + "/wechatpay/notify"

    def publish(self, order: OrderRecord) -> OrderView:
        view = order_view(order)
        self.hub.publish(order.out_trade_no, encode(view))
        return view

    async def apply_report(self, report: TradeReport, source: str) -> OrderChange:
        change = await self.storage.advance_order(
            report, at=self.now(), source=source, mismatch=self._identity_check(report)
        )
        if change.outcome == "applied" and change.order is not None:
            self.publish(change.order)
            log.info("order %s -> %s (%s)", report.out_trade_no, report.trade_state, source)
        return change

    def _identity_check(self, report: TradeReport) -> Callable[[OrderRecord], str]:
        settings = self.config.wechatpay
        stores = self.config.stores

        def check(order: OrderRecord) -> str:
            if report.mchid is not None and report.mchid != settings.signing_mchid:
                return f"mchid {report.mchid}"
            if settings.partner and report.sub_mchid is not None:
                owner = stores.get(order.store_id)
                if owner is not None and owner.sub_mchid != report.sub_mchid:
                    return f"sub_mchid {report.sub_mchid}"
            return ""

        return check

    async def _snapshot(self, out_trade_no: str) -> Snapshot | None:
        """The order's encoded view as the hub keeps it (loaded from storage on a miss)."""
        snapshot = self.hub.get(out_trade_no)
        if snapshot is None:
            order = await self.storage.order(out_trade_no)
            if order is None:
                return None
            snapshot = self.hub.prime(out_trade_no, encode(order_view(order)))
        return snapshot

    async def _owned_snapshot(self, kiosk: Kiosk, out_trade_no: str) -> Snapshot:
        ours = store_number(kiosk, out_trade_no, "out_trade_no")
        snapshot = await self._snapshot(out_trade_no) if ours else None
        if snapshot is None or snapshot["store_id"] != kiosk.store:
            raise not_found()
        return snapshot

    async def reload(self, out_trade_no: str) -> None:
        """Publish the order as stored (another relay instance may have changed it)."""
        order = await self.storage.order(out_trade_no)
        if order is not None:
            self.publish(order)

    @staticmethod
    def new_number(kiosk: Kiosk, number: str, field: NumberField) -> None:
        """A number the kiosk gives something new must be its store's (:func:`store_number`)."""
        if not store_number(kiosk, number, field):
            prefix = store_prefix(kiosk.store)
            raise RequestRefused(
                ErrorCode.INVALID_REQUEST, f"{field} must begin with this store's prefix {prefix!r}", field=field
            )

    async def load_order(self, out_trade_no: str) -> OrderView | None:
        snapshot = await self._snapshot(out_trade_no)
        return decode(OrderView, snapshot) if snapshot is not None else None

    async def order_for(self, kiosk: Kiosk, out_trade_no: str) -> OrderView:
        """The order if it belongs to the kiosk's store; any other is not found, exactly like an unknown one."""
        return decode(OrderView, await self._owned_snapshot(kiosk, out_trade_no))

    # -- orders

    async def create_order(self, kiosk: Kiosk, request: OrderCreate, *, fallback_base: str | None = None) -> OrderView:
        self.new_number(kiosk, request.out_trade_no, "out_trade_no")
        now = self.now()
        time_expire = request.time_expire or now + timedelta(seconds=self.config.orders.default_expire_seconds)
        if await self.storage.order(request.out_trade_no) is None:
            # A new order only: a retry of one already stored is answered as it stands, however late it comes.
            self._check_expiry(time_expire, now)
        notify_url = self.notify_url(fallback_base)
        draft = order_draft(kiosk, request, TradeType.NATIVE, time_expire=time_expire, at=now)
        inserted, order = await self.storage.insert_order(draft)
        if inserted is Inserted.EXISTS and not same_order(order, draft):
            raise number_used()
        if order.error_code is not None:
            raise rejected(order)  # WeChat Pay refused it before: the same answer, never a second try
        view = decode(OrderView, self.hub.prime(order.out_trade_no, encode(order_view(order))))
        if not is_payable(view.state):
            return view
        if order.code_url and order.code_url_at and order.code_url_at + CODE_URL_REFRESH > now:
            return view
        try:
            code_url = await self.gateway.create_order(
                self.store(order.store_id),
                NewOrder(
                    out_trade_no=order.out_trade_no,
                    description=order.description,
                    amount_fen=order.amount_fen,
                    notify_url=notify_url,
                    time_expire=order.time_expire,
                    attach=order.attach,
                ),
            )
        except GatewayError as exc:
            if refused_for_good(exc) and order.code_url is None:
                # WeChat Pay never took it, so nobody can pay it: closed with the reason, never queried.
                refused = await self.storage.reject_order(order.out_trade_no, exc.code, exc.message, at=self.now())
                self.publish(refused)
                if refused.error_code is not None:  # else it moved on meanwhile (a concurrent retry got a QR code)
                    log.warning("WeChat Pay refused order %s: %s %s", order.out_trade_no, exc.code, exc.message)
                    raise rejected(refused) from None
            self.on_open_order(order.out_trade_no)  # the call may have landed: let the reconciler look
            if exc.code == "ORDER_CLOSED":
                await self.apply_report(TradeReport(order.out_trade_no, TradeState.CLOSED), "create")
                return await self._fresh(order.out_trade_no)
            if exc.code == "ORDERPAID":
                await self.refresh(order.out_trade_no)
                return await self._fresh(order.out_trade_no)
            raise gateway_failure(exc) from None
        view = self.publish(await self.storage.set_code_url(order.out_trade_no, code_url, self.now()))
        self.on_open_order(order.out_trade_no)
        return view

    def _check_expiry(self, time_expire: datetime, now: datetime) -> None:
        """A ``time_expire`` WeChat Pay would refuse, or one that would keep a QR code payable for hours."""
        latest = self.config.orders.max_expire_seconds
        problem = None
        if time_expire <= now:
            problem = "time_expire is in the past"
        elif time_expire < now + MIN_EXPIRE_LEAD:
            problem = f"time_expire must be at least {MIN_EXPIRE_LEAD.seconds} seconds ahead"
        elif time_expire > now + timedelta(seconds=latest):
            problem = f"time_expire must be at most {latest} seconds ahead"
        if problem is not None:
            raise RequestRefused(ErrorCode.INVALID_REQUEST, problem, field="time_expire")

    async def _fresh(self, out_trade_no: str) -> OrderView:
        order = await self.storage.order(out_trade_no)
        if order is None:
            raise not_found()
        return self.publish(order)

    async def watch_order(
        self, kiosk: Kiosk, out_trade_no: str, *, since: int | None, wait: float, refresh: bool
    ) -> Snapshot:
        """The long-poll: the order's view, encoded (the hub keeps it so, and the answer needs nothing more)."""
        snapshot = await self._owned_snapshot(kiosk, out_trade_no)
        if refresh and is_payable(snapshot["state"]):
            try:
                await asyncio.wait_for(self.refresh(out_trade_no, fresh_within=REFRESH_FRESH), REFRESH_DEADLINE)
            except (TimeoutError, GatewayError) as exc:
                log.info("refresh of %s failed: %s", out_trade_no, exc)
            snapshot = await self._owned_snapshot(kiosk, out_trade_no)
        # A ``since`` ahead of the relay (storage restored from a backup) answers at once, as Consul resets
        # an index that went backwards: the kiosk must resynchronise, not wait.
        if since is None or snapshot["version"] != since or wait <= 0:
            return snapshot
        if snapshot["trade_type"] == TradeType.NATIVE and is_payable(snapshot["state"]):
            self.on_kiosk_waiting(out_trade_no)
        waited = await self.hub.wait_newer(out_trade_no, since, min(wait, MAX_WAIT))
        return waited if waited is not None else snapshot

    async def refresh(self, out_trade_no: str, *, fresh_within: float = 0.0) -> OrderChange | None:
        """Query WeChat Pay for one order and apply what it says (the active query), in its turn (:attr:`pacer`).

        One query per order at a time: whoever asks while it runs shares its outcome, and a caller that gives up
        (a deadline, a kiosk hanging up) leaves it running for the others. An order queried less than
        ``fresh_within`` seconds ago is not asked about again (None)."""
        queried = self._queried.get(out_trade_no)
        if queried is not None and time.monotonic() - queried < fresh_within:
            return None
        task = self._refreshing.get(out_trade_no)
        if task is None:
            task = asyncio.create_task(self._query(out_trade_no), name=f"relay-query-{out_trade_no}")
            self._refreshing[out_trade_no] = task
            task.add_done_callback(lambda done: self._query_done(out_trade_no, done))
        return await asyncio.shield(task)

    async def _query(self, out_trade_no: str) -> OrderChange | None:
        view = await self.load_order(out_trade_no)
        if view is None:
            return None
        await self.pacer.turn()
        try:
            report = await self.gateway.query_order(self.store(view.store_id), out_trade_no)
        finally:
            self._queried[out_trade_no] = time.monotonic()
            self._queried.move_to_end(out_trade_no)
            if len(self._queried) > QUERIED_KEPT:
                self._queried.popitem(last=False)
        return await self.apply_report(report, "query")

    def _query_done(self, out_trade_no: str, task: asyncio.Task[OrderChange | None]) -> None:
        self._refreshing.pop(out_trade_no, None)
        if not task.cancelled():
            task.exception()  # retrieved: every caller may have given up before it ended

    async def close_order(self, kiosk: Kiosk, out_trade_no: str) -> OrderView:
        view = await self.order_for(kiosk, out_trade_no)
        if not is_payable(view.state):
            return view  # paid, refunded or already closed: answer the state, not an error
        if view.trade_type is TradeType.MICROPAY and self.codepay is not None:
            # WeChat Pay refuses to close these: its flow reverses it, no sooner than the reference allows.
            await self.codepay.cancel(out_trade_no)
        else:
            await self.close_at_wechat(out_trade_no, reason="kiosk")
        return await self.order_for(kiosk, out_trade_no)

    async def close_at_wechat(self, out_trade_no: str, *, reason: str) -> None:
        view = await self.load_order(out_trade_no)
        if view is None or not is_payable(view.state):
            return
        closed = TradeReport(out_trade_no, TradeState.CLOSED, "订单已关闭")
        try:
            await self.gateway.close_order(self.store(view.store_id), out_trade_no)
        except GatewayError as exc:
            if exc.not_found:
                # WeChat never saw the order (placing it failed): nobody can pay it.
                await self.apply_report(closed, f"close:{reason}")
                return
            if exc.code == "TRANSPORT" or exc.retryable:
                raise gateway_failure(exc) from None
            # ORDERPAID and friends: ask what happened instead of guessing.
            await self.refresh(out_trade_no)
            return
        await self.apply_report(closed, f"close:{reason}")

    # -- notifications

    async def handle_notification(self, notice: Notice) -> str:
        """Record the notification id and apply its change in one transaction; returns the outcome."""
        now = self.now()
        if isinstance(notice, PaymentNotice):
            report = notice.trade
            change = await self.storage.record_payment_notification(
                notice.id, notice.event_type, report, at=now, mismatch=self._identity_check(report)
            )
            if change.outcome == "applied" and change.order is not None:
                self.publish(change.order)
                log.info("order %s -> %s (notification)", report.out_trade_no, report.trade_state)
            return change.outcome
        if isinstance(notice, RefundNotice):
            refund_change = await self.storage.record_refund_notification(
                notice.id, notice.event_type, notice.refund, at=now
            )
            if refund_change.order is not None:
                self.publish(refund_change.order)
            return refund_change.outcome
        return await self.storage.record_other_notification(notice.id, notice.event_type, at=now)

    # -- refunds

    async def create_refund(self, kiosk: Kiosk, out_trade_no: str, request: RefundCreate) -> RefundView:
        self.require_manager(kiosk)
        order = await self.order_for(kiosk, out_trade_no)
        self.new_number(kiosk, request.out_refund_no, "out_refund_no")
        draft = RefundDraft(
            out_refund_no=request.out_refund_no,
            out_trade_no=out_trade_no,
            store_id=kiosk.store,
            kiosk_id=kiosk.id,
            amount_fen=request.amount_fen,
            reason=request.reason or None,
            at=self.now(),
        )
        inserted, refund = await self.storage.insert_refund(draft)
        if inserted is Inserted.ORDER_NOT_PAID:
            raise RequestRefused(ErrorCode.ORDER_NOT_PAID, f"order is {order.state}, only paid orders can be refunded")
        if inserted is Inserted.EXCEEDS_AMOUNT:
            raise RequestRefused(ErrorCode.REFUND_EXCEEDS_AMOUNT, "the refunds would exceed the amount paid")
        assert refund is not None
        if inserted is Inserted.EXISTS and (refund.out_trade_no, refund.amount_fen, refund.store_id) != (
            out_trade_no,
            request.amount_fen,
            kiosk.store,
        ):
            raise RequestRefused(ErrorCode.OUT_REFUND_NO_USED, "this out_refund_no was used with different parameters")
        if refund.status != RefundStatus.PENDING:
            return refund_view(refund)
        return await self.submit_refund(refund)

    async def submit_refund(self, refund: RefundRecord) -> RefundView:
        """Send a stored PENDING refund to WeChat Pay (again: the same out_refund_no refunds once)."""
        notify_url = self.notify_url() if (self.base_url or self.config.wechatpay.notify_url != AUTO) else None
        try:
            report = await self.gateway.create_refund(
                self.store(refund.store_id),
                NewRefund(
                    out_refund_no=refund.out_refund_no,
                    out_trade_no=refund.out_trade_no,
                    amount_fen=refund.amount_fen,
                    total_fen=refund.total_fen,
                    reason=refund.reason,
                    notify_url=notify_url,
                ),
            )
        except GatewayError as exc:
            if exc.code == "TRANSPORT" or exc.retryable:
                self.on_pending_refund(refund.out_refund_no)
                raise gateway_failure(exc) from None
            failed = await self.storage.refuse_refund(refund.out_refund_no, exc.code, exc.message, at=self.now())
            raise RequestRefused(
                ErrorCode.REFUND_REJECTED, exc.message, wechatpay_code=exc.code, refund=refund_view(failed)
            ) from None
        return await self._apply_refund(report, "create")

    async def _apply_refund(self, report: RefundReport, source: str) -> RefundView:
        change = await self.storage.advance_refund(report, at=self.now(), source=source)
        if change.order is not None:
            self.publish(change.order)
        refund = change.refund
        assert refund is not None  # the refund was stored before WeChat Pay heard of it
        if not refund_is_final(refund.status):
            self.on_pending_refund(refund.out_refund_no)
        return refund_view(refund)

    async def refresh_refund(self, out_refund_no: str) -> RefundView | None:
        refund = await self.storage.refund(out_refund_no)
        if refund is None:
            return None
        if refund.status == RefundStatus.PENDING:
            return await self.submit_refund(refund)
        if refund_is_final(refund.status):
            return refund_view(refund)
        report = await self.gateway.query_refund(self.store(refund.store_id), out_refund_no)
        return await self._apply_refund(report, "query")

    async def get_refund(self, kiosk: Kiosk, out_refund_no: str, *, refresh: bool = False) -> RefundView:
        self.require_manager(kiosk)
        ours = store_number(kiosk, out_refund_no, "out_refund_no")
        refund = await self.storage.refund(out_refund_no) if ours else None
        if refund is None or refund.store_id != kiosk.store:
            raise not_found("refund")
        if refresh and not refund_is_final(refund.status):
            try:
                view = await self.refresh_refund(out_refund_no)
            except (GatewayError, RequestRefused) as exc:
                log.info("refresh of refund %s failed: %s", out_refund_no, exc)
            else:
                if view is not None:
                    return view
        return refund_view(refund)

    @staticmethod
    def require_manager(kiosk: Kiosk) -> None:
        if kiosk.role != "manager":
            raise RequestRefused(ErrorCode.FORBIDDEN, "refunds need a manager credential")

    # -- bills

    async def bill(self, kiosk: Kiosk, bill_date: date, *, compressed: bool = True) -> bytes:
        """The store's bill answer of ``bill_date``, encoded (``kiosk.relay.bills``): gzip-compressed, or not."""
        # Only clearly impossible dates are refused here; "today" and "not generated yet" are WeChat Pay's
        # to say (its business day may differ from ours, e.g. the sandbox's shifted clock).
        today = self.now().astimezone(CHINA_TZ).date()
        if bill_date > today:
            raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, "bills exist only for past days")
        if bill_date < today - timedelta(days=92):
            raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, "WeChat Pay keeps bills for 3 months only")
        store = self.store(kiosk.store)
        key = (store.id, bill_date)
        body = await self.bill_bodies.get(key, lambda: self._bill_body(store, bill_date))
        if compressed:
            return body
        return await self.bill_bodies.get((*key, "plain"), lambda: self._plain(body))

    async def _bill_body(self, store: Store, bill_date: date) -> tuple[bytes, bytes]:
        cached = await self.storage.cached_bill(store.id, bill_date, "ALL")
        if cached is not None:
            return cached, cached
        bill = await self._download_bill(store, bill_date)
        owners = None
        if not self.config.wechatpay.partner and len(self.config.stores) > 1:
            # One merchant bill for every store: each store's answer keeps only its own rows.
            owners = await self.storage.stores_of(bill.values[bill.columns.index("out_trade_no")])
        stores = list(self.config.stores) if owners is not None else [store.id]
        built = await asyncio.to_thread(bills.build, bill, bill_date, store.id, owners, stores)
        await self.storage.cache_bills(bill_date, "ALL", built.kept, at=self.now())
        return built.served, built.kept[store.id]

    @staticmethod
    async def _plain(body: bytes) -> tuple[bytes, bytes]:
        plain = await asyncio.to_thread(gzip.decompress, body)
        return plain, plain

    async def _download_bill(self, store: Store, bill_date: date) -> Bill:
        try:
            return await self.gateway.trade_bill(store, bill_date)
        except GatewayError as exc:
            if exc.code == "NO_STATEMENT_EXIST":
                raise RequestRefused(
                    ErrorCode.NO_STATEMENT, "WeChat Pay has no bill for this day (no trades)"
                ) from None
            if exc.code == "STATEMENT_CREATING":
                raise RequestRefused(
                    ErrorCode.BILL_NOT_AVAILABLE, "WeChat Pay is still generating this bill", retry_after=1800
                ) from None
            if exc.code in ("INVALID_REQUEST", "PARAM_ERROR"):
                raise RequestRefused(ErrorCode.BILL_NOT_AVAILABLE, exc.message, wechatpay_code=exc.code) from None
            if exc.code == "HASH_MISMATCH":
                raise RequestRefused(
                    ErrorCode.BILL_HASH_MISMATCH, "the downloaded bill failed its hash check"
                ) from None
            raise gateway_failure(exc) from None


__all__ = ["Priority", "QueryPacer", "Relay", "RequestRefused", "order_view", "refund_view"]
