from __future__ import annotations

import pytest

from kiosk.checkout.cart import DESCRIPTION_LIMIT, Cart, CartError, CartLine, TooMany, UnknownCode
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
    removed = cart.remove("C1")
    assert removed.kind == "removed" and removed.line is None
    assert [line.sku for line in cart.lines] == ["W1"]
    with pytest.raises(CartError):
        cart.remove("C1")
    with pytest.raises(CartError):
        cart.set_quantity("C1", 2)


def test_minus_stops_at_one_and_only_remove_takes_a_line_out() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER, 2)
    assert cart.increment("W1", -1).line.quantity == 1  # type: ignore[union-attr]
    stays = cart.increment("W1", -1)
    assert stays.kind == "updated" and stays.line is not None and stays.line.quantity == 1
    assert cart.increment("W1", -5).line.quantity == 1  # type: ignore[union-attr]
    with pytest.raises(CartError):
        cart.set_quantity("W1", 0)  # no hidden removal: the keypad asks for 1 to 999
    assert [(line.sku, line.quantity) for line in cart.lines] == [("W1", 1)]


def test_set_quantity_from_the_keypad() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER)
    cart.add(LATTE)
    change = cart.set_quantity("W1", 6)
    assert change.kind == "updated" and change.sku == "W1" and change.line == CartLine(WATER, 6)
    assert [line.sku for line in cart.lines] == ["W1", "C1"]  # the line keeps its place
    assert cart.total_fen == 6 * 200 + 1800
    for bad in (0, -1, 1000):
        with pytest.raises(CartError):
            cart.set_quantity("W1", bad)
    assert cart.lines[0].quantity == 6


def test_undo_puts_a_removed_line_back_in_its_place() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER, 3)
    cart.add(LATTE)
    cart.add(LONG)
    cart.remove("C1")
    assert cart.removal is not None and cart.removal.kind == "removed" and cart.removal.item_count == 1
    change = cart.undo()
    assert change.kind == "restored" and change.sku == "C1" and change.line == CartLine(LATTE, 1)
    assert [(line.sku, line.quantity) for line in cart.lines] == [("W1", 3), ("C1", 1), ("L1", 1)]
    assert cart.removal is None
    with pytest.raises(CartError):
        cart.undo()  # once


def test_undo_of_clear_restores_every_line_in_order() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER, 3)
    cart.add(LATTE, 2)
    before = cart.snapshot()
    cleared = cart.clear()
    assert cleared.snapshot.is_empty
    assert cart.removal is not None and cart.removal.kind == "cleared" and cart.removal.item_count == 5
    assert cart.undo().snapshot == before


def test_anything_else_ends_the_chance_to_undo() -> None:
    cart = Cart(CATALOGUE)
    cart.add(WATER)
    cart.add(LATTE)
    cart.remove("W1")
    cart.add(LONG)  # the clerk moved on
    assert cart.removal is None
    with pytest.raises(CartError):
        cart.undo()
    cart.remove("L1")
    cart.forget_removal()  # the UI's few seconds are over
    with pytest.raises(CartError):
        cart.undo()
    cart.clear(undoable=False)  # the cart became an order: nothing to take back
    assert cart.removal is None and cart.snapshot().is_empty
    Cart(CATALOGUE).clear()
    assert Cart(CATALOGUE).removal is None  # clearing an empty cart leaves nothing to undo


@pytest.mark.parametrize("quantity", [0, -1, 1000, True, 1.5])
def test_bad_quantities_are_refused(quantity: object) -> None:
    cart = Cart(CATALOGUE)
    with pytest.raises(CartError):
        cart.add(WATER, quantity)  # type: ignore[arg-type]
    assert cart.snapshot().is_empty


def test_a_line_holds_at_most_999() -> None:
    cart = Cart(CATALOGUE)
    cart.set_quantity(cart.add(WATER).sku or "", 999)
    with pytest.raises(TooMany) as caught:
        cart.add(WATER)
    assert caught.value.quantity == 1000
    with pytest.raises(TooMany):
        cart.increment("W1")
    assert cart.lines[0].quantity == 999


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
