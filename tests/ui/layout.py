"""The layout check for every screen: helpers shared by ``test_layout.py`` and any screen added later.

A *screen* is a function that brings a kiosk window to one state (a page, a dialog, a notice) and returns
the top-level widgets to check: the main window and any dialog it opened. :func:`check_screen` resizes the
main window to each supported size, lets Qt lay it out, and collects what :func:`kiosk.ui.fit.misfits`
finds (touch targets too at 1024×768). To cover a new screen, add a function to ``SCREENS`` in
``test_layout.py`` (or call :func:`check_screen` from the new screen's own test).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDialog, QWidget

from kiosk.checkout import PaymentSession, State
from kiosk.clock import CHINA_TZ
from kiosk.ui.fit import TOUCH_TARGET, misfits, settle

#: The cashier's supported window sizes; the first is where touch targets are checked.
MAIN_SIZES = (QSize(1024, 768), QSize(1280, 800), QSize(1366, 768), QSize(1920, 1080))
CUSTOMER_SIZES = (QSize(800, 480), QSize(1024, 600), QSize(1280, 800))
TOUCH_SIZE = MAIN_SIZES[0]

_numbers = itertools.count(1)


def problems_in(top: QWidget, size: QSize, window: QWidget | None = None) -> list[str]:
    """What does not fit in ``top`` (a window or a dialog); a dialog must also lie inside ``window``."""
    touch = TOUCH_TARGET if size == TOUCH_SIZE else 0
    found = [f"{size.width()}×{size.height()} {misfit}" for misfit in misfits(top, min_target=touch)]
    if window is not None and top is not window:
        outer = QRect(window.mapToGlobal(window.rect().topLeft()), window.size())
        inner = QRect(top.mapToGlobal(top.rect().topLeft()), top.size())
        if not outer.contains(inner):
            found.append(f"{size.width()}×{size.height()} {top.objectName()}: {inner} is not inside its window {outer}")
    return found


def check_screen(window: QWidget, show: Callable[[], Iterable[QWidget]], sizes: Iterable[QSize]) -> list[str]:
    """Bring ``window`` to each size, run ``show`` (which returns what to check) and collect the misfits.

    Dialogs that ``show`` opened are closed again after each size."""
    found: list[str] = []
    for size in sizes:
        window.resize(size)
        settle()
        tops = list(show())
        settle()
        for top in tops:
            if isinstance(top, QDialog):
                top.fit()  # type: ignore[attr-defined]  # ActionDialog: follows the window's new size
                settle()
            found += problems_in(top, size, window)
        for top in tops:
            if isinstance(top, QDialog):
                top.reject()
                top.deleteLater()
        settle()
    return found


def session(state: State, **changes: Any) -> PaymentSession:
    """A payment in ``state`` with a long order number, for pages that only present one."""
    now = datetime.now(CHINA_TZ)
    values: dict[str, Any] = {
        "out_trade_no": f"store1-kiosk1-20261205A7K{next(_numbers):05d}",
        "amount_fen": 123456,
        "description": "统一老坛酸菜牛肉面（桶） 等12件",
        "charged_at": now,
        "expires_at": now + timedelta(minutes=5),
        "state": state,
        "trade_state": "NOTPAY",
        "code_url": "weixin://wxpay/bizpayurl?pr=LayoutTest1",
    }
    values.update(changes)
    return PaymentSession(**values)
