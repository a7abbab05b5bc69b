from __future__ import annotations

import pytest

from kiosk.checkout.cart import DESCRIPTION_LIMIT, Cart, CartError, UnknownCode
from kiosk.checkout.catalogue import Catalogue, Category, Item

WATER = Item("W1", "6921168509256", "农夫山泉 550ml", "Water", 200, "drinks")
LATTE = Item("C1", None, "拿铁（中杯）", "Latte", 1800, "cafe")
LONG = Item("L1", None, "超" * 200, "Long", 1, "cafe")
CATALOGUE = Catalogue([Category("drinks", "饮料", "Drinks"), Category("cafe", "咖啡", "Coffee")], [WATER, LATTE, LONG])


def test_line_and_order_totals_in_fen() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER)
    cart.add("C1", 2)
    change = cart.add(WATER, 2)
    assert change.kind == "updated"
    assert change.line is not None and change.line.quantity == 3 and change.line.total_fen == 600
    assert cart.total_fen == 600 + 3600
    assert change.snapshot.total_fen == 4200
    assert cart.item_count == 5
    assert [line.sku for line in cart.lines] == ["W1", "C1"]


def test_add_by_scanned_code_and_sku() -> None:
    cart = Cart(CATALOGUE)
    assert cart.add_code("6921168509256\r\n").kind == "added"
    assert cart.add_code("c1").line == cart.lines[1]
    with pytest.raises(UnknownCode) as caught:
        cart.add_code(" 123 ")
    assert caught.value.code == "123"
    assert cart.total_fen == 2000


def test_quantity_changes_and_removal() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER, 2)
    cart.add(LATTE)
    assert cart.set_quantity("W1", 5).snapshot.total_fen == 1000 + 1800
    assert cart.increment("W1", -1).line.quantity == 4  # type: ignore[union-attr]
    removed = cart.increment("C1", -1)
    assert removed.kind == "removed" and removed.line is None
    assert cart.set_quantity("W1", 0).kind == "removed"
    assert cart.snapshot().is_empty and cart.total_fen == 0
    with pytest.raises(CartError):
        cart.remove("W1")


@pytest.mark.parametrize("quantity", [0, -1, 1000, True, 1.5])
def test_bad_quantities_are_refused(quantity: object) -> None:
    cart = Cart(CATALOGUE)
    with pytest.raises(CartError):
        cart.add(WATER, quantity)  # type: ignore[arg-type]
    assert cart.snapshot().is_empty


def test_snapshot_is_immutable_and_detached() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER)
    snapshot = cart.snapshot()
    cart.add(LATTE)
    cart.clear()
    assert snapshot.total_fen == 200 and snapshot.item_count == 1
    with pytest.raises(AttributeError):
        snapshot.lines = ()  # type: ignore[misc]


def test_description_for_wechat_pay() -> None:
    cart = Cart(CATALOGUE)
    with pytest.raises(CartError):
        cart.description()
    cart.add(WATER)
    assert cart.description() == "农夫山泉 550ml"
    cart.add(LATTE, 2)
    assert cart.description() == "农夫山泉 550ml 等3件"


def test_description_is_cut_to_127_characters_and_bytes() -> None:
    cart = Cart(CATALOGUE)
    cart.add(LONG)
    cart.add(WATER, 9)
    text = cart.description()
    assert len(text.encode("utf-8")) <= DESCRIPTION_LIMIT and len(text) <= DESCRIPTION_LIMIT
    assert text.endswith("… 等10件") and text.startswith("超超超")
    assert len(text.encode("utf-8")) > DESCRIPTION_LIMIT - 3  # cut as late as possible
    ascii_cart = Cart(Catalogue([], [Item("X", None, "x" * 300, "x", 1, "c")]))
    ascii_cart.add("X")
    assert len(ascii_cart.description().encode("utf-8")) == DESCRIPTION_LIMIT  # "…" is 3 bytes
    assert len(cart.description(limit=20).encode("utf-8")) <= 20


def test_clear_describes_the_change() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER)
    change = cart.clear()
    assert change.kind == "cleared" and change.snapshot.is_empty
