"""Fonts and the stylesheet. The system may have no CJK font: the bundled Noto Sans CJK is loaded into Qt."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.resources import ResourceNotFound, resource_path

log = logging.getLogger(__name__)

STYLESHEET = "kiosk.qss"
FONT_ENV = "KIOSK_CJK_FONT"  # same override as kiosk.printing.fonts
#: Preferred UI faces, in order; the first one Qt knows is used.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC")


def cjk_font_file() -> Path | None:
    """``$KIOSK_CJK_FONT``, else the bundled Noto Sans CJK, else kiosk.printing's search of system fonts.

    The first two are checked here because importing kiosk.printing costs a few hundred ms at start-up."""
    override = os.environ.get(FONT_ENV)
    if override and Path(override).is_file():
        return Path(override)
    try:
        import noto_cjk_sans_otc

        bundled = Path(str(noto_cjk_sans_otc.FONT_PATH))
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    from kiosk.printing.fonts import cjk_font_path

    return cjk_font_path()


def load_cjk_font() -> str | None:
    """Register the CJK font with Qt (once per process); returns the family used for the UI."""
    path = cjk_font_file()
    families: list[str] = []
    if path is not None:
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
