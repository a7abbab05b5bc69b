"""kill -9 of a kiosk charging payment codes (付款码), at random moments and at planned ones (a code journaled but
not sent, a customer typing the password, a failure or a payment journaled but not acted on): nothing charged
twice, nothing left unresolved, every payment's receipt printed once, and the journal ending as WeChat Pay."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.journal import Journal
from tests.checkout.codepay_crash_driver import PLAN, scenario
from tests.checkout.test_crash import Driver, assert_receipts_printed_once, kill_until_done, write_config
from tests.support.world import World, start_world, stop_world

PAYMENTS = 2 * len(PLAN)
SEED = 20261216
CRASH_POINTS = (
    "1:charge",  # the order and the attempt journaled; the code never sent
    "2:USERPAYING",  # the customer is typing the password
    "4:failed",  # insufficient funds journaled; the reverse still to come
    "8:charge",  # again: a success code the kiosk forgets
    "9:USERPAYING",
    "9:paid",  # paid journaled, the receipt not submitted
)
PAID_SCENARIOS = {"success", "password_then_success", "system_error_unrecorded", "bank_error"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    world = start_world(tmp_path / "world", moved_clock=True)
    yield world
    stop_world(world)


def test_kill_9_while_charging_payment_codes(world: World, tmp_path: Path) -> None:
    assert world.clock is not None
    config = write_config(world, tmp_path / "kiosk.toml")
    args = [
        "tests.checkout.codepay_crash_driver",
        f"--config={config}",
        f"--sandbox={world.sandbox.base_url}",
        f"--clock={world.clock.path}",
        f"--payments={PAYMENTS}",
        *[f"--crash-at={point}" for point in CRASH_POINTS],
    ]
    kills = kill_until_done(lambda: Driver(args), random.Random(SEED), max_kills=8)
    fired = sorted(path.name for path in (tmp_path / "kiosk").glob("crashed-*"))
    assert fired == sorted(f"crashed-{point.replace(':', '-')}" for point in CRASH_POINTS)

    journal = Journal.open(tmp_path / "kiosk" / "journal.sqlite3")
    orders = journal.all_orders()
    assert sorted(o.sequence for o in orders) == list(range(1, PAYMENTS + 1))  # no order duplicated
    assert all(o.settled and not o.unresolved for o in orders) and journal.pending_commands() == []
    assert {o.method for o in orders} == {"MICROPAY"}
    print(f"kills={kills}")

    # WeChat Pay (the sandbox) holds at most one order per number, each code charged for one order at most.
    remote = Counter(o["out_trade_no"] for o in world.sandbox.orders())
    assert all(count == 1 for count in remote.values())
    codes = world.sandbox.control("GET", "/sandbox/v1/payment-codes")["codes"]
    used_for = Counter(code["out_trade_no"] for code in codes if code["out_trade_no"])
    assert all(count == 1 for count in used_for.values())
    states = {o["out_trade_no"]: o["trade_state"] for o in world.sandbox.orders()}

    lost = {1, 8}  # the planned kills before the code left the kiosk
    for order in orders:
        there = states.get(order.out_trade_no)
        if order.sequence in lost:
            assert (order.state, order.failure, there) == ("failed", "not_sent", None), order
        elif scenario(order.sequence) in PAID_SCENARIOS:
            assert (order.state, there) == ("paid", "SUCCESS"), order
        else:
            # Not paid: reversed at WeChat Pay (or never recorded there), with the reason for the clerk.
            assert order.state == "failed" and order.failure and there in ("REVOKED", None), order

    assert_receipts_printed_once(tmp_path / "kiosk", {o.out_trade_no for o in orders if o.state == "paid"})
    journal.close()
