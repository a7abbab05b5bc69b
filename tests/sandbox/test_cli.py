"""``kiosk-sandbox`` across restarts: the same state directory keeps its port while that port is free."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.sandbox import load_info
from tests.support.sandbox import start_sandbox_process


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def test_a_restart_keeps_the_port_while_it_is_free(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start_sandbox_process(state)
    port = port_of(first.base_url)
    first.stop()

    again = start_sandbox_process(state)  # --port 0, as the command line is documented
    try:
        assert port_of(again.base_url) == port
        assert load_info(state)["base_url"] == first.base_url
        again.orders()  # and it answers there
    finally:
        again.stop()

    with socket.create_server(("127.0.0.1", port)):  # something else took the port meanwhile
        moved = start_sandbox_process(state)
        try:
            assert port_of(moved.base_url) != port
            assert load_info(state)["base_url"] == moved.base_url, "sandbox.json says where it is now"
        finally:
            moved.stop()
