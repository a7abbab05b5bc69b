"""The repeat-charge check on every Charge (``KioskCore.repeat_of``) against the number of orders in the journal.

A kiosk journal is filled with N paid orders of today and yesterday (default 200 and 20,000: a day of a
small shop, and a very busy kiosk's weeks squeezed into two days), all of the cart's goods, all paid before the
five-minute window but three. The check reads only the orders paid within the window (an index on the payment
time), so its cost stays flat as N grows; reading the two days' orders, as the check once did, is timed beside it
for comparison. The last receipt's lookup (``last_sale``, once per start) is timed too.

Usage: .venv/bin/python bench/repeat_check.py [--orders 200 20000]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stats import percentiles
from kiosk.checkout import KioskCore
from kiosk.clock import CHINA_TZ
from tests.support.journaled import StandingClock, journal_core, journal_order

ROUNDS = 200
NOW = datetime(2026, 12, 5, 18, 0, tzinfo=CHINA_TZ)
IN_WINDOW = 3


def fill(core: KioskCore, count: int) -> None:
    """``count`` paid orders of DRK-001 × 1 over yesterday and today, the newest ``IN_WINDOW`` within the window."""
    item = core.catalogue.lookup("DRK-001")
    assert item is not None
    span = timedelta(hours=40)  # from yesterday morning to six minutes ago
    with core.journal.transaction():
        for number in range(1, count + 1):
            if number <= count - IN_WINDOW:
                paid = NOW - timedelta(minutes=6) - span * (1 - number / count)
            else:
                paid = NOW - timedelta(minutes=count - number + 1)
            journal_order(core.journal, item, number, paid - timedelta(seconds=20), paid)


def timed(call: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def measure(count: int, root: Path) -> dict[str, object]:
    core = journal_core(root / str(count), StandingClock(NOW))
    try:
        fill(core, count)
        cart = core.new_cart()
        cart.add_code("DRK-001")
        repeat = core.repeat_of(cart)
        assert repeat is not None, "the newest payment is within the window"
        today = NOW.date()
        return {
            "orders": count,
            "repeat_of": percentiles(timed(lambda: core.repeat_of(cart))),
            "last_sale": percentiles(timed(core.last_sale)),
            "two_days_read": percentiles(timed(lambda: core.orders_between(today - timedelta(days=1), today), 20)),
        }
    finally:
        core.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 20_000])
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-repeat-") as scratch:
        results = [measure(count, Path(scratch)) for count in options.orders]
    for result in results:
        print(
            f"{result['orders']:>7} orders: repeat_of p50 {result['repeat_of']['p50_ms']} ms "  # type: ignore[index]
            f"(reading the two days: p50 {result['two_days_read']['p50_ms']} ms)"  # type: ignore[index]
        )
    print(json.dumps({"bench": "repeat_check", "in_window": IN_WINDOW, "results": results}))


if __name__ == "__main__":
    main()
