"""What the counter shows, decided Qt-free: the payment server's link and since when, Charge, receipts."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.checkout.counter import (
    Banner,
    Link,
    ReceiptProgress,
    RelayLink,
    detailed_banner,
    receipt_progress,
    status_fault,
)
from kiosk.checkout.events import ConnectionChanged, IdentityMismatch, KioskIdentity, PrintJobChanged
from kiosk.clock import CHINA_TZ
from kiosk.printing.faults import FaultKind, advice_for
from kiosk.printing.printers import VIRTUAL_FAULTS, PrinterStatus

T0 = datetime(2026, 12, 5, 14, 3, tzinfo=CHINA_TZ)


def test_the_link_keeps_the_moment_it_changed() -> None:
    link = RelayLink.of(None, True, None, T0)
    assert (link.link, link.since, link.needs_banner, link.charge_allowed) == (Link.CONNECTING, None, False, True)
    online = link.apply(ConnectionChanged(True), T0)
    assert (online.link, online.since) == (Link.ONLINE, T0)
    down = online.apply(ConnectionChanged(False, "connection refused"), T0 + timedelta(minutes=1))
    assert (down.link, down.since, down.needs_banner, down.charge_allowed) == (
        Link.OFFLINE,
        T0 + timedelta(minutes=1),
        True,
        True,  # an order made now waits for the server and goes through when it answers
    )
    # Still down a minute later (another failed request): since when it is down does not move.
    assert down.apply(ConnectionChanged(False, "timed out"), T0 + timedelta(minutes=2)) is down
    back = down.apply(ConnectionChanged(True), T0 + timedelta(minutes=3))
    assert (back.link, back.since, back.needs_banner) == (Link.ONLINE, T0 + timedelta(minutes=3), False)


def test_a_refused_token_turns_charge_off() -> None:
    refused = RelayLink.of(True, False, None, T0)
    assert (refused.link, refused.since, refused.needs_banner, refused.charge_allowed) == (
        Link.REFUSED,
        T0,
        True,
        False,
    )
    fixed = refused.apply(ConnectionChanged(True, None, True), T0 + timedelta(hours=1))
    assert fixed.charge_allowed and fixed.link is Link.ONLINE
    # Unreachable wins over "refused": nothing is known about the token while nobody answers.
    assert refused.apply(ConnectionChanged(False, "down", False), T0).link is Link.OFFLINE


def test_a_token_taken_as_another_kiosks_turns_charge_off_like_a_refused_one() -> None:
    mismatch = IdentityMismatch(KioskIdentity("S1", "K1"), KioskIdentity("S2", "K3"))
    online = RelayLink.of(True, True, None, T0)
    refused = online.apply(ConnectionChanged(True, str(mismatch), True, mismatch), T0 + timedelta(minutes=1))
    assert (refused.link, refused.since, refused.mismatch, refused.needs_banner, refused.charge_allowed) == (
        Link.REFUSED,
        T0 + timedelta(minutes=1),
        mismatch,
        True,
        False,
    )
    assert RelayLink.of(True, True, mismatch, T0).mismatch == mismatch
    # Another mismatch (the relay.toml edited again): the reason follows, "since" stays.
    other = IdentityMismatch(KioskIdentity("S1", "K1"), KioskIdentity("S1", "K3"))
    again = refused.apply(ConnectionChanged(True, str(other), True, other), T0 + timedelta(minutes=2))
    assert (again.mismatch, again.since) == (other, T0 + timedelta(minutes=1))
    # A refused token says nothing of which kiosk it is: refused, for the token.
    token = again.apply(ConnectionChanged(True, "refused", False, other), T0 + timedelta(minutes=3))
    assert (token.link, token.mismatch, token.since) == (Link.REFUSED, None, T0 + timedelta(minutes=1))
    assert again.apply(ConnectionChanged(False, "down", True, other), T0).link is Link.OFFLINE
    fixed = again.apply(ConnectionChanged(True, None, True, None), T0 + timedelta(minutes=4))
    assert (fixed.link, fixed.mismatch, fixed.charge_allowed) == (Link.ONLINE, None, True)


def job(state: str, fault: FaultKind | None = None) -> PrintJobChanged:
    return PrintJobChanged(
        job_id=7,
        job_key="S1-K1-20261205ABC00042:paid_receipt",
        document="paid_receipt",
        out_trade_no="S1-K1-20261205ABC00042",
        state=state,
        fault=None if fault is None else advice_for(fault),
    )


def test_how_a_receipt_is_getting_on() -> None:
    paper_out = advice_for(FaultKind.PAPER_OUT)
    assert receipt_progress(None, None) is ReceiptProgress.QUEUED
    assert receipt_progress(None, paper_out) is ReceiptProgress.WAITING  # behind a held job
    assert receipt_progress(job("pending"), None) is ReceiptProgress.QUEUED
    assert receipt_progress(job("pending", FaultKind.COVER_OPEN), None) is ReceiptProgress.WAITING
    assert receipt_progress(job("pending"), paper_out) is ReceiptProgress.WAITING
    assert receipt_progress(job("sending"), None) is ReceiptProgress.PRINTING
    assert receipt_progress(job("printed"), paper_out) is ReceiptProgress.PRINTED  # another job's fault now
    assert receipt_progress(job("failed", FaultKind.JOB_FAILED), None) is ReceiptProgress.WAITING
    assert receipt_progress(job("skipped"), None) is ReceiptProgress.SKIPPED


def test_a_printer_status_in_the_clerks_words() -> None:
    assert status_fault(PrinterStatus(online=True)) is None
    assert status_fault(PrinterStatus(online=True, paper_low=True)) is None  # low is not out: it still prints
    kinds = {name: status_fault(status) for name, status in VIRTUAL_FAULTS.items()}
    assert {name: (advice.kind.value if advice else None) for name, advice in kinds.items()} == {
        "paper_out": "paper_out",
        "cover_open": "cover_open",
        "offline": "offline",
        "printer_error": "printer_error",
    }
    assert kinds["paper_out"] is not None and kinds["paper_out"].title("zh_CN") == "缺纸"


def test_the_most_urgent_banner_gets_the_room() -> None:
    assert detailed_banner([]) is None
    assert detailed_banner([Banner.PRINTER]) is Banner.PRINTER
    assert detailed_banner([Banner.PRINTER, Banner.RELAY]) is Banner.RELAY
    assert detailed_banner([Banner.RELAY, Banner.PRINTER, Banner.LATE_PAYMENT]) is Banner.LATE_PAYMENT
