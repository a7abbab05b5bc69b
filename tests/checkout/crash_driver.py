"""The kiosk core as a process the crash test kills with SIGKILL: ``python -m tests.checkout.crash_driver``.

It sells ``--payments`` orders one after another through the real relay: every 7th sale (by journal
sequence) is cancelled, every other is paid through the sandbox by the "customer". It can be killed at any
moment and restarted with the same arguments: it resumes from its journal (the core's recovery), finishes
what is open, and sells until the journal holds the planned number of orders. It prints ``READY`` after
start-up and ``DONE`` once every order is settled and every receipt printed.

Each physical print is appended (fsync'd) to ``prints.log`` in the data directory: ``<job_key> <original|reprint>``.

``--crash-at SEQ:CAUSE`` (repeatable) makes the driver SIGKILL itself right after the journal committed the
event ``CAUSE`` of sale number ``SEQ`` and before the core acted on it (subscribers run before the workers
may proceed) — the windows a random kill rarely hits. Each point fires once (a marker file remembers it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from kiosk.checkout import KioskCore, SessionChanged, State
from kiosk.checkout.config import KioskConfig, load_config
from kiosk.checkout.events import CoreEvent
from kiosk.checkout.receipts import PrintingDocuments
from kiosk.checkout.relay_client import Backoff
from kiosk.printing import Document, PrintQueue, StoreInfo, VirtualPrinter

CANCEL_EVERY = 7
CODES = ("6921168509256", "DRK-001", "CAF-002", "SNK-001", "BAK-003", "INS-006")


class LoggingPrinter:
    """The virtual printer, plus a durable log line per physical print (what "printed twice" counts)."""

    def __init__(self, inner: VirtualPrinter, log_path: Path):
        self.inner = inner
        self.log_path = log_path
        self._lock = threading.Lock()

    def status(self) -> object:
        return self.inner.status()

    def print_document(self, document: Document, *, job_name: str) -> int:
        sent = self.inner.print_document(document, job_name=job_name)
        with self._lock, self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{job_name} {'reprint' if document.is_reprint else 'original'}\n")
            log.flush()
            os.fsync(log.fileno())
        return sent


def should_cancel(sequence: int) -> bool:
    return sequence % CANCEL_EVERY == 0


def printing_core(config: KioskConfig, **options: Any) -> tuple[KioskCore, PrintQueue]:
    """The core with the logging virtual printer (``prints.log``) and quick retries, not started."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    printer = LoggingPrinter(VirtualPrinter(config.data_dir / "virtual-printer"), config.data_dir / "prints.log")
    queue = PrintQueue(config.journal_path, printer)  # type: ignore[arg-type]
    documents = PrintingDocuments(
        StoreInfo(config.store.name, config.store.address), kiosk_id=config.kiosk_id, training=False
    )
    core = KioskCore(config, printer=queue, documents=documents, backoff=Backoff(0.05, 0.3), wait_seconds=10, **options)
    return core, queue


def crash_at(
    config: KioskConfig, points: list[str], point_of: Callable[[SessionChanged], str | None]
) -> Callable[[CoreEvent], None]:
    """A subscriber that SIGKILLs this process right after the journal recorded ``SEQ:POINT`` of ``points``
    (``point_of`` names an event's point), each point once (a marker file in the data directory remembers it)."""
    planned = {tuple(point.split(":", 1)) for point in points}

    def crash_if_planned(event: CoreEvent) -> None:
        if not isinstance(event, SessionChanged):
            return
        point = point_of(event)
        sequence = str(int(event.session.out_trade_no[-5:]))
        marker = config.data_dir / f"crashed-{sequence}-{point}"
        if (sequence, point) in planned and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)

    return crash_if_planned


def finish_up(core: KioskCore, queue: PrintQueue, customer: httpx.Client) -> int:
    """Print DONE once nothing is left in the outbox or the print queue, then stop."""
    done = threading.Event()
    while core.journal.pending_commands() or queue.pending():
        done.wait(0.02)
    print("DONE", flush=True)
    core.stop()
    queue.stop()
    customer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--payments", type=int, default=50)
    parser.add_argument("--crash-at", action="append", default=[])
    args = parser.parse_args(argv)
    config = load_config(args.config)
    core, queue = printing_core(config)
    core.subscribe(crash_at(config, args.crash_at, lambda event: event.cause))
    queue.start()
    core.start()
    customer = httpx.Client(base_url=args.sandbox, timeout=10)
    print("READY", flush=True)

    def finish(otn: str, sequence: int) -> None:
        session = core.wait_for(otn, lambda s: s.state not in (State.CREATING, State.PENDING_CREATION), 30)
        if session.state is State.AWAITING_PAYMENT:
            if should_cancel(sequence):
                core.cancel(otn)
            else:
                assert session.code_url is not None
                # A second payment of a paid order is refused by the sandbox; that is fine here.
                customer.post("/sandbox/v1/payments", json={"code_url": session.code_url, "result": "SUCCESS"})
        core.wait_for(otn, lambda s: s.settled, 30)

    while True:
        for row in core.journal.all_orders():
            finish(row.out_trade_no, row.sequence)
        if core.journal.count_orders() >= args.payments:
            break
        index = core.journal.count_orders()
        cart = core.new_cart()
        cart.add_code(CODES[index % len(CODES)], 1 + index % 3)
        cart.add_code(CODES[(index + 1) % len(CODES)])
        core.charge(cart)
    return finish_up(core, queue, customer)


if __name__ == "__main__":
    sys.exit(main())
