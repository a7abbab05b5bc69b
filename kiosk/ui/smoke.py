"""``--exit-after-sale``: one whole simulated training sale through the real window, for packaging smoke tests.

It drives the same buttons a clerk taps and watches the same widgets the tests watch.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer

from kiosk.checkout.events import PrintJobChanged
from kiosk.ui.app import SALE_MARKER
from kiosk.ui.main_window import MainWindow

POLL_MS = 50


def run_sale(window: MainWindow, *, on_done: Callable[[bool], None], timeout_ms: int) -> None:
    core = window.core
    assert core is not None and window.sale_view is not None and window.payment_view is not None
    sale, payment = window.sale_view, window.payment_view
    sale.add_item(core.catalogue.items[0])
    sale.charge_button.click()
    steps = {"simulated": False, "done": False}
    printed: set[str] = set()
    assert window.bridge is not None

    def job_changed(job: PrintJobChanged) -> None:
        if job.state == "printed":
            printed.add(job.job_key)

    window.bridge.printJobChanged.connect(job_changed)
    timer = QTimer(window)
    deadline = QTimer(window)
    deadline.setSingleShot(True)

    def end(ok: bool) -> None:
        if steps["done"]:
            return
        steps["done"] = True
        timer.stop()
        deadline.stop()
        print(f"{SALE_MARKER} ok={ok}", flush=True)
        on_done(ok)

    def poll() -> None:
        session = payment.session
        if session is None:
            return
        if not steps["simulated"] and payment.simulate_button.isEnabled() and payment.qr.text:
            steps["simulated"] = True
            payment.simulate_button.click()
        receipt = f"{session.out_trade_no}:paid_receipt"
        if session.is_paid and (core.print_queue is None or receipt in printed):
            end(True)

    timer.timeout.connect(poll)
    timer.start(POLL_MS)
    deadline.timeout.connect(lambda: end(False))
    deadline.start(timeout_ms)
