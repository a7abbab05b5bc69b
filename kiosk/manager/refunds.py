"""Refund helpers for the manager screen: what is left to refund, and the refund slip.

The core journals the refund (out_refund_no before the request, reused on retry) and reports its status as
``RefundChanged`` events; it does not print a slip. :class:`RefundSlipPrinter` submits one per successful
refund under the job key ``{out_refund_no}:refund_slip`` — the print queue prints a key once, so the event
and the sweep at start-up can both submit without printing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from kiosk.checkout.events import CoreEvent, RefundChanged
from kiosk.journal import RefundRow, parse_timestamp
from kiosk.manager.summaries import REFUND_DEAD_STATES, REFUND_DONE
from kiosk.printing.documents import StoreInfo, refund_slip

log = logging.getLogger(__name__)


def refund_slip_key(out_refund_no: str) -> str:
    return f"{out_refund_no}:refund_slip"


def refundable_fen(amount_fen: int, refunds: Iterable[RefundRow]) -> int:
    """What is left to refund on an order of ``amount_fen`` (refunds in progress count as taken)."""
    taken = sum(r.amount_fen for r in refunds if r.state not in REFUND_DEAD_STATES)
    return max(amount_fen - taken, 0)


class RefundSlipPrinter:
    """Prints the slip of every successful refund (from events while attached, and by :meth:`sweep`)."""

    def __init__(self, core: Any, *, on_error: Callable[[str], None] | None = None):
        self._core = core
        self._on_error = on_error
        config = core.config
        self._store = StoreInfo(config.store.name, config.store.address, config.store.phone)
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

    def sweep(self) -> list[str]:
        """Submit the slips of successful refunds (those already submitted are not printed again)."""
        return [key for refund in self._core.refunds() if refund.state == REFUND_DONE if (key := self.submit(refund))]

    def submit(self, refund: RefundRow) -> str | None:
        queue = self._core.print_queue
        if queue is None or refund.state != REFUND_DONE:
            return None
        at = parse_timestamp(refund.success_time) or parse_timestamp(refund.updated_at)
        assert at is not None
        document = refund_slip(
            self._store,
            refund.out_trade_no,
            refund.out_refund_no,
            refund.amount_fen,
            refund.reason,
            at,
            training=bool(self._core.training),
        )
        key = refund_slip_key(refund.out_refund_no)
        try:
            queue.submit(key, document)
        except Exception as exc:  # never lose the refund over a printer: report and carry on
            log.warning("refund slip %s not submitted: %s", key, exc)
            if self._on_error is not None:
                self._on_error(f"refund slip not printed: {exc}")
            return None
        return key
