"""pytest-qt fixtures for the cashier screen: offscreen Qt, a real training-mode core per test.

``QT_QPA_PLATFORM`` is set here, at import, before pytest-qt creates the first QApplication.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless, and the same everywhere

import io
import shutil
import socket
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.ui import create_main_window
from kiosk.ui.main_window import MainWindow
from tests.support.clock import MovableClock
from tests.support.world import World, start_world, stop_world

#: Generous: the embedded relay and sandbox run in this process, alongside the GUI thread.
WAIT_MS = 15_000

__all__ = [
    "WAIT_MS",
    "Kiosk",
    "MovableClock",
    "StalledRelay",
    "World",
    "free_port",
    "grab_image",
    "world_config",
    "write_config",
]


@dataclass
class Kiosk:
    """A window over a training core, and handles on what a test needs to look at."""

    window: MainWindow
    root: Path
    qtbot: QtBot

    def child(self, name: str) -> Any:
        widget = self.window.findChild(QWidget, name)
        assert widget is not None, f"no widget named {name}"
        return widget

    def button(self, name: str) -> QPushButton:
        button = self.child(name)
        assert isinstance(button, QPushButton)
        return button

    def label(self, name: str) -> QLabel:
        label = self.child(name)
        assert isinstance(label, QLabel)
        return label

    @property
    def sandbox_url(self) -> str:
        # Training mode writes the relay's configuration, which points at the embedded sandbox.
        document = tomllib.loads((self.root / "relay" / "relay.toml").read_text("utf-8"))
        return str(document["wechatpay"]["base_url"])

    @property
    def printer_dir(self) -> Path:
        return self.root / "kiosk" / "virtual-printer"

    def printed(self, pattern: str) -> list[Path]:
        return sorted(self.printer_dir.glob(pattern)) if self.printer_dir.is_dir() else []

    def sandbox_control(self, call: str, **body: Any) -> None:
        """``POST /sandbox/v1/{call}`` on the training kiosk's embedded sandbox."""
        httpx.post(f"{self.sandbox_url}/sandbox/v1/{call}", json=body, timeout=10).raise_for_status()

    def refund_processed(self, out_trade_no: str) -> None:
        """WeChat Pay processes a refund in a few seconds: once the sandbox has the order's latest refund, its
        clock moves on instead of the test waiting."""
        core = self.window.core
        assert core is not None
        self.qtbot.waitUntil(
            lambda: any(refund.state != "REQUESTED" for refund in core.refunds(out_trade_no)[-1:]), timeout=WAIT_MS
        )
        self.sandbox_control("clock", advance_seconds=6)

    def payment_state(self) -> str:
        return str(self.label("paymentStatusLabel").property("state"))

    def wait_state(self, *states: str, timeout: int = WAIT_MS) -> str:
        self.qtbot.waitUntil(lambda: self.payment_state() in states, timeout=timeout)
        return self.payment_state()

    def add(self, sku: str) -> None:
        self.qtbot.mouseClick(self.button(f"item_{sku}"), _left())

    def charge(self) -> str:
        """Tap Charge and wait for the QR; returns the out_trade_no."""
        self.qtbot.mouseClick(self.button("chargeButton"), _left())
        self.wait_state("NOTPAY")
        self.qtbot.waitUntil(lambda: self.child("qrView").text is not None, timeout=WAIT_MS)
        session = self.window.current
        assert session is not None
        return session.out_trade_no


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def grab_image(widget: QWidget) -> Image.Image:
    """What the widget paints, as a Pillow image."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert widget.grab().toImage().save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data().data())))


@pytest.fixture(scope="session")
def training_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh training world made once (its key generation is the slow part); each test gets a copy."""
    from kiosk.checkout import KioskCore

    root = tmp_path_factory.mktemp("training-template") / "training"
    KioskCore.training_mode(data_dir=root).stop()
    return root


@pytest.fixture
def make_kiosk(qtbot: QtBot, tmp_path: Path, training_template: Path) -> Iterator[Callable[..., Kiosk]]:
    windows: list[MainWindow] = []

    def make(config_path: Path | None = None, **options: Any) -> Kiosk:
        root = tmp_path / "training"
        if config_path is None and not root.exists():
            shutil.copytree(training_template, root)
        options.setdefault("customer_display", False)
        window = create_main_window(config_path, data_dir=None if config_path else root, **options)
        windows.append(window)
        qtbot.addWidget(window, before_close_func=lambda closing: closing.allow_close())  # no PIN at teardown
        if not options.get("kiosk_mode"):
            window.resize(1280, 800)  # the design size (the offscreen screen is only 800×600)
        window.show()
        qtbot.waitExposed(window)
        return Kiosk(window, root, qtbot)

    yield make
    for window in windows:
        window.allow_close()
        window.close()


@pytest.fixture
def kiosk(make_kiosk: Callable[..., Kiosk]) -> Kiosk:
    return make_kiosk()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StalledRelay:
    """A TCP listener on 127.0.0.1 that accepts connections and never answers (a hung relay)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(32)
        self.port = int(self.server.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for connection in self.connections:
            connection.close()
        self.server.close()


def write_config(path: Path, relay_url: str, data_dir: Path) -> Path:
    """A live-mode kiosk.toml for a relay at ``relay_url`` (the relay itself is up to the test)."""
    path.write_text(
        f"""
[relay]
url = "{relay_url}"
token = "test-token"

[store]
id = "S1"
name = "测试便利店"
address = "测试路 1 号"

[kiosk]
id = "K1"
data_dir = "{data_dir.as_posix()}"

[printer]
profile = "virtual"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def live_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A sandbox and a relay as processes, for kiosks configured as in a shop (``world_config``)."""
    world = start_world(tmp_path_factory.mktemp("ui-world"))
    yield world
    stop_world(world)


def world_config(path: Path, world: World, data_dir: Path, **printer: str) -> Path:
    """A live-mode kiosk.toml for ``world``'s relay with this kiosk's real credentials, the virtual printer and
    ``printer``'s extra ``[printer]`` keys (``receipt = "ask"`` …)."""
    extra = "".join(f'{key} = "{value}"\n' for key, value in printer.items())
    credentials = world.credentials
    path.write_text(
        f"""
[relay]
url = "{world.relay_url}"
token = "{credentials.kiosk_token}"

[store]
id = "{credentials.store_id}"
name = "测试便利店"
address = "测试路 1 号"

[kiosk]
id = "{credentials.kiosk_id}"
data_dir = "{data_dir.as_posix()}"

[printer]
profile = "virtual"
{extra}""",
        encoding="utf-8",
    )
    return path
