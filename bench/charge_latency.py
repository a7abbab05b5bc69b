"""Kiosk core benchmark: time from *Charge* to code_url available in the core, and from a scanned payment code
to paid (both targets p95 < 60 ms on loopback).

Runs the real sandbox and the real relay as processes on 127.0.0.1 and a KioskCore in this process (journal
on disk, WAL, synchronous=FULL). For each QR sale: ``core.charge(cart)`` (journal write) → the core creates
the order at the relay → relay → sandbox → ``SessionChanged`` with the code_url; each order is then cancelled
and settled before the next one, so that measurements do not overlap. For each payment-code sale (付款码, a
sandbox code that pays at once): ``core.charge_code(cart, code)`` (the order and the attempt journaled) → the
relay stores the order and its flow, charges the code at the sandbox, stores the payment → ``SessionChanged``
to paid in the core (the scan-to-paid the clerk sees; the code itself is issued before the clock starts).

Usage: .venv/bin/python bench/charge_latency.py [--orders 200] [--codes 200]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stats import percentiles
from kiosk.checkout import KioskCore, PaymentSession, SessionChanged, State
from kiosk.checkout.config import KioskConfig, StoreInfoConfig
from kiosk.checkout.events import CoreEvent
from tests.support.relay import init_relay, start_relay
from tests.support.sandbox import start_sandbox_process

UNLIMITED = {"server": {"rate_limit_per_second": 1_000_000, "rate_limit_burst": 1_000_000}}
WARM_UP = 5


def log(message: str) -> None:
    sys.stderr.write(f"[charge bench] {message}\n")
    sys.stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--codes", type=int, default=200)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kiosk-charge-bench-"))
    sandbox = start_sandbox_process(root / "sandbox")
    relay = None
    core = None
    try:
        credentials = init_relay(sandbox.state_dir, root, settings=UNLIMITED)
        relay = start_relay(credentials)
        config = KioskConfig(
            relay_urls=(relay.base_url,),
            relay_token=credentials.kiosk_token,
            store=StoreInfoConfig(credentials.store_id, "基准测试店", "测试路 1 号"),
            kiosk_id=credentials.kiosk_id,
            data_dir=root / "kiosk",
        )
        core = KioskCore(config)
        shown: dict[str, float] = {}
        paid: dict[str, float] = {}
        changed = threading.Condition()

        def on_event(event: CoreEvent) -> None:
            if not isinstance(event, SessionChanged):
                return
            session: PaymentSession = event.session
            if session.code_url and session.out_trade_no not in shown:
                with changed:
                    shown[session.out_trade_no] = time.perf_counter()
                    changed.notify_all()
            if session.state is State.PAID and session.out_trade_no not in paid:
                with changed:
                    paid[session.out_trade_no] = time.perf_counter()
                    changed.notify_all()

        core.subscribe(on_event)
        # Time the relay round trip inside the core, to separate the core's own overhead from the relay's.
        relay_http: dict[str, float] = {}
        create_order = core.relay.create_order

        def timed_create(out_trade_no: str, *a: object, **k: object) -> object:
            began = time.perf_counter()
            try:
                return create_order(out_trade_no, *a, **k)  # type: ignore[arg-type]
            finally:
                relay_http[out_trade_no] = time.perf_counter() - began

        core.relay.create_order = timed_create  # type: ignore[assignment,method-assign]
        core.start()
        log(f"sandbox {sandbox.base_url}, relay {relay.base_url}, {args.orders} orders")

        to_code_url: list[float] = []
        charge_call: list[float] = []
        relay_round_trip: list[float] = []
        core_overhead: list[float] = []
        for index in range(WARM_UP + args.orders):
            cart = core.new_cart()
            cart.add(core.catalogue.items[index % len(core.catalogue)], 1 + index % 3)
            cart.add_code("DRK-001")
            started = time.perf_counter()
            session = core.charge(cart)
            returned = time.perf_counter()
            otn = session.out_trade_no
            with changed:
                if not changed.wait_for(lambda: otn in shown, timeout=10):  # noqa: B023 - waited on here
                    raise RuntimeError(f"no code_url for {session.out_trade_no}: {core.session(session.out_trade_no)}")
                arrived = shown[session.out_trade_no]
            if index >= WARM_UP:
                to_code_url.append(arrived - started)
                charge_call.append(returned - started)
                relay_round_trip.append(relay_http[session.out_trade_no])
                core_overhead.append(arrived - started - relay_http[session.out_trade_no])
            core.cancel(session.out_trade_no)
            core.wait_for(session.out_trade_no, lambda s: s.settled, 10)
            assert core.session(session.out_trade_no).state is State.CANCELLED

        scan_to_paid: list[float] = []
        for index in range(WARM_UP + args.codes):
            cart = core.new_cart()
            cart.add(core.catalogue.items[index % len(core.catalogue)], 1 + index % 3)
            code = sandbox.payment_code("success")  # the customer's phone: not part of the measurement
            started = time.perf_counter()
            session = core.charge_code(cart, code)
            otn = session.out_trade_no
            with changed:
                if not changed.wait_for(lambda: otn in paid, timeout=10):  # noqa: B023 - waited on here
                    raise RuntimeError(f"{otn} not paid: {core.session(otn)}")
                arrived = paid[otn]
            if index >= WARM_UP:
                scan_to_paid.append(arrived - started)
            core.wait_for(otn, lambda s: s.settled, 10)

        result = {
            "bench": "charge_latency",
            "orders": args.orders,
            "codes": args.codes,
            "scan_to_paid": percentiles(scan_to_paid),
            "scan_to_paid_meets_target": percentiles(scan_to_paid)["p95_ms"] < 60,
            "charge_to_code_url": percentiles(to_code_url),
            "charge_call": percentiles(charge_call),
            "relay_create_round_trip": percentiles(relay_round_trip),
            "core_overhead": percentiles(core_overhead),
            "target_p95_ms": 60,
            "meets_target": percentiles(to_code_url)["p95_ms"] < 60,
            "journal": {
                "journal_mode": core.journal.pragma("journal_mode"),
                "synchronous": core.journal.pragma("synchronous"),
            },
        }
        log(
            f"charge -> code_url p50 {result['charge_to_code_url']['p50_ms']} ms, "
            f"p95 {result['charge_to_code_url']['p95_ms']} ms; scan -> paid p50 "
            f"{result['scan_to_paid']['p50_ms']} ms, p95 {result['scan_to_paid']['p95_ms']} ms"
        )
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if core is not None:
            core.stop()
        if relay is not None:
            relay.stop()
        sandbox.stop()


if __name__ == "__main__":
    main()
