"""``python -m kiosk.manager set-pin``: print a hashed manager PIN for ``kiosk.toml``."""

from __future__ import annotations

import sys

from kiosk.manager.pin import set_pin_main


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["set-pin"]:
        print("usage: python -m kiosk.manager set-pin", file=sys.stderr)
        return 2
    return set_pin_main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
