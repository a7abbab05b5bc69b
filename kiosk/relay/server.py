"""Serving the relay: ``kiosk.serving`` plus TCP_NODELAY on the listening socket.

uvicorn writes a response's head and body separately; without TCP_NODELAY, Nagle's algorithm holds the
body until the client's delayed ACK (~40 ms on Linux), which alone would break the long-poll latency
target. asyncio only sets the option on sockets created with ``IPPROTO_TCP``, which
``kiosk.serving.bind_socket`` does not, so it is set here; accepted connections inherit it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from kiosk.serving import ServerHandle, base_url_of, bind_socket


def bind(host: str, port: int) -> socket.socket:
    sock = bind_socket(host, port)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _config(app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        backlog=4096,
    )


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start ``app`` on a background thread; returns once it accepts connections."""
    sock = bind(host, port)
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="relay-uvicorn", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("relay server thread exited before it started")
        threading.Event().wait(0.01)
    return ServerHandle(base_url_of(sock), server, thread)


def serve_forever(app: Any, host: str, port: int, ready: Callable[[str], dict[str, Any]]) -> None:
    """Serve in the foreground; print one JSON line (``ready(base_url)``) once listening."""
    sock = bind(host, port)
    base_url = base_url_of(sock)
    server = uvicorn.Server(_config(app))

    async def main() -> None:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            sys.stdout.write(json.dumps(ready(base_url), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        await serving

    asyncio.run(main())
