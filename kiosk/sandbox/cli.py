"""``kiosk-sandbox --host 127.0.0.1 --port 0 --state-dir DIR [--time-scale F]``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-sandbox", description="Local WeChat Pay APIv3 sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, required=True, help="identity, sandbox.json and SQLite state")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="divide notification retry delays and refund processing by F"
    )
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")

    from kiosk.serving import serve_forever

    from .app import create_app
    from .identity import read_info, write_info

    state_dir: Path = args.state_dir.resolve()
    server, app = create_app(state_dir, args.time_scale)

    def ready(base_url: str) -> dict[str, Any]:
        write_info(state_dir, {**read_info(state_dir), "base_url": base_url})
        return {"base_url": base_url, "state_dir": str(state_dir), "sandbox_json": str(state_dir / "sandbox.json")}

    try:
        serve_forever(app, args.host, args.port, ready, server_header=False)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0
