"""The Qt-free kiosk core: catalogue, cart, payment sessions, relay client, configuration.

The UI uses :class:`KioskCore` (``kiosk.checkout.app``) and the event dataclasses; the rest is public for
tests and tools.
"""

from kiosk.checkout.app import KioskCore
from kiosk.checkout.cart import Cart, CartChange, CartError, CartLine, CartSnapshot, UnknownCode
from kiosk.checkout.catalogue import Catalogue, CatalogueError, Category, Item, load_catalogue, sample_catalogue
from kiosk.checkout.config import KioskConfig, KioskConfigError, load_config
from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.events import (
    ConnectionChanged,
    CoreError,
    CoreEvent,
    PaidAfterCancel,
    PrintSubmitted,
    RefundChanged,
    SessionChanged,
)
from kiosk.checkout.relay_client import RelayError, RelayRejected, RelayUnavailable
from kiosk.checkout.session import PaymentSession, State
from kiosk.checkout.session_manager import SessionError

__all__ = [
    "Cart",
    "CartChange",
    "CartError",
    "CartLine",
    "CartSnapshot",
    "Catalogue",
    "CatalogueError",
    "Category",
    "CheckoutError",
    "ConnectionChanged",
    "CoreError",
    "CoreEvent",
    "Item",
    "KioskConfig",
    "KioskConfigError",
    "KioskCore",
    "PaidAfterCancel",
    "PaymentSession",
    "PrintSubmitted",
    "RefundChanged",
    "RelayError",
    "RelayRejected",
    "RelayUnavailable",
    "SessionChanged",
    "SessionError",
    "State",
    "UnknownCode",
    "load_catalogue",
    "load_config",
    "sample_catalogue",
]
