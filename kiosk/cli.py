"""The ``kiosk`` command: the cashier application and its set-up tools.

``kiosk [--config kiosk.toml] [--kiosk] [--lang zh_CN|en] …`` opens the cashier window (training mode
without a configuration); ``kiosk printer-test …`` prints a printer's test page; ``kiosk set-pin`` makes
the ``[manager]`` PIN line for kiosk.toml. Sub-commands import only what they need, so set-up tools work
on a counter PC without starting Qt.

Mistakes are one line on stderr with exit code 2 (:mod:`kiosk.commandline`): bad arguments, a configuration
mistake, no screen to show the window on, a second kiosk on the same data directory (``kiosk.lock`` there),
``set-pin`` without a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.commandline import ArgumentParser, CommandError, InstanceLock, fail

if TYPE_CHECKING:
    from kiosk.checkout import KioskConfig

PROG = "kiosk"
LOCK_FILE = "kiosk.lock"
#: The set-up commands beside the cashier screen, as ``kiosk --help`` lists them.
COMMANDS = {
    "printer-test": "print a test page through a printer profile",
    "set-pin": "make the hashed [manager] PIN line for kiosk.toml",
}


def commands_help() -> str:
    """The epilog of ``kiosk --help``."""
    width = max(len(name) for name in COMMANDS)
    lines = [f"  kiosk {name:<{width}}  {text} (kiosk {name} --help)" for name, text in COMMANDS.items()]
    return "set-up commands:\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["printer-test"]:
        from kiosk.printing.cli import printer_test_main

        return printer_test_main(args[1:])
    if args[:1] == ["set-pin"]:
        return set_pin(args[1:])
    return cashier(args)


def cashier(args: list[str]) -> int:
    """The cashier window, once no other kiosk runs on the same data directory.

    kiosk.toml is read here, once: its mistakes stop the command before any window, and the loaded
    configuration (its catalogue and printer profile with it) is what the window's core is built from."""
    from kiosk.ui.app import parse_args, run

    options = parse_args(args)
    try:
        _check_screen()
        config = _load_config(options.config)
        data_dir = config.data_dir if config is not None else _training_dir(options)
        lock = InstanceLock(data_dir / LOCK_FILE, "another kiosk")
        lock.acquire()
    except CommandError as exc:
        return fail(PROG, exc)
    try:
        return run(options, config)
    finally:
        lock.release()


def _check_screen() -> None:
    """On Linux, Qt without a display aborts (exit 134) blaming the xcb libraries; say what is wrong instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CommandError(
            "no screen to show the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): start it in a desktop "
            "session or under cage, or set QT_QPA_PLATFORM=offscreen to run it without a screen"
        )


def _load_config(path: Path | None) -> KioskConfig | None:
    """``--config``'s kiosk.toml, checked; None: training mode."""
    if path is None:
        return None
    from kiosk.checkout import KioskConfigError, load_config

    try:
        return load_config(path)
    except KioskConfigError as exc:
        raise CommandError(exc) from None


def _training_dir(options: Any) -> Path:
    """Where training mode keeps its world (and this kiosk its journal)."""
    return Path(options.data_dir) if options.data_dir is not None else default_training_dir()


def default_training_dir() -> Path:
    """kiosk.checkout.training.default_training_dir, without importing kiosk.checkout (~150 ms before the
    window's first paint); tests/test_cli.py keeps the two equal."""
    import platformdirs

    return Path(platformdirs.user_data_dir("kiosk", appauthor=False)) / "training"


def set_pin(args: list[str]) -> int:
    """``kiosk set-pin``: ask for a new PIN twice and print the line to paste into kiosk.toml."""
    parser = ArgumentParser(
        prog=f"{PROG} set-pin",
        description="Ask for a new manager PIN (4-12 digits) twice and print the [manager] pin_sha256 line to "
        "paste into kiosk.toml. Without a terminal, the PIN is read twice from standard input, one per line.",
    )
    parser.parse_args(args)
    from kiosk.manager.pin import PinFormatError, pin_setting

    try:
        print(pin_setting(_ask_pin("New manager PIN (4-12 digits): "), _ask_pin("Repeat the PIN: ")))
    except (CommandError, PinFormatError) as exc:
        return fail(parser.prog, exc)
    return 0


def _ask_pin(prompt: str) -> str:
    import getpass

    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        return getpass.getpass(prompt)
    line = stdin.readline() if stdin is not None else ""
    if not line:
        raise CommandError(
            "no terminal to ask for the PIN on: run it in a terminal, or give the PIN twice on standard input"
        )
    return line.rstrip("\r\n")
