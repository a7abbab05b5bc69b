"""Fonts and the stylesheet. The system may have no CJK font: the shipped Noto Sans SC is loaded into Qt."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.resources import ResourceNotFound, cjk_font_file, resource_path

log = logging.getLogger(__name__)

STYLESHEET = "kiosk.qss"
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
    font.setPixelSize(20)
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    app.setProperty("kioskStyled", True)
