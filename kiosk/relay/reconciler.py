"""Active queries: the relay asks WeChat Pay itself, because notifications get lost or arrive late.

Each payable Native order (NOTPAY, USERPAYING, PAYERROR) and each unfinished refund has a next-query time.
Only those are ever scheduled: payment-code orders have a flow of their own (``codepay.py``), so neither storage
(``payable_orders``) nor the core (``Relay.on_open_order``, ``Relay.on_kiosk_waiting``) hands them over. While a
kiosk is long-polling an order, a customer is standing at the counter: the first query goes out about a second
after the kiosk starts watching, then every couple of seconds. Orders nobody watches back off to
minutes. Orders past their ``time_expire`` are closed at WeChat Pay (a close that finds the order paid
applies SUCCESS instead). Queries and notifications converge: both only ever move an order forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from collections.abc import Callable

from kiosk.trade import RefundStatus, is_payable, refund_is_final

from .gateway import GatewayError
from .service import Relay, RequestRefused

log = logging.getLogger("kiosk.relay.reconciler")

#: First query after a kiosk starts watching an order.
FIRST_WATCHED_QUERY = 1.0
#: Grace after time_expire before closing, so that a payment in flight can land first.
CLOSE_GRACE = 5.0
#: After a failed close of an expired order.
CLOSE_RETRY = 30.0
#: A kiosk waiting on another relay instance counts as watching this long after it said so (it polls again
#: within 30 s, and says so again).
WATCH_MEMORY = 35.0


def order_query_delay(age: float, watched: bool) -> float:
    """Seconds until the next query of an open order ``age`` seconds old."""
    if watched:
        if age < 120:
            return 2.0
        if age < 600:
            return 5.0
        return 15.0
    if age < 60:
        return 5.0
    if age < 600:
        return 15.0
    if age < 3600:
        return 60.0
    return 300.0


def refund_query_delay(attempt: int) -> float:
    """Seconds until the next query of an unfinished refund, after ``attempt`` queries."""
    schedule = (2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
    return schedule[min(attempt, len(schedule) - 1)]


class Reconciler:
    def __init__(
        self,
        relay: Relay,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        concurrency: int = 8,
    ) -> None:
        self.relay = relay
        self.monotonic = monotonic
        self._due: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._busy: set[str] = set()
        self._refund_attempts: dict[str, int] = {}
        self._watched_until: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    # Keys are "o:<out_trade_no>" and "r:<out_refund_no>" so one heap serves both.

    def schedule(self, key: str, delay: float) -> None:
        due = self.monotonic() + delay
        known = self._due.get(key)
        if known is not None and known <= due:
            return
        self._due[key] = due
        heapq.heappush(self._heap, (due, key))
        self._wake.set()

    def watch_order(self, out_trade_no: str) -> None:
        """An open order exists: query it on the unwatched schedule unless something sooner is set."""
        self.schedule("o:" + out_trade_no, order_query_delay(0, watched=False))

    def kiosk_waiting(self, out_trade_no: str) -> None:
        """A kiosk started long-polling (here, or on another relay instance): make sure a query goes out within
        about a second, and query on the watched schedule meanwhile."""
        self._watched_until[out_trade_no] = self.monotonic() + WATCH_MEMORY
        self.schedule("o:" + out_trade_no, FIRST_WATCHED_QUERY)

    def watched(self, out_trade_no: str) -> bool:
        if self.relay.hub.waiters(out_trade_no) > 0:
            return True
        until = self._watched_until.get(out_trade_no)
        if until is not None and until <= self.monotonic():
            del self._watched_until[out_trade_no]
            return False
        return until is not None

    def watch_refund(self, out_refund_no: str) -> None:
        attempt = self._refund_attempts.get(out_refund_no, 0)
        self.schedule("r:" + out_refund_no, refund_query_delay(attempt))

    async def load(self) -> None:
        """Pick up payable orders and unfinished refunds from storage (after a restart, or ones another relay
        instance stored); what is scheduled already keeps its schedule."""
        open_orders = await self.relay.storage.payable_orders()
        pending = await self.relay.storage.unfinished_refunds()
        new_orders = [number for number in open_orders if not self._known("o:" + number)]
        for index, out_trade_no in enumerate(new_orders):
            self.schedule("o:" + out_trade_no, 1.0 + index * 0.05)
        for out_refund_no in pending:
            if not self._known("r:" + out_refund_no):
                self.watch_refund(out_refund_no)

    def _known(self, key: str) -> bool:
        return key in self._due or key in self._busy

    async def run(self) -> None:
        await self.load()
        while True:
            now = self.monotonic()
            while self._heap and self._heap[0][0] <= now:
                due, key = heapq.heappop(self._heap)
                if self._due.get(key) != due:
                    continue  # superseded by an earlier schedule
                del self._due[key]
                if key in self._busy:
                    self.schedule(key, 1.0)
                    continue
                self._busy.add(key)
                task = asyncio.create_task(self._run_one(key))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            timeout = (self._heap[0][0] - now) if self._heap else 60.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, timeout))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run_one(self, key: str) -> None:
        try:
            async with self._slots:
                # Every call to WeChat Pay waits for its turn (relay.pacer): a thousand watched orders must not
                # become a query storm, whoever asks.
                if key.startswith("o:"):
                    await self._order(key[2:])
                else:
                    await self._refund(key[2:])
        except asyncio.CancelledError:
            raise
        except Exception:  # a reconciler that dies stops all active queries: log and carry on
            log.exception("reconciling %s failed", key)
            self.schedule(key, 30.0)
        finally:
            self._busy.discard(key)

    async def _order(self, out_trade_no: str) -> None:
        relay = self.relay
        order = await relay.load_order(out_trade_no)
        if order is None or not is_payable(order.state):
            self._watched_until.pop(out_trade_no, None)
            return
        now = relay.now()
        expires = order.expires_at
        watched = self.watched(out_trade_no)
        age = (now - order.created_at).total_seconds()
        expired = (now - expires).total_seconds() >= CLOSE_GRACE
        try:
            if expired:
                await relay.pacer.turn()
                await relay.close_at_wechat(out_trade_no, reason="expired")
            else:
                await relay.refresh(out_trade_no)
        except (GatewayError, RequestRefused) as exc:
            log.info("%s of %s failed: %s", "close" if expired else "query", out_trade_no, exc)
        current = await relay.load_order(out_trade_no)
        if current is None or not is_payable(current.state):
            self._watched_until.pop(out_trade_no, None)
            return
        if expired:
            self.schedule("o:" + out_trade_no, CLOSE_RETRY)  # WeChat Pay unreachable: try the close again
            return
        delay = order_query_delay(age, watched)
        until_close = (expires - relay.now()).total_seconds() + CLOSE_GRACE
        self.schedule("o:" + out_trade_no, max(0.5, min(delay, until_close)))

    async def _refund(self, out_refund_no: str) -> None:
        attempt = self._refund_attempts.get(out_refund_no, 0) + 1
        self._refund_attempts[out_refund_no] = attempt
        status: str | None
        try:
            await self.relay.pacer.turn()
            view = await self.relay.refresh_refund(out_refund_no)
            status = view.status if view is not None else None
        except (GatewayError, RequestRefused) as exc:
            log.info("refund %s: %s", out_refund_no, exc)
            status = RefundStatus.PENDING  # unknown: ask again
        if status is not None and not refund_is_final(status):
            self.schedule("r:" + out_refund_no, refund_query_delay(attempt))
        else:
            self._refund_attempts.pop(out_refund_no, None)
