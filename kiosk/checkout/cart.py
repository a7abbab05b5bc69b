"""The cart: what the clerk is ringing up. Pure, single-threaded (the UI thread owns it).

Every mutation returns a :class:`CartChange` describing what changed and the new snapshot, so the UI
redraws from that value instead of re-reading the cart.

A line only leaves the cart by :meth:`Cart.remove` or :meth:`Cart.clear` (− stops at 1), and the last of
those can be taken back with :meth:`Cart.undo` until anything else changes the cart: a clerk's slip of the
finger costs one tap, never a re-scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.checkout.catalogue import Catalogue, Item
from kiosk.checkout.errors import CheckoutError
from kiosk.wire import DESCRIPTION_BYTES

#: WeChat Pay's ``description`` is at most 127 UTF-8 bytes (the relay refuses more).
DESCRIPTION_LIMIT = DESCRIPTION_BYTES
MAX_LINE_QUANTITY = 999


class CartError(CheckoutError):
    """A cart operation that cannot be done (unknown code, bad quantity, empty cart at Charge)."""


class TooMany(CartError):
    """More of one item than a line may hold (:data:`MAX_LINE_QUANTITY`)."""

    def __init__(self, quantity: int):
        super().__init__(f"quantity {quantity} is more than {MAX_LINE_QUANTITY} on one line")
        self.quantity = quantity


class UnknownCode(CartError):
    def __init__(self, code: str):
        super().__init__(f"no item with barcode or SKU {code!r}")
        self.code = code


@dataclass(frozen=True)
class CartLine:
    item: Item
    quantity: int

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def unit_price_fen(self) -> int:
        return self.item.price_fen

    @property
    def total_fen(self) -> int:
        return self.item.price_fen * self.quantity


@dataclass(frozen=True)
class CartSnapshot:
    """An immutable view of the cart for the UI and for Charge."""

    lines: tuple[CartLine, ...]

    @property
    def total_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def description(self, limit: int = DESCRIPTION_LIMIT) -> str:
        return describe(self.lines, limit)


@dataclass(frozen=True)
class CartChange:
    """What a cart mutation did: ``line`` is the line after the change (None once removed)."""

    kind: Literal["added", "updated", "removed", "cleared", "restored"]
    sku: str | None
    line: CartLine | None
    snapshot: CartSnapshot


@dataclass(frozen=True)
class Removal:
    """What :meth:`Cart.undo` would put back: the lines a remove or clear took, with their places."""

    kind: Literal["removed", "cleared"]
    lines: tuple[tuple[int, CartLine], ...]  # (index in the cart, line), in cart order

    @property
    def item_count(self) -> int:
        return sum(line.quantity for _, line in self.lines)


def describe(lines: tuple[CartLine, ...] | list[CartLine], limit: int = DESCRIPTION_LIMIT) -> str:
    """WeChat Pay's order description: ``可口可乐 330ml`` or ``可口可乐 330ml 等3件``.

    At most ``limit`` characters AND ``limit`` UTF-8 bytes: the API documents ``string[1,127]`` and the
    client library enforces both readings (a Chinese character is 3 bytes)."""
    if not lines:
        raise CartError("an empty cart has no description")
    count = sum(line.quantity for line in lines)
    name = lines[0].item.name_zh
    suffix = f" 等{count}件" if count > 1 else ""

    def fits(text: str) -> bool:
        return len(text) <= limit and len(text.encode("utf-8")) <= limit

    if fits(name + suffix):
        return name + suffix
    while name and not fits(name + "…" + suffix):
        name = name[:-1]
    return (name + "…" + suffix) if name else (name + suffix)[:limit]


class Cart:
    """Lines in the order they were first added; adding the same item again raises its quantity."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._lines: dict[str, CartLine] = {}
        self._removal: Removal | None = None

    def add(self, item: Item | str, quantity: int = 1) -> CartChange:
        """Add an item (or its SKU); ``quantity`` is added to an existing line."""
        resolved = self._resolve(item)
        _check_quantity(quantity)
        existing = self._lines.get(resolved.sku)
        new_quantity = quantity + (existing.quantity if existing else 0)
        _check_quantity(new_quantity)
        line = CartLine(resolved, new_quantity)
        self._lines[resolved.sku] = line
        self._removal = None
        return CartChange("updated" if existing else "added", resolved.sku, line, self.snapshot())

    def add_code(self, code: str, quantity: int = 1) -> CartChange:
        """Add by barcode or SKU as typed by a USB scanner (the trailing Enter already stripped or not)."""
        item = self.catalogue.lookup(code)
        if item is None:
            raise UnknownCode(code.strip())
        return self.add(item, quantity)

    def set_quantity(self, sku: str, quantity: int) -> CartChange:
        """Set a line's quantity (1 to 999; a line is taken out with :meth:`remove`)."""
        _check_quantity(quantity)
        line = CartLine(self._line(sku).item, quantity)
        self._lines[sku] = line
        self._removal = None
        return CartChange("updated", sku, line, self.snapshot())

    def increment(self, sku: str, delta: int = 1) -> CartChange:
        """The +/− buttons: change a line by ``delta``, never below 1."""
        return self.set_quantity(sku, max(self._line(sku).quantity + delta, 1))

    def remove(self, sku: str) -> CartChange:
        """Take a line out; :meth:`undo` puts it back in its place."""
        index = list(self._lines).index(self._line(sku).sku)
        line = self._lines.pop(sku)
        self._removal = Removal("removed", ((index, line),))
        return CartChange("removed", sku, None, self.snapshot())

    def clear(self, *, undoable: bool = True) -> CartChange:
        """Empty the cart. ``undoable=False`` when the lines became an order (after a sale there is
        nothing to take back into the cart)."""
        lines = tuple(enumerate(self._lines.values()))
        self._lines.clear()
        self._removal = Removal("cleared", lines) if undoable and lines else None
        return CartChange("cleared", None, None, self.snapshot())

    @property
    def removal(self) -> Removal | None:
        """The last remove or clear, while :meth:`undo` can still take it back."""
        return self._removal

    def undo(self) -> CartChange:
        """Put back what the last remove or clear took, each line in its old place."""
        removal = self._removal
        if removal is None:
            raise CartError("nothing to undo")
        ordered = list(self._lines.values())
        for index, line in removal.lines:
            ordered.insert(min(index, len(ordered)), line)
        self._lines = {line.sku: line for line in ordered}
        self._removal = None
        first = removal.lines[0][1]
        return CartChange("restored", first.sku, first, self.snapshot())

    def forget_removal(self) -> None:
        """The time to undo is over (the UI decides how long that is)."""
        self._removal = None

    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines.values())

    @property
    def total_fen(self) -> int:
        return sum(line.total_fen for line in self._lines.values())

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self._lines.values())

    def description(self, limit: int = DESCRIPTION_LIMIT) -> str:
        return describe(self.lines, limit)

    def snapshot(self) -> CartSnapshot:
        return CartSnapshot(self.lines)

    def _line(self, sku: str) -> CartLine:
        line = self._lines.get(sku)
        if line is None:
            raise CartError(f"{sku!r} is not in the cart")
        return line

    def _resolve(self, item: Item | str) -> Item:
        if isinstance(item, Item):
            return item
        found = self.catalogue.by_sku(item)
        if found is None:
            raise UnknownCode(item)
        return found


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise CartError(f"quantity must be an integer, not {quantity!r}")
    if quantity < 1:
        raise CartError(f"quantity must be positive, not {quantity}")
    if quantity > MAX_LINE_QUANTITY:
        raise TooMany(quantity)
