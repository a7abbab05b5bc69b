"""What the clerk must see at a glance, decided Qt-free: the payment server's link and since when, whether
Charge is allowed, how a sale's receipt is getting on, and which banner has the room when several show.

**Charge while the payment server is away.** Unreachable: Charge stays on. The order is journaled first and
waits, shown as "waiting for the payment server" with no QR and no countdown, and gets its QR the moment the
server answers (the kiosk learns of the server's return from the next request, at most a heartbeat later, so
refusing Charge on an old "offline" would turn away sales that would go through). Refused (the server
answers but rejects this kiosk's token): Charge is off, with the reason, because no order made now could
ever be created until someone fixes the credentials. The same when the server takes the token as another
store's or kiosk's than this kiosk is configured as (``IdentityMismatch``): its orders would be refused for
their numbers or made under another kiosk's name. Both are refused in the core too (:class:`ChargingOff`),
before anything is journaled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.events import ConnectionChanged, IdentityMismatch, PrintJobChanged
from kiosk.printing.errors import PrinterError
from kiosk.printing.faults import FaultAdvice, advice_for, fault_of
from kiosk.printing.printers import PrinterStatus


class Link(StrEnum):
    CONNECTING = "connecting"  # no request has answered yet
    ONLINE = "online"
    OFFLINE = "offline"  # unreachable: network, server down, timeouts
    REFUSED = "refused"  # reachable, but it refuses this kiosk's token or takes it as another kiosk's


@dataclass(frozen=True)
class RelayLink:
    """The payment server's link as the clerk sees it, and since when it has been so; ``mismatch``: why it is
    refused when the token is taken, but as another store's or kiosk's (None for a refused token)."""

    link: Link = Link.CONNECTING
    since: datetime | None = None
    mismatch: IdentityMismatch | None = None

    @classmethod
    def of(cls, online: bool | None, authorized: bool, mismatch: IdentityMismatch | None, now: datetime) -> RelayLink:
        link = _link(online, authorized, mismatch)
        return cls(link, None if link is Link.CONNECTING else now, _why(link, authorized, mismatch))

    def apply(self, event: ConnectionChanged, now: datetime) -> RelayLink:
        """The link after ``event``; ``since`` moves only when the link itself changes."""
        link = _link(event.online, event.authorized, event.mismatch)
        mismatch = _why(link, event.authorized, event.mismatch)
        if link is not self.link:
            return RelayLink(link, now, mismatch)
        return self if mismatch == self.mismatch else RelayLink(link, self.since, mismatch)

    @property
    def needs_banner(self) -> bool:
        return self.link in (Link.OFFLINE, Link.REFUSED)

    @property
    def charge_allowed(self) -> bool:
        return self.link is not Link.REFUSED


class ChargingOff(CheckoutError):
    """Charge refused while the payment server refuses this kiosk (``link``: why, and since when)."""

    def __init__(self, link: RelayLink):
        why = str(link.mismatch) if link.mismatch is not None else "the relay refuses this kiosk's token"
        super().__init__(f"charging is off: {why}")
        self.link = link


def _link(online: bool | None, authorized: bool, mismatch: IdentityMismatch | None) -> Link:
    if online is None:
        return Link.CONNECTING
    if online and (not authorized or mismatch is not None):
        return Link.REFUSED
    return Link.ONLINE if online else Link.OFFLINE


def _why(link: Link, authorized: bool, mismatch: IdentityMismatch | None) -> IdentityMismatch | None:
    """The mismatch while it is what refuses this kiosk (a refused token says nothing of which kiosk it is)."""
    return mismatch if link is Link.REFUSED and authorized else None


class Banner(StrEnum):
    """The banners over the cashier screen, most urgent first: money the customer has paid after a cancel,
    then the payment server (selling), then the printer (paper)."""

    LATE_PAYMENT = "late_payment"
    RELAY = "relay"
    PRINTER = "printer"


def detailed_banner(showing: Iterable[Banner]) -> Banner | None:
    """Which banner shows its advice in full: the most urgent one showing. The others keep their one-line
    title and their buttons, so that a bad day (all three at once) still leaves the sale on screen."""
    shown = set(showing)
    return next((banner for banner in Banner if banner in shown), None)


class ReceiptProgress(StrEnum):
    QUEUED = "queued"  # on its way to the printer
    PRINTING = "printing"
    WAITING = "waiting"  # the printer holds it (no paper, cover open …): Retry or skip
    PRINTED = "printed"
    SKIPPED = "skipped"


def receipt_progress(job: PrintJobChanged | None, printer_fault: FaultAdvice | None) -> ReceiptProgress:
    """How a receipt is getting on: ``job`` is its newest change (None: not queued yet), ``printer_fault``
    what holds the printer now (a receipt queued behind a held job waits as well)."""
    if job is None or job.state == "pending":
        held = printer_fault is not None or (job is not None and job.fault is not None)
        return ReceiptProgress.WAITING if held else ReceiptProgress.QUEUED
    match job.state:
        case "sending":
            return ReceiptProgress.PRINTING
        case "printed":
            return ReceiptProgress.PRINTED
        case "failed":
            return ReceiptProgress.WAITING  # this document cannot be printed: the clerk skips it
    return ReceiptProgress.SKIPPED  # skipped (or dropped, which a receipt never is)


def status_fault(status: PrinterStatus) -> FaultAdvice | None:
    """What a printer's reported status means for the clerk (no paper, cover open …), or None when ready."""
    try:
        status.raise_if_unavailable()
    except PrinterError as fault:
        return advice_for(fault_of(fault))
    return None
