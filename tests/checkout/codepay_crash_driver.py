"""Payment-code sales as a process the crash test kills with SIGKILL: ``python -m tests.checkout.codepay_crash_driver``.

It charges ``--payments`` payment codes one after another through the real relay, each code from the sandbox for
the scenario :data:`PLAN` gives its sale number, and plays the customer's time: while an order is not settled and
nothing happened for :data:`IDLE` seconds, it moves the shared clock (``--clock``, the relay's too) and the sandbox's
on by 5 s, so passwords get typed, polls and deadlines come and reverses go out. It can be killed at any moment and
restarted with the same arguments: it resumes from its journal (the core's recovery), finishes what is open and
sells until the journal holds the planned number of orders. It prints ``READY`` after start-up and ``DONE`` once
everything is settled and printed.

Each physical print is appended (fsync'd) to ``prints.log`` in the data directory: ``<job_key> <original|reprint>``.

``--crash-at SEQ:POINT`` (repeatable) makes the driver SIGKILL itself right after the journal recorded, for sale
``SEQ``: ``charge`` (the order and the attempt journaled, the code not sent), ``USERPAYING`` (the customer is
typing the password), ``failed`` (the failure journaled) or ``paid`` (paid journaled, receipt not submitted) —
subscribers run before the core's workers may act on it. Each point fires once (a marker file remembers it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from kiosk.checkout import SessionChanged, State
from kiosk.checkout.config import load_config
from tests.checkout.crash_driver import crash_at, finish_up, printing_core
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
#: Real seconds without news before the customer's time moves on by 5 s. The relay acts on its clock within a
#: quarter of a second (its scheduler's tick); the pace must leave it time to poll before a code stops being fresh
#: for a resend (40 s on its clock: eight moves, over 3 s here), or a "system error, not recorded" sale would fail.
IDLE = 0.4


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
    config = load_config(args.config)
    clock = SharedClock(args.clock)
    core, queue = printing_core(config, clock=clock)
    core.subscribe(crash_at(config, args.crash_at, crash_point))
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
                core.wait_for(otn, lambda s: s.settled or s.version != version, IDLE)  # noqa: B023
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
    return finish_up(core, queue, customer)


if __name__ == "__main__":
    sys.exit(main())
