"""Payment-code (付款码) orders at the relay: the whole flow WeChat Pay prescribes, run by the relay itself.

::

    charge ─ paid: done │ refused: one confirming query, the failure to the kiosk at once, then reverse
           └ paying (password) or unknown: query every poll_seconds ─ paid: done │ failed: reverse
                                                                      └ still open at deadline_seconds: reverse
    reverse ─ no sooner than reverse_after_seconds after the charge; again and again until WeChat Pay answers
              (the order is flagged unresolved for the manager after unresolved_after failures)

WeChat Pay never notifies these orders: only the charge's answer and queries tell. Every step is stored before
it is acted on (storage's payment-code flow, with the audit events), so a restarted relay resumes where it
stopped. The kiosk watches the order through the ordinary long-poll: USERPAYING while the customer types the
password, then SUCCESS or REVOKED, with ``failure`` saying why nothing was taken.

The payment code is a secret for the minute it lives. Only its masked form (all but the last four digits) is
stored or logged; the code itself stays in this process's memory while the charge may still need it. A charge
whose answer was lost is resolved by query, never sent again, except in the one case the reference calls safe:
WeChat Pay has no such order and the code is still fresh (then the same number and code go once more).

Time is the relay's clock (``Relay.clock``): the scheduler wakes at least every ``tick`` seconds, so a test that
moves the clock sees the flow act without sleeping through it.

With several relay instances on one database (``cluster.py``) the flows run where the work lease is: an instance
that does not hold it charges the codes its kiosks send (only it has them) and hands each flow to the holder
(:attr:`CodePayFlows.elsewhere`), forgetting the code; the holder resumes every stored flow when it takes the
lease, and leaves a flow still charging alone until another instance's charge can no longer be in flight
(:data:`CHARGE_IN_FLIGHT`). The one resend of a charge WeChat Pay never recorded needs the code, so it happens
only when the instance that charged also holds the lease; otherwise such an order is reversed at its deadline
and the customer shows a new code.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kiosk.trade import CodePayFailure, CodePayOutcome, TradeState, TradeType, is_payable
from kiosk.wechatpay.paycode import mask_payment_code
from kiosk.wire import CodePayCreate, OrderView, decode, encode

from .config import CodePaySettings, Kiosk
from .gateway import CodePayReport, GatewayError, NewCodePay, TradeReport
from .service import Priority, Relay, not_found, number_used, order_draft, order_view, same_order
from .storage import CodePayDraft, CodePayRecord, CodePayStep, Inserted, OrderDraft, OrderRecord

log = logging.getLogger("kiosk.relay.codepay")

#: The kiosk's request waits this long for the charge's first answer (an instant payment answers paid at once);
#: after that it answers the order as it stands and the kiosk long-polls.
CHARGE_ANSWER_WAIT = 3.0
#: WeChat Pay reverses a payment-code order itself this long after it was created: nobody pays it later.
AUTO_REVERSE = timedelta(seconds=45)
#: A code is good for about a minute from the customer's screen: it is sent again only well within that.
CODE_FRESH = timedelta(seconds=40)
#: Seconds between reverse attempts (the last one repeats).
REVERSE_RETRY = (2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
#: Longer than a charge call to WeChat Pay can take (two attempts, each within the client's timeout): a flow still
#: charging this long after it began has lost its charge's answer with the instance that sent it.
CHARGE_IN_FLIGHT = timedelta(seconds=20)


@dataclass
class _Code:
    """A payment code held in memory for the charge (and its one resend)."""

    value: str = field(repr=False)
    scanned_at: datetime


def device_ip(host: str | None) -> str:
    """The till's address as WeChat Pay wants it (``scene_info.device_ip``): the kiosk's, as the relay sees it."""
    try:
        return str(ipaddress.ip_address(host or ""))
    except ValueError:
        return "127.0.0.1"


class CodePayFlows:
    """Charges payment codes and follows each order to paid or reversed (one asyncio scheduler for all)."""

    def __init__(self, relay: Relay, settings: CodePaySettings, *, tick: float = 0.25) -> None:
        self.relay = relay
        self.settings = settings
        self.tick = tick
        self._codes: dict[str, _Code] = {}
        self._due: dict[str, datetime] = {}
        self._busy: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Several relay instances: hands a flow to the instance that runs them while :meth:`run` does not run
        #: here (None: this process runs them all).
        self.elsewhere: Callable[[str], None] | None = None
        self._running = False

    # -- the kiosk's requests

    async def charge(self, kiosk: Kiosk, request: CodePayCreate, *, host: str | None = None) -> OrderView:
        """``POST /v1/codepay``: store the order and its flow, then charge the code (once)."""
        relay = self.relay
        relay.new_number(kiosk, request.out_trade_no, "out_trade_no")
        now = relay.now()
        draft = order_draft(kiosk, request, TradeType.MICROPAY, time_expire=now + AUTO_REVERSE, at=now)
        masked = mask_payment_code(request.auth_code)
        flow = CodePayDraft(payment_code=masked, device_ip=device_ip(host), charged_at=now)
        inserted, order = await relay.storage.insert_codepay(draft, flow)
        if inserted is Inserted.EXISTS:
            return await self._again(order, draft, request.auth_code)
        self._codes[order.out_trade_no] = _Code(request.auth_code, now)
        self._busy.add(order.out_trade_no)
        task = self._spawn(self._guarded(order.out_trade_no, self._first_charge(order, flow)))
        with contextlib.suppress(TimeoutError):
            # Shielded: a kiosk that hangs up (or gives up) must not stop a charge that is under way.
            await asyncio.wait_for(asyncio.shield(task), CHARGE_ANSWER_WAIT)
        return await self._view(order.out_trade_no)

    async def _again(self, order: OrderRecord, draft: OrderDraft, code: str) -> OrderView:
        """The same number again: the kiosk's retry of a request whose answer it lost. Never a second charge; the
        code only waits in memory for the one safe resend, should WeChat Pay turn out not to have the order."""
        out_trade_no = order.out_trade_no
        flow = await self.relay.storage.codepay(out_trade_no)
        if not same_order(order, draft) or flow is None or flow.payment_code != mask_payment_code(code):
            raise number_used()
        if flow.step in (CodePayStep.CHARGING, CodePayStep.POLLING) and not flow.resent and self._runs_here:
            self._codes.setdefault(out_trade_no, _Code(code, flow.charged_at))
        return await self._view(out_trade_no)

    async def cancel(self, out_trade_no: str) -> None:
        """The clerk's Cancel: the order is reversed (closed unpaid, or refunded if the payment won the race) as
        soon as the reference allows."""
        flow = await self.relay.storage.cancel_codepay(out_trade_no, at=self.relay.now())
        if flow is not None and flow.step is not CodePayStep.DONE:
            log.info("order %s: cancel requested; reversing", out_trade_no)
            self._schedule(out_trade_no, self.relay.now())

    # -- the scheduler

    async def run(self) -> None:
        """Resume the stored flows, then act on each when it is due (on the relay's clock)."""
        self._running = True
        try:
            await self.resume()
            await self._serve()
        finally:
            self._running = False

    async def resume(self) -> None:
        """Pick up the stored flows this scheduler does not know yet (all of them when it starts)."""
        now = self.relay.now()
        for flow in await self.relay.storage.active_codepays():
            if flow.out_trade_no not in self._due and flow.out_trade_no not in self._busy:
                # A flow caught CHARGING lost its charge's answer with the last process: resolve it now.
                self._schedule(flow.out_trade_no, flow.next_at or now)

    def take_over(self, out_trade_no: str) -> None:
        """Another relay instance handed this flow over: act on it as stored (once :meth:`run` runs here)."""
        self._plan(out_trade_no, self.relay.now())

    @property
    def _runs_here(self) -> bool:
        return self._running or self.elsewhere is None

    async def _serve(self) -> None:
        while True:
            now = self.relay.now()
            for out_trade_no, due in list(self._due.items()):
                if due <= now and out_trade_no not in self._busy:
                    del self._due[out_trade_no]
                    self._busy.add(out_trade_no)
                    self._spawn(self._guarded(out_trade_no, self._step(out_trade_no)))
            timeout = None
            if self._due:
                soonest = min(self._due.values())
                timeout = min(max((soonest - now).total_seconds(), 0.0), self.tick)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _schedule(self, out_trade_no: str, at: datetime) -> None:
        if self.elsewhere is not None and not self._running:
            self._codes.pop(out_trade_no, None)  # the flow goes on elsewhere, without the code
            self.elsewhere(out_trade_no)
            return
        self._plan(out_trade_no, at)

    def _plan(self, out_trade_no: str, at: datetime) -> None:
        known = self._due.get(out_trade_no)
        self._due[out_trade_no] = at if known is None else min(known, at)
        self._wake.set()

    async def _guarded(self, out_trade_no: str, action: Awaitable[None]) -> None:
        """One action of a flow. Whatever goes wrong, the flow is tried again later (one left without a next step
        would never be settled), and its order is free for the next action."""
        try:
            await action
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payment-code flow of %s failed; retrying", out_trade_no)
            self._schedule(out_trade_no, self.relay.now() + timedelta(seconds=self.settings.poll_seconds))
        finally:
            self._busy.discard(out_trade_no)
            self._wake.set()

    async def _step(self, out_trade_no: str) -> None:
        flow = await self.relay.storage.codepay(out_trade_no)
        if flow is None or flow.step is CodePayStep.DONE:
            return
        if flow.step is CodePayStep.CHARGING and self.elsewhere is not None and out_trade_no not in self._codes:
            in_flight_until = flow.charged_at + CHARGE_IN_FLIGHT
            if self.relay.now() < in_flight_until:  # another instance may still be charging it
                self._schedule(out_trade_no, in_flight_until)
                return
        if flow.step is CodePayStep.CHARGING:
            # The charge was sent by a process that stopped before its answer: only a query can tell.
            log.info("order %s: the charge's answer was lost; querying", out_trade_no)
            flow = await self._move(flow, CodePayStep.POLLING, self.relay.now(), error="charge answer lost")
        if flow is not None and flow.step is CodePayStep.POLLING:
            await self._poll(flow)
        elif flow is not None and flow.step is CodePayStep.REVERSING:
            await self._reverse(flow)

    # -- the steps

    async def _first_charge(self, order: OrderRecord, flow: CodePayDraft) -> None:
        report = await self._send(order, flow.device_ip)
        stored = await self.relay.storage.codepay(order.out_trade_no)
        assert stored is not None  # stored with the order, before the charge
        await self._charged(order, stored, report)

    async def _send(self, order: OrderRecord, address: str) -> CodePayReport:
        code = self._codes.get(order.out_trade_no)
        if code is None:
            return CodePayReport(CodePayOutcome.UNKNOWN)
        charge = NewCodePay(
            out_trade_no=order.out_trade_no,
            description=order.description,
            amount_fen=order.amount_fen,
            auth_code=code.value,
            device_ip=address,
            store_out_id=order.store_id,
            device_id=order.kiosk_id[:32],
            attach=order.attach,
        )
        try:
            return await self.relay.gateway.charge_codepay(self.relay.store(order.store_id), charge)
        except GatewayError as exc:
            if exc.code == "INVALID_REQUEST":  # refused before anything was sent
                return CodePayReport(CodePayOutcome.FAILED, failure=CodePayFailure.UNAVAILABLE, message=exc.message)
            return CodePayReport(CodePayOutcome.UNKNOWN, code=exc.code, message=exc.message)

    async def _charged(self, order: OrderRecord, flow: CodePayRecord, report: CodePayReport) -> None:
        """Act on a charge's answer (the first, or the one resend)."""
        now = self.relay.now()
        out_trade_no = order.out_trade_no
        poll = timedelta(seconds=self.settings.poll_seconds)
        log.info("order %s: code %s charged: %s %s", out_trade_no, flow.payment_code, report.outcome, report.code or "")
        if report.outcome is CodePayOutcome.PAID:
            assert report.trade is not None
            await self.relay.apply_report(report.trade, "codepay")
            await self._finish(flow)
        elif report.outcome is CodePayOutcome.PAYING:
            await self.relay.apply_report(TradeReport(out_trade_no, TradeState.USERPAYING), "codepay")
            await self._move(flow, CodePayStep.POLLING, flow.charged_at + poll if not flow.resent else now + poll)
        elif report.outcome is CodePayOutcome.UNKNOWN:
            # BANK_ERROR: ask at once; the number taken: ask whose order it is; else the reference's 5 s.
            at_once = report.code == "BANK_ERROR" or report.number_taken
            await self._move(flow, CodePayStep.POLLING, now if at_once else now + poll, error=_error(report))
        else:
            # Refused for good. One query first: in rare cases a refusal still ends paid.
            confirmed = await self._query(order)
            if confirmed.outcome is CodePayOutcome.PAID and confirmed.trade is not None:
                await self.relay.apply_report(confirmed.trade, "codepay")
                await self._finish(flow)
                return
            if confirmed.trade is not None and self._ours(order, confirmed.trade):
                await self.relay.apply_report(confirmed.trade, "codepay")
            await self._fail(out_trade_no, report.failure or CodePayFailure.PAYMENT_FAILED, code=report.code)
            self._codes.pop(out_trade_no, None)  # used up: never sent again
            await self._move(flow, CodePayStep.REVERSING, self._reverse_from(flow, now), error=_error(report))

    async def _poll(self, flow: CodePayRecord) -> None:
        relay = self.relay
        out_trade_no = flow.out_trade_no
        order = await relay.storage.order(out_trade_no)
        if order is None:
            return
        now = relay.now()
        if flow.cancel_requested_at is not None:
            await self._move(flow, CodePayStep.REVERSING, self._reverse_from(flow, now))
            return
        report = await self._query(order)
        trade = report.trade
        if trade is not None and not self._ours(order, trade):
            # The number is another order's at WeChat Pay (never ours): nothing of ours to reverse.
            log.warning("order %s: the out_trade_no belongs to another order at WeChat Pay", out_trade_no)
            await self._fail(out_trade_no, CodePayFailure.UNAVAILABLE)  # first: a kiosk stops watching once closed
            await relay.apply_report(TradeReport(out_trade_no, TradeState.CLOSED, "商户订单号重复"), "codepay")
            await self._finish(flow)
            return
        if report.outcome is CodePayOutcome.FAILED and trade is not None and not is_payable(trade.trade_state):
            await self._fail(out_trade_no, CodePayFailure.NOT_CONFIRMED)  # WeChat Pay reversed or closed it
            await relay.apply_report(trade, "codepay")
            await self._finish(flow)
            return
        if trade is not None:
            await relay.apply_report(trade, "codepay")
        if report.outcome is CodePayOutcome.PAID:
            await self._finish(flow)
            return
        if report.outcome is CodePayOutcome.FAILED:  # PAYERROR: the bank or the password failed
            await self._fail(out_trade_no, CodePayFailure.PAYMENT_FAILED)
            await self._move(flow, CodePayStep.REVERSING, self._reverse_from(flow, now))
            return
        if report.order_not_found and self._may_resend(flow, now):
            await self._resend(order, flow)
            return
        deadline = flow.charged_at + timedelta(seconds=self.settings.deadline_seconds)
        if now >= deadline:
            log.info(
                "order %s: not paid %s s after the charge; reversing", out_trade_no, self.settings.deadline_seconds
            )
            await self._move(flow, CodePayStep.REVERSING, self._reverse_from(flow, now))
            return
        next_at = min(now + timedelta(seconds=self.settings.poll_seconds), deadline)
        await self._move(flow, CodePayStep.POLLING, next_at, attempts=flow.attempts + 1, error=_error(report))

    def _may_resend(self, flow: CodePayRecord, now: datetime) -> bool:
        code = self._codes.get(flow.out_trade_no)
        return code is not None and not flow.resent and now - code.scanned_at < CODE_FRESH

    async def _resend(self, order: OrderRecord, flow: CodePayRecord) -> None:
        """WeChat Pay never recorded the charge and the code is fresh: the same charge once more (the one case the
        reference allows), stored as sent before it goes."""
        log.info("order %s: WeChat Pay has no record of the charge; sending it once more", order.out_trade_no)
        moved = await self._move(flow, CodePayStep.POLLING, None, attempts=flow.attempts, resent=True)
        if moved is None:
            return
        report = await self._send(order, flow.device_ip)
        self._codes.pop(order.out_trade_no, None)  # never a third time
        await self._charged(order, moved, report)

    async def _reverse(self, flow: CodePayRecord) -> None:
        relay = self.relay
        out_trade_no = flow.out_trade_no
        order = await relay.storage.order(out_trade_no)
        if order is None:
            return
        now = relay.now()
        start = self._reverse_from(flow, now)
        if now < start:
            self._schedule(out_trade_no, start)
            return
        self._codes.pop(out_trade_no, None)
        try:
            await relay.pacer.turn(Priority.REVERSE)  # ahead of every query waiting for a turn
            await relay.gateway.reverse_order(relay.store(order.store_id), out_trade_no)
        except GatewayError as exc:
            if not exc.not_found:
                await self._reverse_failed(order, flow, exc)
                return
            # WeChat Pay has no such order (a charge never recorded): there is nothing anybody can pay.
        log.info("order %s: reversed", out_trade_no)
        failure = CodePayFailure.CANCELLED if flow.cancel_requested_at is not None else CodePayFailure.NOT_CONFIRMED
        await self._fail(out_trade_no, failure, resolved=True)  # first: a kiosk stops watching once it is reversed
        await relay.apply_report(TradeReport(out_trade_no, TradeState.REVOKED, "已撤销"), "reverse")
        await self._finish(flow)

    async def _reverse_failed(self, order: OrderRecord, flow: CodePayRecord, exc: GatewayError) -> None:
        out_trade_no = order.out_trade_no
        attempts = flow.attempts + 1
        log.warning("order %s: reverse %d failed: %s", out_trade_no, attempts, exc)
        if not (exc.code == "TRANSPORT" or exc.retryable):
            # Refused outright (e.g. already refunded, or past the 7-day window): what is the order now?
            report = await self._query(order)
            if report.trade is not None and self._ours(order, report.trade):
                if not is_payable(report.trade.trade_state):
                    await self._fail(out_trade_no, None, resolved=True)
                    await self.relay.apply_report(report.trade, "query")
                    await self._finish(flow)
                    return
                await self.relay.apply_report(report.trade, "query")
        if attempts >= self.settings.unresolved_after or not (exc.code == "TRANSPORT" or exc.retryable):
            await self._fail(out_trade_no, None, unresolved=True)
        delay = REVERSE_RETRY[min(attempts, len(REVERSE_RETRY)) - 1]
        await self._move(
            flow, CodePayStep.REVERSING, self.relay.now() + timedelta(seconds=delay), attempts=attempts, error=str(exc)
        )

    # -- helpers

    async def _query(self, order: OrderRecord) -> CodePayReport:
        await self.relay.pacer.turn(Priority.CODEPAY)
        try:
            return await self.relay.gateway.query_codepay(self.relay.store(order.store_id), order.out_trade_no)
        except GatewayError as exc:
            return CodePayReport(CodePayOutcome.UNKNOWN, code=exc.code, message=exc.message)

    @staticmethod
    def _ours(order: OrderRecord, trade: TradeReport) -> bool:
        """WeChat Pay's order under this number is the one charged here (not a Native order, not another amount)."""
        kind_ok = trade.trade_type in (None, TradeType.MICROPAY)
        return kind_ok and trade.total_fen in (None, order.amount_fen)

    def _reverse_from(self, flow: CodePayRecord, now: datetime) -> datetime:
        return max(now, flow.charged_at + timedelta(seconds=self.settings.reverse_after_seconds))

    async def _move(
        self,
        flow: CodePayRecord,
        step: CodePayStep,
        next_at: datetime | None,
        *,
        attempts: int = 0,
        error: str | None = None,
        resent: bool = False,
    ) -> CodePayRecord | None:
        moved = await self.relay.storage.move_codepay(
            flow.out_trade_no, step, at=self.relay.now(), next_at=next_at, attempts=attempts, error=error, resent=resent
        )
        current = moved or await self.relay.storage.codepay(flow.out_trade_no)
        if current is not None and current.step is not CodePayStep.DONE and current.next_at is not None:
            self._schedule(flow.out_trade_no, current.next_at)
        return moved

    async def _finish(self, flow: CodePayRecord) -> None:
        self._codes.pop(flow.out_trade_no, None)
        self._due.pop(flow.out_trade_no, None)
        await self._move(flow, CodePayStep.DONE, None, attempts=flow.attempts)

    async def _fail(
        self,
        out_trade_no: str,
        failure: CodePayFailure | None,
        *,
        code: str | None = None,
        unresolved: bool | None = None,
        resolved: bool = False,
    ) -> None:
        """Tell the kiosk why nothing was taken (the first reason stays, with WeChat Pay's ``code`` when it refused
        the charge; storage keeps none on an order that is paid, as it decides under the order's lock) and whether
        the manager must look."""
        flag = False if resolved else unresolved
        if failure is None and flag is None:
            return
        marked = await self.relay.storage.mark_codepay(
            out_trade_no, at=self.relay.now(), failure=failure, error_code=code if failure else None, unresolved=flag
        )
        if marked is not None:
            self.relay.publish(marked)

    async def _view(self, out_trade_no: str) -> OrderView:
        order = await self.relay.storage.order(out_trade_no)
        if order is None:
            raise not_found()
        snapshot = self.relay.hub.prime(out_trade_no, encode(order_view(order)))
        return decode(OrderView, snapshot)


def _error(report: CodePayReport) -> str | None:
    if report.code is None and report.message is None:
        return None
    return f"{report.code or ''}: {report.message or ''}".strip(": ")
