"""Running an ASGI app with uvicorn, in a thread (embedded) or as the main program (CLI).

The sandbox and the relay both serve this way, so that training mode and tests can embed them on
loopback and the command-line tools print the same ready line.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn


class ListenError(OSError):
    """The address cannot be listened on (in use, not an address of this machine, not allowed)."""

    def __str__(self) -> str:
        return str(self.strerror)  # "cannot listen on HOST:PORT: why", without the "[Errno N]" prefix


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before serving so that port 0 resolves to a real port we can report; :class:`ListenError` if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it every
    # response waits for a delayed ACK (~40 ms on loopback).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets on Linux
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as exc:  # OverflowError: a port outside 0-65535
        sock.close()
        shown = f"[{host}]" if ":" in host else host
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ListenError(getattr(exc, "errno", None), f"cannot listen on {shown}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@dataclass
class ServerHandle:
    """A server running in a background thread of this process."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    on_stop: list[Callable[[], None]] = field(default_factory=list)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        for callback in self.on_stop:
            callback()


def _config(app: Any, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=options.pop("log_level", "warning"),
        access_log=False,
        lifespan=options.pop("lifespan", "on"),
        timeout_graceful_shutdown=options.pop("timeout_graceful_shutdown", 2),
        **options,
    )


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> ServerHandle:
    """Start ``app`` on a background thread and return once it accepts connections."""
    sock = bind_socket(host, port)
    server = uvicorn.Server(_config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("server thread exited before it started")
        threading.Event().wait(0.01)
    return ServerHandle(base_url_of(sock), server, thread)


def serve_forever(app: Any, host: str, port: int, ready: Callable[[str], dict[str, Any]], **options: Any) -> None:
    """Serve ``app`` in the foreground; print one JSON line (``ready(base_url)``) once listening."""
    sock = bind_socket(host, port)
    base_url = base_url_of(sock)
    server = uvicorn.Server(_config(app, **options))

    async def main() -> None:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if server.started:
            sys.stdout.write(json.dumps(ready(base_url), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        await serving

    asyncio.run(main())
