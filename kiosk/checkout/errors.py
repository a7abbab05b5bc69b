"""The root of every exception the kiosk core raises, so that a caller can catch them all as one."""

from __future__ import annotations


class CheckoutError(Exception):
    """Base of the kiosk core's errors: cart, catalogue, configuration, relay client and sessions."""
