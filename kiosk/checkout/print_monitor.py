"""The print queue in the core's words, and the clerk's two answers to a printer fault: Retry and Skip.

Every job change becomes a :class:`~kiosk.checkout.events.PrintJobChanged`; the printer holding up the head of
the queue (no paper, cover open, not connected …) becomes a :class:`~kiosk.checkout.events.PrinterFaultChanged`
when it starts and when it ends. A job that is not printed — a payment slip dropped because its order closed,
a receipt the clerk skipped — is journaled in its order's events (``print_dropped`` / ``print_skipped``).
"""

from __future__ import annotations

import threading

from kiosk.checkout.events import EventBus, PrinterFaultChanged, PrintJobChanged
from kiosk.checkout.session import OPEN_STATES, State
from kiosk.journal import Journal
from kiosk.printing.faults import advice_for
from kiosk.printing.queue import PrintJob, PrintQueue


def order_is_open(journal: Journal, out_trade_no: str) -> bool:
    """Whether the order can still be paid, as journaled (the print queue asks before printing a QR slip)."""
    row = journal.order(out_trade_no)
    return row is not None and State(row.state) in OPEN_STATES


def job_changed(job: PrintJob) -> PrintJobChanged:
    return PrintJobChanged(
        job_id=job.id,
        job_key=job.job_key,
        document=job.document.kind,
        out_trade_no=job.out_trade_no,
        state=job.state,
        fault=None if job.fault is None else advice_for(job.fault),
        reprint=job.reprint,
    )


class PrintMonitor:
    """Listens to ``queue``, publishes on ``bus``, journals what was not printed. Thread-safe."""

    def __init__(self, queue: PrintQueue, bus: EventBus, journal: Journal):
        self._queue = queue
        self._bus = bus
        self._journal = journal
        self._lock = threading.Lock()
        #: The job the printer holds up, and why (what the last PrinterFaultChanged said).
        self._held: tuple[int, str] | None = None
        queue.add_listener(self._on_job)

    def close(self) -> None:
        self._queue.remove_listener(self._on_job)

    def current_fault(self) -> PrinterFaultChanged:
        """The printer's state now, for a screen that opens after the fault began."""
        held = self._queue.stalled()
        if held is None or held.fault is None:
            return PrinterFaultChanged(None)
        return PrinterFaultChanged(advice_for(held.fault), job_changed(held))

    def retry(self, job_id: int | None = None) -> None:
        """Try again now (the clerk loaded paper, closed the cover …); ``job_id`` puts a failed job back first."""
        if job_id is not None:
            self._queue.retry(job_id)
        self._queue.retry_now()

    def skip(self, job_id: int) -> PrintJobChanged:
        """Do not print this job; the ones behind it go on. Blocking while a job is being sent."""
        return job_changed(self._queue.skip(job_id))

    def _on_job(self, job: PrintJob) -> None:
        event = job_changed(job)
        if job.state in ("dropped", "skipped") and job.out_trade_no:
            self._journal.append_event(
                job.out_trade_no, f"print_{job.state}", detail={"job_key": job.job_key, "reason": job.last_error}
            )
        self._bus.publish(event)
        with self._lock:
            # Published under the lock so that two threads (worker, a clerk's skip) cannot reorder them.
            if job.state == "pending" and job.fault is not None:
                held = (job.id, job.fault.value)
                if held != self._held:
                    self._held = held
                    self._bus.publish(PrinterFaultChanged(event.fault, event))
            elif self._held is not None and (
                job.state == "printed" or (job.id == self._held[0] and job.state != "sending")
            ):
                self._held = None
                self._bus.publish(PrinterFaultChanged(None))
