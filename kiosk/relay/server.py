"""Serving the relay: :mod:`kiosk.serving` with a deep accept backlog.

A thousand kiosks may hold long-polls at once and reconnect together after a network blip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk import serving
from kiosk.serving import ServerHandle

BACKLOG = 4096


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start ``app`` on a background thread; returns once it accepts connections."""
    return serving.serve_in_thread(app, host, port, backlog=BACKLOG)


def serve_forever(app: Any, host: str, port: int, ready: Callable[[str], dict[str, Any]]) -> None:
    """Serve in the foreground; print one JSON line (``ready(base_url)``) once listening."""
    serving.serve_forever(app, host, port, ready, backlog=BACKLOG)
