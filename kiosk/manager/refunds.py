"""The manager's refunds: the reasons given to WeChat Pay, and the slips (what is left to refund is
``kiosk.checkout.refund.refundable_fen``).

**Reasons.** WeChat Pay shows a refund's ``reason`` to the payer, in the refund notice of their WeChat, and
it prints on the refund slip. So the reason is sent in Chinese whatever language the screen is in: the payer
is a WeChat user in China, and an English manager's "Damaged or faulty goods" would reach a Chinese customer
as a foreign sentence. :data:`REFUND_REASONS` holds the common reasons in those words (the screen shows them
translated; in Chinese it shows exactly these); words the manager adds are sent as typed.

The core journals the refund (out_refund_no before the request, reused on retry) and reports its status as
``RefundChanged`` events; it prints a refund slip only when asked (``KioskCore.print_refund_slip``, the one
builder of the slip). :class:`RefundSlipPrinter` asks for one per successful refund, job key
``{out_refund_no}:refund_slip`` — the print queue prints a key once, so the event and the sweep when the screen
opens never print twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from kiosk.checkout.events import CoreEvent, RefundChanged
from kiosk.journal import RefundRow, parse_timestamp
from kiosk.manager.summaries import REFUND_DONE

if TYPE_CHECKING:
    from kiosk.checkout.app import KioskCore

log = logging.getLogger(__name__)


#: The common reasons a shop refunds for (key → the words the payer reads), in the order the screen offers them.
REFUND_REASONS: Mapping[str, str] = {
    "returned": "顾客退货",
    "faulty": "商品损坏或有质量问题",
    "wrong_amount": "收款金额有误",
    "paid_twice": "重复付款",
    "out_of_stock": "缺货",
    "other": "其他",
}
#: WeChat Pay takes at most 80 characters of reason.
MAX_REASON = 80


def refund_reason(key: str | None, details: str = "") -> str:
    """What WeChat Pay is told: the common reason, then the manager's own words (``顾客退货：少了一瓶``); only the
    words for "other"; ``""`` when there is neither. One line, at most :data:`MAX_REASON` characters."""
    if key is not None and key not in REFUND_REASONS:
        raise ValueError(f"no common refund reason {key!r}")
    words = " ".join(details.split())
    label = REFUND_REASONS[key] if key is not None and not (key == "other" and words) else ""
    return (f"{label}：{words}" if label and words else label or words)[:MAX_REASON]


def refund_slip_key(out_refund_no: str) -> str:
    return f"{out_refund_no}:refund_slip"


class RefundSlipPrinter:
    """Prints the slip of every successful refund (from events while attached, and by :meth:`sweep`);
    ``on_error(refund)`` hears of a slip that could not be submitted (the screen words it)."""

    def __init__(self, core: KioskCore, *, on_error: Callable[[RefundRow], None] | None = None):
        self._core = core
        self._on_error = on_error
        self._unsubscribe: Callable[[], None] | None = None

    def attach(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self._core.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: CoreEvent) -> None:
        if isinstance(event, RefundChanged) and event.state == REFUND_DONE:
            for refund in self._core.refunds(event.out_trade_no):
                if refund.out_refund_no == event.out_refund_no:
                    self.submit(refund)

    def sweep(self, *, days: int = 2) -> list[str]:
        """Submit the slips of recent successful refunds whose slip is not in the print queue yet."""
        queue = self._core.print_queue
        if queue is None:
            return []
        known = {job.job_key for job in queue.jobs(limit=1000)}
        since = self._core.clock.now() - timedelta(days=days)
        keys = []
        for refund in self._core.refunds():
            done = parse_timestamp(refund.success_time) or parse_timestamp(refund.updated_at)
            if refund.state != REFUND_DONE or done is None or done < since:
                continue
            if refund_slip_key(refund.out_refund_no) in known:
                continue
            key = self.submit(refund)
            if key is not None:
                keys.append(key)
        return keys

    def submit(self, refund: RefundRow) -> str | None:
        """Have the core print the slip of a successful refund; returns its job key (None when not printed)."""
        if self._core.print_queue is None or refund.state != REFUND_DONE:
            return None
        try:
            return self._core.print_refund_slip(refund.out_refund_no)
        except Exception as exc:  # never lose the refund over a printer: report and carry on
            log.warning("refund slip for %s not submitted: %s", refund.out_refund_no, exc)
            if self._on_error is not None:
                self._on_error(refund)
            return None
