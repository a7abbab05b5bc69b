"""Serving the relay: :mod:`kiosk.serving` with the connection limits of ``[server]`` and a deep accept backlog.

A thousand kiosks may hold long-polls at once and reconnect together after a network blip. When the server
starts to stop, :meth:`RelayApp.stopping` answers every held long-poll at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk import serving
from kiosk.serving import ConnectionLimits, ServerHandle

from .app import RelayApp
from .config import ServerSettings

BACKLOG = 4096


def limits(settings: ServerSettings) -> ConnectionLimits:
    return ConnectionLimits(
        max_connections=settings.max_connections,
        header_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
        keep_alive=settings.keep_alive_seconds,
    )


def serve_in_thread(app: RelayApp, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start ``app`` on a background thread; returns once it accepts connections."""
    return serving.serve_in_thread(
        app, host, port, limits=limits(app.config.server), backlog=BACKLOG, on_shutdown=app.stopping
    )


def serve_forever(app: RelayApp, host: str, port: int, ready: Callable[[str], dict[str, Any]]) -> None:
    """Serve in the foreground; print one JSON line (``ready(base_url)``) once listening. Returns when stopped
    (SIGTERM, SIGINT) or when the relay gives up (``app.fatal``)."""
    serving.serve_forever(
        app,
        host,
        port,
        ready,
        limits=limits(app.config.server),
        backlog=BACKLOG,
        until=app.given_up,
        on_shutdown=app.stopping,
    )
