"""Find a CJK font for previews (Pillow) and the UI.

Order: ``$KIOSK_CJK_FONT``; the bundled Noto Sans CJK (PyPI ``noto-cjk-sans-otc``, SIL OFL 1.1); system
fonts on Linux, Windows and macOS.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from PIL import ImageFont

FONT_ENV = "KIOSK_CJK_FONT"

_SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)

# Faces to prefer inside a collection: a monospaced Simplified Chinese face matches the printer's grid.
_PREFERRED_FACES = ("Noto Sans Mono CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei Mono", "WenQuanYi Micro Hei Mono")


def _bundled_font() -> Path | None:
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


@cache
def cjk_font_path() -> Path | None:
    """A font file (TTF/TTC/OTF) with Simplified Chinese glyphs, or ``None`` if the machine has none."""
    override = os.environ.get(FONT_ENV)
    if override and Path(override).is_file():
        return Path(override)
    bundled = _bundled_font()
    if bundled:
        return bundled
    for candidate in _SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


@cache
def _face_index(path: Path) -> int:
    """Index of the preferred face in a font collection (0 for single fonts)."""
    names: dict[str, int] = {}
    for index in range(32):
        try:
            font = ImageFont.truetype(str(path), 12, index=index)
        except OSError:
            break
        names.setdefault(font.getname()[0] or "", index)
    for face in _PREFERRED_FACES:
        if face in names:
            return names[face]
    return 0


@cache
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A Pillow font of ``size`` pixels; Pillow's built-in font (no CJK glyphs) if no CJK font exists."""
    path = cjk_font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size, index=_face_index(path))
