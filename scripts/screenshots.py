"""Render the cashier screen for the docs: the main window (a few items in the cart) and the payment view,
in zh_CN and en, to ``docs/screenshots/*.png``. Offscreen; Chinese uses the bundled Noto Sans CJK font.

    python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 800)
CART = ("DRK-001", "DRK-001", "CAF-002", "SNK-005", "BAK-001")
LANGUAGES = ("zh_CN", "en")


def wait(app: object, condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def render(language: str, data_dir: Path, out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from kiosk.ui import create_main_window

    app = QApplication.instance() or QApplication([])
    window = create_main_window(data_dir=data_dir, language=language, customer_display=False)
    written: list[Path] = []
    try:
        window.resize(*SIZE)
        window.show()
        core, sale, payment = window.core, window.sale_view, window.payment_view
        assert core is not None and sale is not None and payment is not None
        wait(app, lambda: window.relay_status.property("online") == "true")
        for sku in CART:
            item = core.catalogue.by_sku(sku)
            assert item is not None
            sale.add_item(item)
        app.processEvents()
        path = out / f"main_{language}.png"
        window.grab().save(str(path))
        written.append(path)

        sale.charge_button.click()
        wait(app, lambda: payment.qr.text is not None)
        app.processEvents()
        path = out / f"payment_{language}.png"
        window.grab().save(str(path))
        written.append(path)
        payment.cancel_button.click()
        wait(app, lambda: window.stack.currentWidget() is sale)
    finally:
        window.allow_close()
        window.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-screenshots-") as scratch:
        for language in LANGUAGES:
            for path in render(language, Path(scratch) / language, options.out):
                print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
