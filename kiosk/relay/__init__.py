"""The relay: the kiosks' gateway to WeChat Pay and the receiver of its notifications.

Public API: :func:`start_embedded` (run inside the kiosk process on loopback), :func:`init_config`
(write a sandbox configuration), :func:`load_config` / :class:`ConfigError`, and :func:`create_app`
(the ASGI application). See docs/relay.md.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.serving import ServerHandle

from .app import RelayApp, create_app
from .config import ConfigError, RelayConfig, init_config, load_config
from .server import serve_in_thread


def start_embedded(config_path: Path, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Serve the relay on a background thread of this process; returns once it accepts connections.

    With ``notify_url = "auto"`` the relay tells WeChat Pay (the sandbox) to notify its own bound
    address; a shop without a public address relies on the relay's active queries alone.
    """
    config = load_config(config_path)
    app = create_app(config)
    handle = serve_in_thread(app, host, port)
    app.relay.base_url = handle.base_url
    return handle


__all__ = [
    "ConfigError",
    "RelayApp",
    "RelayConfig",
    "ServerHandle",
    "create_app",
    "init_config",
    "load_config",
    "start_embedded",
]
