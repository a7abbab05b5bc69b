"""Fonts and the stylesheet. The system may have no CJK font: the shipped Noto Sans SC is loaded into Qt.

The stylesheet is written for the 1280×800 design size; :func:`apply_scale` applies it scaled to a window
(:mod:`kiosk.ui.scale`).
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.resources import ResourceNotFound, cjk_font_file, resource_path
from kiosk.ui.scale import scaled

log = logging.getLogger(__name__)

STYLESHEET = "kiosk.qss"
#: The application font's size at the design size (the stylesheet sets the same).
FONT_PIXELS = 20
#: Preferred UI faces, in order; the first one Qt knows is used.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC")


def load_cjk_font() -> str | None:
    """Register the CJK font with Qt (once per process); returns the family used for the UI."""
    families: list[str] = []
    try:
        path = cjk_font_file()
    except ResourceNotFound as exc:
        log.error("CJK font unavailable: %s", exc)
    else:
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.error("Qt could not load the CJK font %s", path)
        else:
            families = QFontDatabase.applicationFontFamilies(font_id)
    known = set(QFontDatabase.families()) | set(families)
    for family in CJK_FAMILIES:
        if family in known:
            return family
    return families[0] if families else None


@cache
def stylesheet() -> str:
    try:
        return resource_path(STYLESHEET).read_text(encoding="utf-8")
    except (ResourceNotFound, OSError) as exc:
        log.error("stylesheet unavailable: %s", exc)
        return ""


def apply_style(app: QApplication) -> None:
    """Application font (CJK-capable) and the stylesheet; idempotent."""
    if app.property("kioskStyled"):
        return
    family = load_cjk_font()
    font = QFont(app.font())
    if family:
        font.setFamilies([family, *[f for f in font.families() if f != family]])
    app.setFont(font)
    app.setProperty("kioskStyled", True)
    apply_scale(app, 1.0)


def apply_scale(app: QApplication, factor: float) -> None:
    """The stylesheet and the application font at ``factor`` times their design size (no-op if already)."""
    if app.property("kioskScale") == factor:
        return
    font = QFont(app.font())
    font.setPixelSize(round(FONT_PIXELS * factor))
    app.setFont(font)
    app.setStyleSheet(scaled(stylesheet(), factor))
    app.setProperty("kioskScale", factor)
