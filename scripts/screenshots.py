"""Render the cashier screens for the docs into ``docs/screenshots/``: the sale (a cart with a highlighted line), a
search on the on-screen keys, the payment (QR), the paid screen, a customer's payment code being charged (the
customer enters the password) and the manager screen (Today, and a refund on its keypad) at 1024×768 and 1366×768;
the faults a clerk must not miss at 1024×768 (the printer out of paper holding a receipt, a payment that landed
after Cancel, the payment server out of reach); and the customer display (cart, payment by QR and by payment
code, a payment code that took nothing) at 1024×600; each in zh_CN and en. Offscreen, in training mode (the
payment server out of reach: a shop's configuration whose server does not answer); Chinese uses the bundled Noto
Sans CJK font. A screen that does not fit its size (``kiosk.ui.fit``) is reported and nothing is written for it:
the script exits 1.

    python scripts/screenshots.py [--out docs/screenshots]

Files are ``{scene}_{width}x{height}_{language}.png``. To add a scene, add a function to ``SCENES`` (or to
``FAULT_SCENES`` for 1024×768 only).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1024, 768), (1366, 768))
FAULT_SIZE = (1024, 768)
CUSTOMER_SIZE = (1024, 600)
LANGUAGES = ("zh_CN", "en")
#: How long the payment-code scene's customer takes over the password (the screen is shot meanwhile).
PASSWORD_SECONDS = 20
CART = ("DRK-001", "DRK-001", "CAF-002", "SNK-005", "INS-002", "BAK-001", "DRK-007")


def wait(condition: Callable[[], object], timeout: float = 20.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def sale(window: Any) -> None:
    window.sale_view.start_new_order()
    for sku in CART:
        window.sale_view.add_item(window.core.catalogue.by_sku(sku))
    window.sale_view.add_item(window.core.catalogue.by_sku("CAF-002"))  # a re-scan: highlighted


def search(window: Any) -> None:
    sale(window)
    window.sale_view.toggle_keys()
    for key in "KL":
        window.sale_view.keys.keys[key].click()
    wait(lambda: window.sale_view.left_pages.currentIndex() == 1)


def payment(window: Any) -> None:
    if window.sale_view.keys.isVisible():
        window.sale_view.toggle_keys()
    window.sale_view.clear_search()
    window.sale_view.charge_button.click()
    # The same cart as a sale a moment ago (the scenes repeat at each size): the clerk confirms.
    wait(lambda: window.repeat_dialog is not None or window.stack.currentWidget() is window.payment_view)
    if window.repeat_dialog is not None:
        window.repeat_dialog.charge_button.click()
    wait(lambda: window.payment_view.qr.text is not None)


def paid(window: Any) -> None:
    window.payment_view.simulate_button.click()
    wait(lambda: window.stack.currentWidget() is window.paid_view)
    window.paid_view.return_timer.stop()


def payment_code(window: Any) -> None:
    """The clerk scanned the customer's payment code (付款码) and the customer is entering the password
    (USERPAYING: 顾客正在输入支付密码, and how long it is waited for). The sandbox's customer takes 20 s over it,
    then pays."""
    window.new_order()
    sale(window)
    scan_customer_code(window)


def scan_customer_code(window: Any, scenario: str = "password_then_success") -> None:
    """A sandbox customer's code scanned for the cart; back once the customer is typing the password (or the code
    took nothing: ``scenario`` ``insufficient_funds``)."""
    import httpx

    from kiosk.checkout import State
    from kiosk.trade import TradeState

    customer = {"scenario": scenario, "password_seconds": PASSWORD_SECONDS}
    issued = httpx.post(f"{window.core.sandbox_url}/sandbox/v1/payment-codes", json=customer, timeout=10)
    issued.raise_for_status()
    window.sale_view.submit_code(issued.json()["auth_code"])  # as the scanner types it
    wait(lambda: window.repeat_dialog is not None or window.stack.currentWidget() is window.payment_view)
    if window.repeat_dialog is not None:  # the same goods as the sale just paid: the clerk confirms
        window.repeat_dialog.charge_button.click()
    wait(
        lambda: (
            window.current is not None
            and (window.current.trade_state == TradeState.USERPAYING or window.current.state is State.FAILED)
        )
    )


def manager(window: Any) -> None:
    """The manager's Today, logged in on the PIN keypad (training's PIN), after the sales of the scenes before."""
    from kiosk.manager.pin import TRAINING_PIN
    from kiosk.ui.manager_view import open_manager

    # The payment code's customer finishes the password first (the order is paid by code, then).
    wait(lambda: window.current is None or not window.current.is_open, timeout=PASSWORD_SECONDS + 30)
    window.new_order()
    dialog = open_manager(window, window.core)
    for digit in TRAINING_PIN:
        dialog.keypad.keys[digit].click()
    dialog.check()
    wait(lambda: open_view(window) is not None)
    view = open_view(window)
    wait(lambda: view.summary is not None and view.ops.in_flight == 0)


def manager_refund(window: Any) -> list[Any]:
    """A partial refund of the last sale: the amount on the keypad, a reason tapped."""
    view = open_view(window)
    view.tabs.setCurrentWidget(view.orders_tab)
    view.orders_view.selectRow(view.orders_view.model().rowCount() - 1)
    view.request_refund()
    wait(lambda: view.refund_dialog is not None and view.refund_dialog.isVisible())
    dialog = view.refund_dialog
    for key in "5":
        dialog.keypad.keys[key].click()
    dialog.reasons.choose("returned")
    return [dialog]


def open_view(window: Any) -> Any:
    """The manager screen on the window (closed ones wait for the event loop to delete them)."""
    from kiosk.ui.manager_view import ManagerView

    return next((view for view in window.findChildren(ManagerView) if view.isVisible()), None)


def close_manager(window: Any) -> None:
    view = open_view(window)
    if view.refund_dialog is not None:
        view.refund_dialog.reject()
    view.close()
    wait(lambda: not view.isVisible())


#: In order: each scene starts where the one before it left the window; a scene may return dialogs it opened.
SCENES: dict[str, Callable[[Any], Any]] = {
    "sale": sale,
    "search": search,
    "payment": payment,
    "paid": paid,
    "payment-code": payment_code,
    "manager": manager,
    "manager-refund": manager_refund,
}


def printer_fault(window: Any) -> None:
    """Out of paper (the training printer's practice fault) when a sale is paid: its receipt waits."""
    window.new_order()
    window.fault_button.click()  # training's "Practise: no paper"
    sale(window)
    payment(window)
    paid(window)
    wait(lambda: window.printer_banner.isVisible() and window.paid_view.progress == "waiting")


def late_payment(window: Any) -> None:
    """The clerk cancels while the customer is paying: the payment lands after Cancel (the close reaches
    WeChat Pay late, as the sandbox's latency fault makes it)."""
    import httpx

    core = window.core
    window.fault_button.click()  # paper back
    wait(lambda: not window.printer_banner.isVisible())
    window.new_order()
    sale(window)
    payment(window)
    otn = window.current.out_trade_no
    close = f"/v3/pay/transactions/out-trade-no/{otn}/close"
    faults = {"path_prefix": close, "kind": "latency", "latency_ms": 2000}
    httpx.post(f"{core.sandbox_url}/sandbox/v1/faults", json=faults, timeout=10).raise_for_status()
    code_url = window.current.code_url
    window.payment_view.cancel_button.click()
    wait(lambda: window.stack.currentWidget() is window.sale_view)
    httpx.post(f"{core.sandbox_url}/sandbox/v1/payments", json={"code_url": code_url}, timeout=10).raise_for_status()
    wait(lambda: window.alert.isVisible() and window.stack.currentWidget() is window.paid_view)
    window.paid_view.return_timer.stop()


#: At 1024×768 only, after SCENES.
FAULT_SCENES: dict[str, Callable[[Any], None]] = {"printer-fault": printer_fault, "late-payment": late_payment}


def fits_or_report(top: Any, name: str) -> bool:
    from kiosk.ui.fit import misfits

    problems = misfits(top)
    for problem in problems:
        print(f"{name}: {problem}", file=sys.stderr)
    return not problems


def render(language: str, data_dir: Path, out: Path) -> tuple[list[Path], bool]:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QPainter

    from kiosk.ui import create_main_window
    from kiosk.ui.customer_display import CustomerDisplay
    from kiosk.ui.fit import settle

    window = create_main_window(data_dir=data_dir, language=language, customer_display=False)
    written: list[Path] = []
    ok = True

    def shoot(top: Any, scene: str, size: tuple[int, int], dialogs: Any = None) -> None:
        nonlocal ok
        top.resize(*size)
        settle()
        for dialog in dialogs or ():
            dialog.fit()  # over the window's new size
        settle()
        name = f"{scene}_{size[0]}x{size[1]}_{language}.png"
        if all([fits_or_report(each, name) for each in (top, *(dialogs or ()))]):
            picture = top.grab()
            painter = QPainter(picture)
            for dialog in dialogs or ():  # a dialog is a window of its own: drawn where it stands over this one
                painter.drawPixmap(dialog.geometry().topLeft() - top.geometry().topLeft(), dialog.grab())
            painter.end()
            picture.save(str(out / name))
            written.append(out / name)
        else:
            ok = False

    try:
        window.show()
        wait(lambda: window.relay_status.property("online") == "true")
        for size in SIZES:
            for scene, show in SCENES.items():
                window.resize(*size)
                settle()
                shoot(window, scene, size, show(window))
            close_manager(window)
            window.new_order()
        for scene, show in FAULT_SCENES.items():
            show(window)
            shoot(window, scene, FAULT_SIZE)
        window.alert.acknowledge()
        window.new_order()
        display = CustomerDisplay(window.core.seconds_left)
        display.set_store(window.core.config.store.name)
        display.set_language(language)
        display.show()
        sale(window)
        display.show_cart(window.sale_view.cart.snapshot(), "CAF-002")
        shoot(display, "customer-cart", CUSTOMER_SIZE)
        payment(window)
        display.show_session(window.current)
        shoot(display, "customer-payment", CUSTOMER_SIZE)
        window.payment_view.cancel_button.click()
        wait(lambda: window.stack.currentWidget() is window.sale_view)
        scan_customer_code(window)  # the same cart by the customer's payment code instead
        display.show_session(window.current)
        shoot(display, "customer-payment-code", CUSTOMER_SIZE)
        window.payment_view.cancel_button.click()
        wait(lambda: window.stack.currentWidget() is window.sale_view)
        scan_customer_code(window, "insufficient_funds")  # the customer's card has too little on it
        display.show_session(window.current)
        shoot(display, "customer-payment-code-failed", CUSTOMER_SIZE)
        window.payment_view.back_button.click()
        display.close()
        # Deleted here, on the GUI thread: left to the cyclic garbage collector, it could be freed on whatever
        # thread happens to run a collection (Qt then warns that its timers belong to another thread).
        display.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    finally:
        window.allow_close()
        window.close()
    return written, ok


def render_offline(language: str, data_dir: Path, out: Path) -> tuple[list[Path], bool]:
    """The payment server out of reach: a shop's kiosk.toml whose server does not answer, a sale charged
    anyway (it waits, with no QR and no countdown), the banner with since when."""
    from kiosk.ui import create_main_window
    from kiosk.ui.fit import settle

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "kiosk.toml"
    config.write_text(
        f"""[relay]
url = "http://127.0.0.1:{port}"
token = "screenshot"

[store]
id = "S1"
name = "邻里便利"
address = "上海市徐汇区漕溪北路 1 号"

[kiosk]
id = "K1"
data_dir = "{data_dir.as_posix()}"

[printer]
profile = "virtual"
""",
        encoding="utf-8",
    )
    window = create_main_window(config, language=language, customer_display=False)
    name = f"relay-offline_{FAULT_SIZE[0]}x{FAULT_SIZE[1]}_{language}.png"
    try:
        window.show()
        wait(lambda: window.relay_banner is not None and window.relay_banner.isVisible())
        sale(window)
        window.sale_view.charge_button.click()
        wait(
            lambda: (
                window.payment_view.session is not None and window.payment_view.session.state.name == "PENDING_CREATION"
            )
        )
        window.resize(*FAULT_SIZE)
        settle()
        if not fits_or_report(window, name):
            return [], False
        window.grab().save(str(out / name))
        return [out / name], True
    finally:
        window.allow_close()
        window.close()


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    everything_fits = True
    with tempfile.TemporaryDirectory(prefix="kiosk-screenshots-") as scratch:
        for language in LANGUAGES:
            written, ok = render(language, Path(scratch) / language, options.out)
            offline, offline_ok = render_offline(language, Path(scratch) / f"offline-{language}", options.out)
            written += offline
            everything_fits = everything_fits and ok and offline_ok
            for path in written:
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    del app
    return 0 if everything_fits else 1


if __name__ == "__main__":
    sys.exit(main())
