"""The relay's core: orders, notifications, refunds and bills over storage, the hub and the gateway.

HTTP-free: the ASGI layer (``app.py``) turns requests into calls here and ``RelayError`` into JSON. All
SQL runs in jobs on the storage threads; every change to an order bumps its version and is published to
the long-poll hub after it is durable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from kiosk.clock import CHINA_TZ, Clock, parse_rfc3339, rfc3339
from kiosk.trade import PAID, REFUND_RELEASED, RefundStatus, TradeState, is_payable, refund_is_final
from kiosk.wechatpay.bills import BillRow

from .config import AUTO, Kiosk, RelayConfig, Store
from .db import Database, StorageError
from .gateway import (
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
from .records import (
    Applied,
    apply_refund,
    apply_trade,
    claim_notification,
    order_row,
    order_view,
    record_event,
    refund_view,
    settle_notification,
)

log = logging.getLogger("kiosk.relay")

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
MAX_WAIT = 30.0
#: code_url lives 2 hours at WeChat Pay; re-place the order a little before that.
CODE_URL_REFRESH = timedelta(minutes=110)
#: The bill answer's ``columns``: every row is an array of these values (BillRow's fields, in its order).
BILL_COLUMNS = tuple(f.name for f in dataclasses.fields(BillRow))


class RelayError(Exception):
    """An error answered to a kiosk as ``{"error": {"code", "message", ...}}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def not_found(what: str = "order") -> RelayError:
    return RelayError(404, "not_found", f"no such {what}")


def gateway_failure(exc: GatewayError) -> RelayError:
    if exc.code == "TRANSPORT":
        return RelayError(503, "wechatpay_unavailable", "WeChat Pay could not be reached; retry", retryable=True)
    return RelayError(502, "wechatpay_error", exc.message, wechatpay_code=exc.code, retryable=exc.retryable)


# -- the service ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRequest:
    out_trade_no: str
    description: str
    amount_fen: int
    time_expire: datetime | None
    attach: str | None
    items: Any


@dataclass(frozen=True)
class RefundRequest:
    out_refund_no: str
    amount_fen: int
    reason: str | None


class Relay:
    def __init__(
        self,
        config: RelayConfig,
        gateway: Gateway,
        database: Database,
        clock: Clock,
        hub: VersionHub | None = None,
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.db = database
        self.clock = clock
        self.hub = hub or VersionHub()
        #: Set once the server is bound, for ``notify_url = "auto"``.
        self.base_url: str | None = None
        #: Called with (out_trade_no, reason) when an order needs the reconciler's attention.
        self.on_open_order: Callable[[str], None] = lambda out_trade_no: None
        self.on_pending_refund: Callable[[str], None] = lambda out_refund_no: None

    # -- helpers

    def now(self) -> datetime:
        return self.clock.now()

    def stamp(self) -> str:
        return rfc3339(self.clock.now())

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
            raise RelayError(503, "not_ready", "the relay does not know its own address yet")
        return base.rstrip("/") + "/wechatpay/notify"

    async def _apply(self, status: TradeReport, source: str) -> Applied:
        now = self.stamp()
        expect = self._identity_check(status)
        applied = await self.db.write(lambda c: apply_trade(c, status, now=now, source=source, expect=expect))
        if applied.outcome == "applied" and applied.view is not None:
            self.hub.publish(status.out_trade_no, applied.view)
            log.info("order %s -> %s (%s)", status.out_trade_no, status.trade_state, source)
        return applied

    def _identity_check(self, status: TradeReport) -> Callable[[sqlite3.Row], str]:
        settings = self.config.wechatpay
        stores = self.config.stores

        def check(row: sqlite3.Row) -> str:
            if status.mchid is not None and status.mchid != settings.signing_mchid:
                return f"mchid {status.mchid}"
            if settings.partner and status.sub_mchid is not None:
                owner = stores.get(row["store_id"])
                if owner is not None and owner.sub_mchid != status.sub_mchid:
                    return f"sub_mchid {status.sub_mchid}"
            return ""

        return check

    async def load_order(self, out_trade_no: str) -> Snapshot | None:
        snapshot = self.hub.get(out_trade_no)
        if snapshot is not None:
            return snapshot
        row = await self.db.read(lambda c: order_row(c, out_trade_no))
        if row is None:
            return None
        return self.hub.prime(out_trade_no, order_view(row))

    async def order_for(self, kiosk: Kiosk, out_trade_no: str) -> Snapshot:
        snapshot = await self.load_order(out_trade_no) if OUT_TRADE_NO.fullmatch(out_trade_no) else None
        if snapshot is None or snapshot["store_id"] != kiosk.store:
            raise not_found()
        return snapshot

    # -- orders

    async def create_order(self, kiosk: Kiosk, request: OrderRequest, *, fallback_base: str | None = None) -> Snapshot:
        now = self.now()
        time_expire = request.time_expire or now + timedelta(seconds=self.config.orders.default_expire_seconds)
        if time_expire <= now + timedelta(seconds=30):
            raise RelayError(400, "invalid_request", "time_expire must be at least 30 seconds in the future")
        notify_url = self.notify_url(fallback_base)
        stamp = rfc3339(now)
        items = json.dumps(request.items, ensure_ascii=False) if request.items is not None else None

        def insert(connection: sqlite3.Connection) -> tuple[str, sqlite3.Row]:
            row = order_row(connection, request.out_trade_no)
            if row is not None:
                same = (
                    row["store_id"] == kiosk.store
                    and row["amount_fen"] == request.amount_fen
                    and row["description"] == request.description
                    and row["attach"] == request.attach
                )
                return ("existing" if same else "conflict"), row
            connection.execute(
                """INSERT INTO orders (out_trade_no, store_id, kiosk_id, amount_fen, description, attach, items,
                       time_expire, state, version, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
                (
                    request.out_trade_no,
                    kiosk.store,
                    kiosk.id,
                    request.amount_fen,
                    request.description,
                    request.attach,
                    items,
                    rfc3339(time_expire),
                    TradeState.NOTPAY,
                    stamp,
                    stamp,
                ),
            )
            record_event(
                connection,
                stamp,
                "created",
                request.out_trade_no,
                {"kiosk": kiosk.id, "amount_fen": request.amount_fen},
            )
            created = order_row(connection, request.out_trade_no)
            assert created is not None
            return "created", created

        outcome, row = await self.db.write(insert)
        if outcome == "conflict":
            raise RelayError(409, "out_trade_no_used", "this out_trade_no was used with different parameters")
        view = self.hub.prime(request.out_trade_no, order_view(row))
        if not is_payable(view["state"]):
            return view
        code_url_at = row["code_url_at"]
        if view.get("code_url") and code_url_at and parse_rfc3339(code_url_at) + CODE_URL_REFRESH > now:
            return view
        store = self.store(kiosk.store)
        try:
            code_url = await self.gateway.create_order(
                store,
                NewOrder(
                    out_trade_no=request.out_trade_no,
                    description=row["description"],
                    amount_fen=row["amount_fen"],
                    notify_url=notify_url,
                    time_expire=parse_rfc3339(row["time_expire"]),
                    attach=row["attach"],
                ),
            )
        except GatewayError as exc:
            self.on_open_order(request.out_trade_no)  # the call may have landed: let the reconciler look
            if exc.code == "ORDER_CLOSED":
                await self._apply(TradeReport(request.out_trade_no, TradeState.CLOSED), "create")
                return await self._fresh(request.out_trade_no)
            if exc.code == "ORDERPAID":
                await self.refresh(request.out_trade_no)
                return await self._fresh(request.out_trade_no)
            raise gateway_failure(exc) from None
        set_at = self.stamp()

        def remember(connection: sqlite3.Connection) -> sqlite3.Row | None:
            connection.execute(
                "UPDATE orders SET code_url = ?, code_url_at = ?, updated_at = ? WHERE out_trade_no = ?",
                (code_url, set_at, set_at, request.out_trade_no),
            )
            return order_row(connection, request.out_trade_no)

        updated = await self.db.write(remember)
        assert updated is not None
        view = order_view(updated)
        self.hub.publish(request.out_trade_no, view)
        self.on_open_order(request.out_trade_no)
        return view

    async def _fresh(self, out_trade_no: str) -> Snapshot:
        row = await self.db.read(lambda c: order_row(c, out_trade_no))
        if row is None:
            raise not_found()
        view = order_view(row)
        self.hub.publish(out_trade_no, view)
        return view

    async def watch_order(
        self, kiosk: Kiosk, out_trade_no: str, *, since: int | None, wait: float, refresh: bool
    ) -> Snapshot:
        snapshot = await self.order_for(kiosk, out_trade_no)
        if refresh and is_payable(snapshot["state"]):
            try:
                await asyncio.wait_for(self.refresh(out_trade_no), 5.0)
            except (TimeoutError, GatewayError) as exc:
                log.info("refresh of %s failed: %s", out_trade_no, exc)
            snapshot = await self.order_for(kiosk, out_trade_no)
        # A ``since`` ahead of the relay (storage restored from a backup) answers at once, as Consul resets
        # an index that went backwards: the kiosk must resynchronise, not wait.
        if since is None or int(snapshot["version"]) != since or wait <= 0:
            return snapshot
        waited = await self.hub.wait_newer(out_trade_no, since, min(wait, MAX_WAIT))
        return waited if waited is not None else snapshot

    async def refresh(self, out_trade_no: str) -> Applied | None:
        """Query WeChat Pay for one order and apply what it says (the active query)."""
        snapshot = await self.load_order(out_trade_no)
        if snapshot is None:
            return None
        status = await self.gateway.query_order(self.store(snapshot["store_id"]), out_trade_no)
        return await self._apply(status, "query")

    async def close_order(self, kiosk: Kiosk, out_trade_no: str) -> Snapshot:
        snapshot = await self.order_for(kiosk, out_trade_no)
        if not is_payable(snapshot["state"]):
            return snapshot  # paid, refunded or already closed: answer the state, not an error
        await self.close_at_wechat(out_trade_no, reason="kiosk")
        return await self.order_for(kiosk, out_trade_no)

    async def close_at_wechat(self, out_trade_no: str, *, reason: str) -> None:
        snapshot = await self.load_order(out_trade_no)
        if snapshot is None or not is_payable(snapshot["state"]):
            return
        store = self.store(snapshot["store_id"])
        try:
            await self.gateway.close_order(store, out_trade_no)
        except GatewayError as exc:
            if exc.not_found:
                # WeChat never saw the order (placing it failed): nobody can pay it.
                await self._apply(TradeReport(out_trade_no, TradeState.CLOSED, "订单已关闭"), f"close:{reason}")
                return
            if exc.code == "TRANSPORT" or exc.retryable:
                raise gateway_failure(exc) from None
            # ORDERPAID and friends: ask what happened instead of guessing.
            await self.refresh(out_trade_no)
            return
        await self._apply(TradeReport(out_trade_no, TradeState.CLOSED, "订单已关闭"), f"close:{reason}")

    # -- notifications

    async def handle_notification(self, notice: Notice) -> str:
        """Record the notification id and apply its change in one transaction; returns the outcome."""
        now = self.stamp()
        if isinstance(notice, PaymentNotice):
            status = notice.trade
            expect = self._identity_check(status)

            def job(connection: sqlite3.Connection) -> tuple[str, Snapshot | None, Snapshot | None]:
                if not claim_notification(connection, notice.id, notice.event_type, status.out_trade_no, None, now):
                    return "duplicate", None, None
                applied = apply_trade(connection, status, now=now, source="notification", expect=expect)
                settle_notification(connection, notice.id, applied.outcome)
                return applied.outcome, (applied.view if applied.outcome == "applied" else None), None

        elif isinstance(notice, RefundNotice):
            refund = notice.refund

            def job(connection: sqlite3.Connection) -> tuple[str, Snapshot | None, Snapshot | None]:
                if not claim_notification(
                    connection, notice.id, notice.event_type, refund.out_trade_no, refund.out_refund_no, now
                ):
                    return "duplicate", None, None
                changed, order = apply_refund(connection, refund, now=now, source="notification")
                outcome = "applied" if changed else "stale"
                settle_notification(connection, notice.id, outcome)
                return outcome, order, changed

        else:

            def job(connection: sqlite3.Connection) -> tuple[str, Snapshot | None, Snapshot | None]:
                if not claim_notification(connection, notice.id, notice.event_type, None, None, now):
                    return "duplicate", None, None
                settle_notification(connection, notice.id, "ignored")
                return "ignored", None, None

        outcome, order, _ = await self.db.write(job)
        if order is not None:
            self.hub.publish(order["out_trade_no"], order)
            log.info("order %s -> %s (notification)", order["out_trade_no"], order["state"])
        return outcome

    # -- refunds

    async def create_refund(self, kiosk: Kiosk, out_trade_no: str, request: RefundRequest) -> dict[str, Any]:
        self._require_manager(kiosk)
        order = await self.order_for(kiosk, out_trade_no)
        stamp = self.stamp()

        def journal(connection: sqlite3.Connection) -> tuple[str, sqlite3.Row]:
            row = connection.execute(
                "SELECT * FROM refunds WHERE out_refund_no = ?", (request.out_refund_no,)
            ).fetchone()
            if row is not None:
                same = (
                    row["out_trade_no"] == out_trade_no
                    and row["amount_fen"] == request.amount_fen
                    and row["store_id"] == kiosk.store
                )
                return ("existing" if same else "conflict"), row
            current = order_row(connection, out_trade_no)
            assert current is not None
            if current["state"] not in PAID:
                return "unpaid", current
            held = connection.execute(
                f"SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE out_trade_no = ? "
                f"AND status NOT IN ({','.join('?' for _ in REFUND_RELEASED)})",
                (out_trade_no, *sorted(REFUND_RELEASED)),
            ).fetchone()[0]
            if held + request.amount_fen > current["amount_fen"]:
                return "exceeds", current
            connection.execute(
                """INSERT INTO refunds (out_refund_no, out_trade_no, store_id, kiosk_id, amount_fen, total_fen,
                       reason, status, version, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""",
                (
                    request.out_refund_no,
                    out_trade_no,
                    kiosk.store,
                    kiosk.id,
                    request.amount_fen,
                    current["amount_fen"],
                    request.reason,
                    RefundStatus.PENDING,
                    stamp,
                    stamp,
                ),
            )
            record_event(
                connection,
                stamp,
                "refund_requested",
                out_trade_no,
                {"refund": request.out_refund_no, "amount_fen": request.amount_fen, "by": kiosk.id},
            )
            created = connection.execute(
                "SELECT * FROM refunds WHERE out_refund_no = ?", (request.out_refund_no,)
            ).fetchone()
            return "created", created

        outcome, row = await self.db.write(journal)
        if outcome == "conflict":
            raise RelayError(409, "out_refund_no_used", "this out_refund_no was used with different parameters")
        if outcome == "unpaid":
            raise RelayError(409, "order_not_paid", f"order is {order['state']}, only paid orders can be refunded")
        if outcome == "exceeds":
            raise RelayError(409, "refund_exceeds_amount", "the refunds would exceed the amount paid")
        if row["status"] != RefundStatus.PENDING:
            return refund_view(row)
        return await self.submit_refund(request.out_refund_no)

    async def submit_refund(self, out_refund_no: str) -> dict[str, Any]:
        """Send a journaled PENDING refund to WeChat Pay (again: the same out_refund_no refunds once)."""
        row = await self.db.read(
            lambda c: c.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
        )
        if row["status"] != RefundStatus.PENDING:
            return refund_view(row)
        store = self.store(row["store_id"])
        notify_url = self.notify_url() if (self.base_url or self.config.wechatpay.notify_url != AUTO) else None
        try:
            status = await self.gateway.create_refund(
                store,
                NewRefund(
                    out_refund_no=out_refund_no,
                    out_trade_no=row["out_trade_no"],
                    amount_fen=row["amount_fen"],
                    total_fen=row["total_fen"],
                    reason=row["reason"],
                    notify_url=notify_url,
                ),
            )
        except GatewayError as exc:
            if exc.code == "TRANSPORT" or exc.retryable:
                self.on_pending_refund(out_refund_no)
                raise gateway_failure(exc) from None
            stamp = self.stamp()
            code, message = exc.code, exc.message

            def refuse(connection: sqlite3.Connection) -> sqlite3.Row:
                connection.execute(
                    "UPDATE refunds SET status = ?, error_code = ?, error_message = ?, version = version + 1, "
                    "updated_at = ? WHERE out_refund_no = ? AND status = ?",
                    (RefundStatus.FAILED, code, message, stamp, out_refund_no, RefundStatus.PENDING),
                )
                result: sqlite3.Row = connection.execute(
                    "SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)
                ).fetchone()
                return result

            failed = await self.db.write(refuse)
            raise RelayError(
                409, "refund_rejected", exc.message, wechatpay_code=exc.code, refund=refund_view(failed)
            ) from None
        return await self._apply_refund_status(status, "create")

    async def _apply_refund_status(self, status: RefundReport, source: str) -> dict[str, Any]:
        stamp = self.stamp()
        _, order = await self.db.write(lambda c: apply_refund(c, status, now=stamp, source=source))
        if order is not None:
            self.hub.publish(order["out_trade_no"], order)
        row = await self.db.read(
            lambda c: c.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (status.out_refund_no,)).fetchone()
        )
        if not refund_is_final(row["status"]):
            self.on_pending_refund(status.out_refund_no)
        return refund_view(row)

    async def refresh_refund(self, out_refund_no: str) -> dict[str, Any] | None:
        row = await self.db.read(
            lambda c: c.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
        )
        if row is None:
            return None
        if row["status"] == RefundStatus.PENDING:
            return await self.submit_refund(out_refund_no)
        if refund_is_final(row["status"]):
            return refund_view(row)
        status = await self.gateway.query_refund(self.store(row["store_id"]), out_refund_no)
        return await self._apply_refund_status(status, "query")

    async def get_refund(self, kiosk: Kiosk, out_refund_no: str, *, refresh: bool = False) -> dict[str, Any]:
        self._require_manager(kiosk)
        row = None
        if OUT_REFUND_NO.fullmatch(out_refund_no):
            row = await self.db.read(
                lambda c: c.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
            )
        if row is None or row["store_id"] != kiosk.store:
            raise not_found("refund")
        if refresh and not refund_is_final(row["status"]):
            try:
                view = await self.refresh_refund(out_refund_no)
            except (GatewayError, RelayError) as exc:
                log.info("refresh of refund %s failed: %s", out_refund_no, exc)
            else:
                if view is not None:
                    return view
        return refund_view(row)

    @staticmethod
    def _require_manager(kiosk: Kiosk) -> None:
        if kiosk.role != "manager":
            raise RelayError(403, "forbidden", "refunds need a manager credential")

    # -- bills

    async def bill(self, kiosk: Kiosk, bill_date: date) -> dict[str, Any]:
        # Only clearly impossible dates are refused here; "today" and "not generated yet" are WeChat Pay's
        # to say (its business day may differ from ours, e.g. the sandbox's shifted clock).
        today = self.now().astimezone(CHINA_TZ).date()
        if bill_date > today:
            raise RelayError(409, "bill_not_available", "bills exist only for past days")
        if bill_date < today - timedelta(days=92):
            raise RelayError(409, "bill_not_available", "WeChat Pay keeps bills for 3 months only")
        store = self.store(kiosk.store)
        merchant = self._bill_merchant(store)
        key = bill_date.isoformat()
        cached = await self.db.read(
            lambda c: c.execute(
                "SELECT body FROM bills WHERE merchant = ? AND bill_date = ? AND bill_type = 'ALL'", (merchant, key)
            ).fetchone()
        )
        if cached is not None:
            body: dict[str, Any] = _columnar(json.loads(cached["body"]))
            cached_flag = True
        else:
            try:
                bill = await self.gateway.trade_bill(store, bill_date)
            except GatewayError as exc:
                if exc.code == "NO_STATEMENT_EXIST":
                    raise RelayError(404, "no_statement", "WeChat Pay has no bill for this day (no trades)") from None
                if exc.code == "STATEMENT_CREATING":
                    raise RelayError(
                        409, "bill_not_available", "WeChat Pay is still generating this bill", retry_after=1800
                    ) from None
                if exc.code in ("INVALID_REQUEST", "PARAM_ERROR"):
                    raise RelayError(409, "bill_not_available", exc.message, wechatpay_code=exc.code) from None
                if exc.code == "HASH_MISMATCH":
                    raise RelayError(502, "bill_hash_mismatch", "the downloaded bill failed its hash check") from None
                raise gateway_failure(exc) from None
            body = {"columns": bill.columns, "rows": bill.rows, "summary": bill.summary, **bill.extra}
            stamp = self.stamp()
            text = json.dumps(body, ensure_ascii=False)
            await self.db.write(
                lambda c: c.execute(
                    "INSERT OR REPLACE INTO bills (merchant, bill_date, bill_type, body, fetched_at) "
                    "VALUES (?, ?, 'ALL', ?, ?)",
                    (merchant, key, text, stamp),
                )
            )
            cached_flag = False
        answer = await self._store_bill(store, body)
        return {"bill_date": key, "store_id": store.id, "cached": cached_flag, **answer}

    def _bill_merchant(self, store: Store) -> str:
        settings = self.config.wechatpay
        return f"{settings.sp_mchid}/{store.sub_mchid}" if settings.partner else settings.mchid

    async def _store_bill(self, store: Store, body: dict[str, Any]) -> dict[str, Any]:
        """In direct mode one merchant bill covers every store: keep this store's rows only."""
        if self.config.wechatpay.partner or len(self.config.stores) == 1:
            return body
        rows = body.get("rows", [])
        at = body["columns"].index("out_trade_no")
        numbers = [str(row[at]) for row in rows]

        def owned(connection: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            for start in range(0, len(numbers), 500):  # stay under SQLite's bound-parameter limit
                chunk = numbers[start : start + 500]
                found.update(
                    r[0]
                    for r in connection.execute(
                        f"SELECT out_trade_no FROM orders WHERE store_id = ? "
                        f"AND out_trade_no IN ({','.join('?' for _ in chunk)})",
                        (store.id, *chunk),
                    )
                )
            return found

        mine = await self.db.read(owned)
        kept = [row for row, number in zip(rows, numbers, strict=True) if number in mine]
        return {**body, "rows": kept, "filtered_for_store": True}


def _columnar(body: dict[str, Any]) -> dict[str, Any]:
    """A cached bill as the answer has it: rows as arrays under named ``columns`` (a 100,000-row day is ~80 MB
    of JSON objects, each repeating 30 keys, but ~33 MB of arrays, which decode about three times as fast).
    Relays before this one cached rows as objects: those are converted when read."""
    if "columns" in body:
        return body
    rows = body.get("rows", [])
    return {**body, "columns": list(BILL_COLUMNS), "rows": [[row.get(name) for name in BILL_COLUMNS] for row in rows]}


__all__ = ["BILL_COLUMNS", "OrderRequest", "RefundRequest", "Relay", "RelayError", "StorageError"]
