"""A local WeChat Pay APIv3 server for training mode, demos and tests (``kiosk-sandbox``).

Public API::

    handle = start_sandbox(state_dir)          # embedded, on a background thread
    handle.base_url, handle.info, handle.stop()
    load_info(state_dir)                       # sandbox.json with absolute paths
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .identity import load_info

__all__ = ["SandboxHandle", "load_info", "start_sandbox"]


@dataclass
class SandboxHandle:
    """A sandbox serving from a thread of this process."""

    base_url: str
    info: dict[str, Any]
    state_dir: Path
    _stop: Any = field(repr=False)

    def stop(self) -> None:
        self._stop()


def start_sandbox(state_dir: Path, host: str = "127.0.0.1", port: int = 0, time_scale: float = 1.0) -> SandboxHandle:
    """Serve the sandbox for ``state_dir`` on a background thread; returns once it accepts connections."""
    from kiosk.serving import serve_in_thread

    from .app import create_app
    from .identity import read_info, write_info

    state_dir = Path(state_dir).resolve()
    server, app = create_app(state_dir, time_scale)
    handle = serve_in_thread(app, host, port, server_header=False)
    handle.on_stop.append(server.shutdown)
    write_info(state_dir, {**read_info(state_dir), "base_url": handle.base_url})
    return SandboxHandle(handle.base_url, load_info(state_dir), state_dir, handle.stop)
