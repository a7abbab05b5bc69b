"""Background operations (kiosk/ui/ops.py): blocking calls off the GUI thread, results back on it."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, Qt
from pytestqt.qtbot import QtBot

from kiosk.ui.ops import BackgroundOps


def test_the_result_and_the_failure_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    ops = BackgroundOps()
    gui = threading.get_ident()
    seen: list[tuple[str, object, int]] = []

    def boom() -> None:
        raise ValueError("no")

    ops.run(lambda: 42, on_done=lambda value: seen.append(("done", value, threading.get_ident())))
    ops.run(boom, on_error=lambda exc: seen.append(("error", str(exc), threading.get_ident())))
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert sorted(seen) == [("done", 42, gui), ("error", "no", gui)]
    assert ops.in_flight == 0


def test_what_an_operation_held_last_is_let_go_on_the_gui_thread(qtbot: QtBot) -> None:
    """A dialog closed while its check runs may live on only in the operation's callable: destroying a Qt
    object is for the GUI thread, never a pool thread."""
    ops = BackgroundOps()
    gui = threading.get_ident()
    release = threading.Event()
    destroyed_on: list[int] = []
    held = QObject()
    held.destroyed.connect(lambda: destroyed_on.append(threading.get_ident()), Qt.ConnectionType.DirectConnection)

    def check(dialog: QObject = held) -> str:
        assert release.wait(10)
        return "checked"

    answers: list[str] = []
    ops.run(check, on_done=answers.append)
    del held, check  # the window let go of the dialog; only the operation holds it now
    release.set()
    qtbot.waitUntil(lambda: answers == ["checked"])
    ops.stop()
    gc.collect()
    qtbot.waitUntil(lambda: destroyed_on != [])
    assert destroyed_on == [gui]


def test_a_stopped_ops_starts_nothing_more(qtbot: QtBot) -> None:
    ops = BackgroundOps()
    assert ops.stop()
    ran: list[bool] = []
    ops.run(lambda: ran.append(True))
    qtbot.wait(50)
    assert ran == [] and ops.in_flight == 0
