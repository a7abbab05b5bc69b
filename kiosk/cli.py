"""The ``kiosk`` command: the cashier application and its set-up tools."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "printer-test":
        from kiosk.printing.cli import printer_test_main

        return printer_test_main(args[1:])
    from kiosk.ui.app import run

    return run(args)
