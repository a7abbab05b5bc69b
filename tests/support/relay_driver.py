"""The real relay on a clock the test moves: ``python -m tests.support.relay_driver --config C --clock FILE``.

The relay's application, server and log exactly as ``kiosk-relay serve`` runs them, with one difference: its clock
is a :class:`tests.support.clock.SharedClock` over ``FILE``, so that a test moves the relay's time (the
payment-code timeline: polls, the deadline, the reverse) instead of sleeping through it, and can still kill the
relay with SIGKILL. Prints the same JSON ready line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.relay import create_app, load_config
from kiosk.relay.cli import configure_logging
from kiosk.relay.server import serve_forever
from tests.support.clock import SharedClock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--clock", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    app = create_app(load_config(args.config), clock=SharedClock(args.clock))

    def ready(base_url: str) -> dict[str, Any]:
        app.relay.base_url = base_url
        return {"base_url": base_url}

    serve_forever(app, "127.0.0.1", args.port, ready=ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
