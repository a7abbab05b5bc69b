"""No double charge: the rules that keep a customer from paying twice for the same goods. Pure.

Two moments need them:

* **A payment lands after Cancel** (``paid_after_cancel``): the customer has paid for that order's goods.
  If the cart still holds exactly those goods, it is *settled* — emptied, the paid order shown — instead of
  being left one tap from a second charge; if a new charge for exactly those goods is open, it is cancelled
  before the customer can pay it too. A cart that only shares some goods is left alone (it may be the next
  customer's) and the clerk is warned.
* **Charge** of a cart identical to an order paid in the last few minutes asks the clerk to confirm
  (:func:`repeat_of`).

"Identical" means the same items in the same quantities, in any order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.checkout.cart import CartSnapshot
from kiosk.checkout.session import PaymentSession
from kiosk.journal import OrderItemRow

#: How long after a payment a cart with the same goods counts as a possible repeat.
REPEAT_WINDOW = timedelta(minutes=5)

#: Goods as (SKU, quantity) pairs, sorted: equal goods compare equal whatever the order of the lines.
Goods = tuple[tuple[str, int], ...]


def goods_of_cart(cart: CartSnapshot) -> Goods:
    return _goods((line.sku, line.quantity) for line in cart.lines)


def goods_of_items(items: Sequence[OrderItemRow]) -> Goods:
    return _goods((item.sku, item.quantity) for item in items)


def _goods(pairs: Iterable[tuple[str, int]]) -> Goods:
    totals: dict[str, int] = {}
    for sku, quantity in pairs:
        totals[sku] = totals.get(sku, 0) + quantity
    return tuple(sorted(totals.items()))


@dataclass(frozen=True)
class Order:
    """An order with its goods (what the clerk is told about, and what carts are compared with)."""

    session: PaymentSession
    items: tuple[OrderItemRow, ...]

    @property
    def goods(self) -> Goods:
        return goods_of_items(self.items)


def paid_at(session: PaymentSession) -> datetime:
    """When the money arrived (WeChat Pay's time when known, else when the order was made)."""
    return session.success_time or session.charged_at


def paid_within(session: PaymentSession, now: datetime, window: timedelta = REPEAT_WINDOW) -> bool:
    """Paid, and no longer than ``window`` ago (a clock a little behind WeChat Pay's still counts)."""
    return session.is_paid and abs(now - paid_at(session)) <= window


def repeat_of(
    cart: CartSnapshot, recent: Iterable[Order], now: datetime, window: timedelta = REPEAT_WINDOW
) -> Order | None:
    """The most recently paid order, paid within ``window`` of ``now``, with exactly the cart's goods."""
    goods = goods_of_cart(cart)
    if not goods:
        return None
    matches = [order for order in recent if paid_within(order.session, now, window) and order.goods == goods]
    return max(matches, key=lambda order: paid_at(order.session), default=None)


def shares_goods(cart: CartSnapshot, order: Order) -> bool:
    skus = {sku for sku, _ in order.goods}
    return any(line.sku in skus for line in cart.lines)


@dataclass(frozen=True)
class LatePaymentPlan:
    """What the window does when ``order`` was paid after it was cancelled or expired."""

    order: Order
    #: The cart holds exactly the paid goods: empty it and show the order as paid.
    settle_cart: bool
    #: An open charge for exactly the paid goods: cancel it (its out_trade_no) so it cannot be paid too.
    cancel: str | None
    #: The cart shares some goods with the paid order but is not the same: warn, change nothing.
    cart_overlaps: bool


def plan_late_payment(order: Order, cart: CartSnapshot, open_order: Order | None) -> LatePaymentPlan:
    """``cart``: the sale screen's cart now; ``open_order``: the charge on screen, if one is still open."""
    cancel = None
    if (
        open_order is not None
        and open_order.session.is_open
        and open_order.session.out_trade_no != order.session.out_trade_no
        and open_order.goods == order.goods
    ):
        cancel = open_order.session.out_trade_no
    identical = bool(cart.lines) and goods_of_cart(cart) == order.goods
    return LatePaymentPlan(
        order=order,
        settle_cart=identical,
        cancel=cancel,
        cart_overlaps=not identical and shares_goods(cart, order),
    )
