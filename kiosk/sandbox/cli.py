"""``kiosk-sandbox --host 127.0.0.1 --port 0 --state-dir DIR [--time-scale F]``.

One sandbox per state directory (``DIR/sandbox.lock``). ``--port 0`` reuses the port of the last run on
the same state directory while it is free, so that a relay configured for it (``base_url`` in its
relay.toml) keeps working across restarts; otherwise it picks any free port. Mistakes (bad arguments, an
unusable state directory, a busy port, a second sandbox) are one line on stderr with exit code 2.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.commandline import ArgumentParser, CommandError, InstanceLock, fail
from kiosk.serving import ListenError

PROG = "kiosk-sandbox"
LOCK_FILE = "sandbox.lock"


def _parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, description="Local WeChat Pay APIv3 sandbox (docs/sandbox.md)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=0, help="0: the last run's port on this state directory if free, else any"
    )
    parser.add_argument("--state-dir", type=Path, required=True, help="identity, sandbox.json and SQLite state")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="divide notification retry delays and refund processing by F"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    state_dir: Path = args.state_dir.resolve()
    lock = InstanceLock(state_dir / LOCK_FILE, "another kiosk-sandbox")
    try:
        lock.acquire()
        _serve(state_dir, args.host, args.port, args.time_scale)
    except (CommandError, ListenError) as exc:
        return fail(PROG, exc)
    except KeyboardInterrupt:
        pass
    finally:
        lock.release()
    return 0


def _serve(state_dir: Path, host: str, port: int, time_scale: float) -> None:
    from kiosk.serving import serve_forever

    from .app import create_app
    from .identity import read_info, write_info

    try:
        server, app = create_app(state_dir, time_scale)
    except (OSError, ValueError, sqlite3.Error) as exc:  # unwritable directory, a damaged sandbox.json or database
        raise CommandError(f"state directory {state_dir}: {exc}") from None

    def ready(base_url: str) -> dict[str, Any]:
        write_info(state_dir, {**read_info(state_dir), "base_url": base_url})
        return {"base_url": base_url, "state_dir": str(state_dir), "sandbox_json": str(state_dir / "sandbox.json")}

    try:
        previous = _previous_port(read_info(state_dir)) if port == 0 else 0
        if previous:
            try:
                serve_forever(app, host, previous, ready, server_header=False)
                return
            except ListenError:
                pass  # taken by something else since: any free port, and sandbox.json says which
        serve_forever(app, host, port, ready, server_header=False)
    finally:
        server.shutdown()


def _previous_port(info: dict[str, Any]) -> int:
    try:
        return urlsplit(str(info.get("base_url", ""))).port or 0
    except ValueError:
        return 0
