"""Payment-code sales as a process the crash test kills with SIGKILL: ``python -m tests.checkout.codepay_crash_driver``.

It charges ``--payments`` payment codes one after another through the real relay, each code from the sandbox for
the scenario :data:`PLAN` gives its sale number, and plays the customer's time: while an order is not settled it
moves the shared clock (``--clock``, the relay's too) and the sandbox's on by 5 s, so passwords get typed, polls
and deadlines come and reverses go out. It can be killed at any moment and restarted with the same arguments: it
resumes from its journal (the core's recovery), finishes what is open and sells until the journal holds the
planned number of orders. It prints ``READY`` after start-up and ``DONE`` once everything is settled and printed.

Each physical print is appended (fsync'd) to ``prints.log`` in the data directory: ``<job_key> <original|reprint>``.

``--crash-at SEQ:POINT`` (repeatable) makes the driver SIGKILL itself right after the journal recorded, for sale
``SEQ``: ``charge`` (the order and the attempt journaled, the code not sent), ``USERPAYING`` (the customer is
typing the password), ``failed`` (the failure journaled) or ``paid`` (paid journaled, receipt not submitted) —
subscribers run before the core's workers may act on it. Each point fires once (a marker file remembers it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

import httpx

from kiosk.checkout import KioskCore, SessionChanged, State
from kiosk.checkout.config import load_config
from kiosk.checkout.events import CoreEvent
from kiosk.checkout.receipts import PrintingDocuments
from kiosk.checkout.relay_client import Backoff
from kiosk.printing import PrintQueue, StoreInfo, VirtualPrinter
from tests.checkout.crash_driver import LoggingPrinter
from tests.support.clock import SharedClock

#: The scenario of each sale, by its sequence number (cycled).
PLAN = (
    "success",
    "password_then_success",
    "password_never",
    "insufficient_funds",
    "password_then_failure",
    "system_error_unrecorded",
    "bank_error",
)
CODES = ("DRK-001", "CAF-002", "SNK-001", "BAK-003")


def scenario(sequence: int) -> str:
    return PLAN[(sequence - 1) % len(PLAN)]


def crash_point(event: SessionChanged) -> str | None:
    session = event.session
    if event.cause == "charge":
        return "charge"
    if session.state is State.PAID:
        return "paid"
    if session.state is State.FAILED:
        return "failed"
    if session.trade_state == "USERPAYING":
        return "USERPAYING"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--clock", type=Path, required=True)
    parser.add_argument("--payments", type=int, default=14)
    parser.add_argument("--crash-at", action="append", default=[])
    args = parser.parse_args(argv)
    crash_points = {tuple(point.split(":", 1)) for point in args.crash_at}

    config = load_config(args.config)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    printer = LoggingPrinter(VirtualPrinter(config.data_dir / "virtual-printer"), config.data_dir / "prints.log")
    queue = PrintQueue(config.journal_path, printer)  # type: ignore[arg-type]
    documents = PrintingDocuments(
        StoreInfo(config.store.name, config.store.address), kiosk_id=config.kiosk_id, training=False
    )
    clock = SharedClock(args.clock)
    core = KioskCore(
        config, printer=queue, documents=documents, clock=clock, backoff=Backoff(0.05, 0.3), wait_seconds=10
    )

    def crash_if_planned(event: CoreEvent) -> None:
        if not isinstance(event, SessionChanged):
            return
        point = crash_point(event)
        sequence = str(int(event.session.out_trade_no[-5:]))
        marker = config.data_dir / f"crashed-{sequence}-{point}"
        if (sequence, point) in crash_points and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)

    core.subscribe(crash_if_planned)
    queue.start()
    core.start()
    customer = httpx.Client(base_url=args.sandbox, timeout=10)
    print("READY", flush=True)

    def advance(seconds: float) -> None:
        """The customer's time passes: the sandbox's clock and the one of the relay and this kiosk."""
        customer.post("/sandbox/v1/clock", json={"advance_seconds": seconds}).raise_for_status()
        clock.advance(seconds)

    def finish(otn: str) -> None:
        while not core.session(otn).settled:
            version = core.session(otn).version
            try:
                core.wait_for(otn, lambda s: s.settled or s.version != version, 1.0)  # noqa: B023
            except TimeoutError:
                advance(5)  # nothing happens until time passes: a password, a poll, a deadline, a reverse

    while True:
        for row in core.journal.all_orders():
            finish(row.out_trade_no)
        if core.journal.count_orders() >= args.payments:
            break
        sequence = core.journal.count_orders() + 1
        issued = customer.post("/sandbox/v1/payment-codes", json={"scenario": scenario(sequence)})
        issued.raise_for_status()
        cart = core.new_cart()
        cart.add_code(CODES[sequence % len(CODES)], 1 + sequence % 3)
        core.charge_code(cart, issued.json()["auth_code"])

    done = threading.Event()
    while core.journal.pending_commands() or queue.pending():
        done.wait(0.02)
    print("DONE", flush=True)
    core.stop()
    queue.stop()
    customer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
