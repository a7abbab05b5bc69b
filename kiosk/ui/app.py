"""``kiosk`` — the cashier application: argument parsing, QApplication set-up and start-up order.

The window paints first; the core (in training mode: the embedded sandbox and relay) is built on a
background thread and attached when ready, so the clerk never stares at nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.checkout import KioskConfig, KioskCore

log = logging.getLogger(__name__)

#: Printed on stdout by --exit-after-start / --exit-after-sale for smoke tests and the start-up bench.
READY_MARKER = "KIOSK_READY"
SALE_MARKER = "KIOSK_SALE_DONE"
SALE_TIMEOUT_MS = 60_000


def parse_args(args: list[str]) -> argparse.Namespace:
    from kiosk.cli import commands_help
    from kiosk.commandline import ArgumentParser

    parser = ArgumentParser(
        prog="kiosk",
        description="Kiosk cashier screen (WeChat Pay Native).",
        epilog=commands_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, help="kiosk.toml (default: training mode, nothing to set up)")
    parser.add_argument("--kiosk", action="store_true", help="full-screen, frameless; closing needs the manager PIN")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="language (default: [ui] language, else zh_CN)")
    parser.add_argument("--data-dir", type=Path, help="training mode only: where the training world lives")
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="smoke test: exit 0 once the window is painted and the core is running",
    )
    parser.add_argument(
        "--exit-after-sale",
        action="store_true",
        help="smoke test (training): run one simulated sale end to end, then exit 0",
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    parsed = parser.parse_args(args)
    if parsed.exit_after_sale and parsed.config is not None:
        parser.error("--exit-after-sale needs training mode (no --config)")
    return parsed


def run(options: argparse.Namespace, config: KioskConfig | None) -> int:
    """The window for :func:`parse_args`' ``options`` over ``config`` (``--config``, loaded and checked by the
    ``kiosk`` command before any window; ``None``: training mode in ``--data-dir``)."""
    started = time.time()
    logging.basicConfig(level=options.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    language = options.lang or (config.language if config is not None else None)

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.i18n import Translations
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.notices import install_excepthook
    from kiosk.ui.style import apply_style

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "kiosk"])
    assert isinstance(app, QApplication)
    app.setApplicationName("Kiosk")
    app.setOrganizationName("Kiosk")
    apply_style(app)
    translations = Translations(app, language or "zh_CN")
    translations.install()
    window = MainWindow(translations, kiosk_mode=options.kiosk)
    restore_hooks = install_excepthook(window.errors)
    status = {"code": 0, "first_paint": 0.0, "ready": 0.0}

    def finish(code: int) -> None:
        status["code"] = code
        window.allow_close()
        window.close()
        app.quit()

    def maybe_report_ready() -> None:
        if status["first_paint"] and status["ready"]:
            print(
                f"{READY_MARKER} start={started:.6f} first_paint={status['first_paint']:.6f} "
                f"ready={status['ready']:.6f}",
                flush=True,
            )
            if options.exit_after_start:
                finish(0)
            elif options.exit_after_sale:
                from kiosk.ui.smoke import run_sale

                run_sale(window, on_done=lambda ok: finish(0 if ok else 1), timeout_ms=SALE_TIMEOUT_MS)

    def painted() -> None:
        status["first_paint"] = time.time()
        maybe_report_ready()

    def attached() -> None:
        status["ready"] = time.time()
        maybe_report_ready()

    def core_failed(exc: BaseException) -> None:
        from kiosk.ui.words import error_text

        log.error("the kiosk core did not start: %s", exc, exc_info=exc)
        window.show_error(
            lambda: QCoreApplication.translate("MainWindow", "The kiosk could not start: {0}").format(error_text(exc))
        )
        if options.exit_after_start or options.exit_after_sale:
            finish(1)

    window.firstPainted.connect(painted)
    window.ready.connect(attached)
    if options.kiosk:
        window.showFullScreen()
    else:
        window.show()
    window.ops.run(
        lambda: _build_core(config, options.data_dir),
        on_done=window.attach_core,
        on_error=core_failed,
        label="start",
    )
    try:
        code = app.exec()
    finally:
        window.shutdown()
        restore_hooks()
    return status["code"] if isinstance(status["code"], int) and status["code"] else int(code)


def _build_core(config: KioskConfig | None, data_dir: Path | None) -> KioskCore:
    from kiosk.checkout import KioskCore  # on the background thread: the window paints first

    return KioskCore.create(config, data_dir=data_dir)
