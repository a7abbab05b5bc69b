"""``kiosk --kiosk`` covers the whole screen of a real X server that has no window manager (a counter PC
started with xinit): Debian's Xvfb at 1024×768 and 1366×768, the window's size read back with xwininfo.

Xvfb and xwininfo come from the Debian packages ``xvfb`` and ``x11-utils`` (``.ci/run`` installs them).
Without them the test fails and says which to install: it never passes by not running.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ui.app import READY_MARKER

START_TIMEOUT = 60
TOOLS = ("Xvfb", "xwininfo")


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    pytest.fail(f"{', '.join(missing)} not installed (Debian: apt-get install xvfb x11-utils; .ci/run does)")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def bare_x_server(width: int, height: int, log: Path) -> Iterator[str]:
    """Xvfb with one screen of the given size and no window manager; yields its DISPLAY."""
    read, write = os.pipe()
    with (
        log.open("w") as errors,
        subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            text=True,
        ) as server,
    ):
        os.close(write)
        try:
            with os.fdopen(read) as pipe:
                number = pipe.readline().strip()  # Xvfb picks a free display and writes its number here
            assert number.isdigit(), f"Xvfb did not start: {log.read_text()}"
            yield f":{number}"
        finally:
            stop(server)


def xwininfo(display: str, *args: str) -> str:
    env = dict(os.environ, DISPLAY=display)
    return subprocess.run(["xwininfo", *args], env=env, capture_output=True, text=True, check=True, timeout=30).stdout


def kiosk_window(display: str) -> str | None:
    """``xwininfo -id`` of the mapped top-level window of class Kiosk, if there is one yet."""
    for window in re.findall(r"^\s+(0x[0-9a-f]+) .*\"Kiosk\"\)", xwininfo(display, "-root", "-tree"), re.M):
        info = xwininfo(display, "-id", window)
        if "IsViewable" in info:
            return info
    return None


def geometry(info: str) -> tuple[int, int, int, int]:
    def field(name: str) -> int:
        found = re.search(rf"{name}:\s+(-?\d+)", info)
        assert found, f"{name} missing from xwininfo:\n{info}"
        return int(found.group(1))

    return field("Absolute upper-left X"), field("Absolute upper-left Y"), field("Width"), field("Height")


@pytest.mark.parametrize("width, height", [(1024, 768), (1366, 768)])
def test_kiosk_mode_fills_a_screen_with_no_window_manager(width: int, height: int, tmp_path: Path) -> None:
    require_tools()
    log = tmp_path / "kiosk.log"
    with (
        bare_x_server(width, height, tmp_path / "xvfb.log") as display,
        log.open("w") as errors,
        subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--kiosk", "--data-dir", str(tmp_path / "training")],
            env=dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path / "home")),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as kiosk,
    ):
        try:
            assert kiosk.stdout is not None
            ready = kiosk.stdout.readline()  # painted and the core attached
            assert ready.startswith(READY_MARKER), f"{ready!r}\n{log.read_text()}"
            deadline = time.monotonic() + START_TIMEOUT
            info = kiosk_window(display)
            while info is None or geometry(info) != (0, 0, width, height):
                assert time.monotonic() < deadline, f"the kiosk window is not {width}×{height} at 0,0:\n{info}"
                time.sleep(0.2)
                info = kiosk_window(display)
        finally:
            stop(kiosk)
