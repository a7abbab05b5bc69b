"""The cashier screen (PySide6). The only package that imports Qt.

Tests and tools build the window with :func:`create_main_window`; ``kiosk`` runs :func:`kiosk.ui.app.run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.ui.main_window import MainWindow

__all__ = ["create_main_window"]


def create_main_window(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    language: str | None = None,
    kiosk_mode: bool = False,
    customer_display: bool | None = None,
    **core_options: Any,
) -> MainWindow:
    """Build the cashier window over a started core; the window owns the core (closing it stops the core).

    ``config_path=None`` means training mode (embedded sandbox and relay, sample catalogue, virtual
    printer) in ``data_dir`` (default: the user's data directory + ``training``). ``language`` overrides
    ``[ui] language`` (``zh_CN`` or ``en``). ``customer_display`` forces the second-screen window on or off
    (default: on when a second screen exists). ``core_options`` go to :class:`~kiosk.checkout.KioskCore`
    (``clock``, ``backoff``, ``wait_seconds`` for tests). A QApplication is created if none exists.
    """
    from PySide6.QtWidgets import QApplication

    from kiosk.checkout import KioskCore, load_config
    from kiosk.ui.i18n import Translations
    from kiosk.ui.main_window import MainWindow
    from kiosk.ui.style import apply_style

    app = QApplication.instance()
    if app is None:
        app = QApplication(["kiosk"])
    assert isinstance(app, QApplication)
    apply_style(app)
    config = load_config(config_path) if config_path is not None else None
    core = KioskCore.create(config, data_dir=Path(data_dir) if data_dir is not None else None, **core_options)
    try:
        translations = Translations(app, language or core.language)
        translations.install()
        return MainWindow(translations, core=core, kiosk_mode=kiosk_mode, customer_display=customer_display)
    except BaseException:
        core.stop()
        raise
