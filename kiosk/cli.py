"""The ``kiosk`` command: the cashier application and its set-up tools.

``kiosk [--config kiosk.toml] [--kiosk] [--lang zh_CN|en] …`` opens the cashier window (training mode
without a configuration); ``kiosk printer-test …`` prints a printer's test page; ``kiosk set-pin`` makes
the ``[manager]`` PIN line for kiosk.toml. Sub-commands import only what they need, so set-up tools work
on a counter PC without starting Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "printer-test":
        from kiosk.printing.cli import printer_test_main

        return printer_test_main(args[1:])
    if args and args[0] == "set-pin":
        from kiosk.manager.pin import set_pin_main

        return set_pin_main(args[1:])
    from kiosk.ui.app import run

    return run(args)
