"""The CJK font for receipt previews (Pillow).

``$KIOSK_CJK_FONT`` (a font file or collection of the shop's choice), else the font Kiosk ships:
``resources/fonts/NotoSansSC-Regular-GB2312.otf``, Noto Sans SC cut down to GB2312 and ASCII (SIL OFL 1.1;
made by ``scripts/subset_cjk_font.py``), so every machine draws receipts the same way whatever fonts it has.
The choice is :func:`kiosk.resources.cjk_font_file`, shared with the UI.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

from kiosk.resources import CJK_FONT_ENV as FONT_ENV
from kiosk.resources import cjk_font_file

__all__ = ["FONT_ENV", "cjk_font", "cjk_font_path"]

# Faces to prefer inside a collection given as $KIOSK_CJK_FONT: a monospaced Simplified Chinese face matches
# the printer's grid.
_PREFERRED_FACES = ("Noto Sans Mono CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei Mono", "WenQuanYi Micro Hei Mono")


@cache
def cjk_font_path() -> Path:
    """A font file (OTF/TTF/TTC) with Simplified Chinese glyphs: the override, else the shipped one."""
    return cjk_font_file()


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
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font of ``size`` pixels."""
    path = cjk_font_path()
    return ImageFont.truetype(str(path), size, index=_face_index(path))
