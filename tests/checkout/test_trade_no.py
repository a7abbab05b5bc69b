from __future__ import annotations

from datetime import date

import pytest

from kiosk.checkout.trade_no import (
    MAX_SEQUENCE,
    is_valid_out_trade_no,
    make_out_trade_no,
    new_epoch,
    trade_no_prefix,
)
from kiosk.wire import store_prefix

DAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    "store, kiosk",
    [("S1", "K1"), ("store-001", "kiosk-01"), ("门店1", "k"), ("a" * 40, "b" * 40), ("x y", "z/1")],
)
def test_numbers_are_wechat_pay_safe(store: str, kiosk: str) -> None:
    value = make_out_trade_no(trade_no_prefix(store, kiosk), DAY, MAX_SEQUENCE, new_epoch())
    assert len(value) <= 32
    assert is_valid_out_trade_no(value)
    assert "20261129" in value


def test_readable_shape() -> None:
    assert make_out_trade_no(trade_no_prefix("S1", "K1"), DAY, 42, "A7K") == "S1-K1-20261129A7K00042"


def test_unique_per_store_kiosk_day_and_sequence() -> None:
    numbers = {
        make_out_trade_no(trade_no_prefix(store, kiosk), day, seq, epoch)
        for store in ("S1", "S2", "S11")
        for kiosk in ("K1", "1K1", "K")
        for day in (DAY, date(2026, 11, 30))
        for seq in (1, 2, 11)
        for epoch in ("000", "A7K")
    }
    assert len(numbers) == 3 * 3 * 2 * 3 * 2


def test_long_ids_hash_but_stay_distinct() -> None:
    a = trade_no_prefix("a" * 40, "b" * 40)
    b = trade_no_prefix("a" * 40, "b" * 39 + "c")
    assert a != b and len(a) <= 16


@pytest.mark.parametrize("sequence", [0, -1, MAX_SEQUENCE + 1])
def test_sequence_range(sequence: int) -> None:
    with pytest.raises(ValueError):
        make_out_trade_no("S-K-", DAY, sequence, "ABC")


@pytest.mark.parametrize("epoch", ["", "ab1", "ABCD", "A-1"])
def test_epoch_shape(epoch: str) -> None:
    with pytest.raises(ValueError):
        make_out_trade_no("S-K-", DAY, 1, epoch)


def test_epochs_are_random() -> None:
    assert len({new_epoch() for _ in range(50)}) > 40


def test_every_number_begins_with_its_stores_prefix_of_the_contract() -> None:
    """The relay takes a kiosk's new numbers only under the kiosk's store's prefix (kiosk.wire.store_prefix)."""
    for store, kiosk in [("S1", "K1"), ("store-001", "kiosk-01"), ("a" * 40, "b" * 40), ("--", "K1"), ("S1", "..")]:
        prefix = trade_no_prefix(store, kiosk)
        assert prefix.startswith(store_prefix(store)) and len(prefix) <= 16
        assert is_valid_out_trade_no(make_out_trade_no(prefix, DAY, 1, "A7K"))
    assert trade_no_prefix("--", "K1") != trade_no_prefix("..", "K1")  # no letters or digits: told apart by hash


@pytest.mark.parametrize(
    "value, ok", [("A-b_9", True), ("", False), ("a" * 33, False), ("订单1", False), ("a b", False)]
)
def test_validity(value: str, ok: bool) -> None:
    assert is_valid_out_trade_no(value) is ok
