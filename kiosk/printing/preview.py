"""Render a document to a picture of the printed paper (Pillow): the virtual printer's PNG, and the
image fallback for text on printers without a Chinese font.

The grid is the printer's: each column is ``dots // columns`` dots wide, a double-byte character takes two,
so the preview lines up exactly as the paper does.
"""

from __future__ import annotations

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw

from kiosk.printing.documents import CutLine, Document, DrawerLine, FeedLine, Laid, Line, QrLine, layout
from kiosk.printing.fonts import cjk_font
from kiosk.printing.profiles import Profile
from kiosk.printing.render_common import metrics_for

#: Default ESC/POS line spacing is about 1/6 inch: glyphs are 24 dots tall in a 30-dot pitch.
LINE_GAP = 6
WHITE = 255
BLACK = 0

_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_image(data: str, module: int, ec: str = "M") -> Image.Image:
    """The QR symbol as a 1-bit image with the standard 4-module quiet zone."""
    code = qrcode.QRCode(box_size=module, border=4, error_correction=_EC[ec])
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the border
    size = len(matrix) * module
    image = Image.new("1", (size, size), 1)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle((x * module, y * module, (x + 1) * module - 1, (y + 1) * module - 1), fill=0)
    return image


def line_image(line: Line, profile: Profile) -> Image.Image:
    """One text line as printed: grayscale, paper-wide, black on white."""
    metrics = metrics_for(profile)
    cell = profile.paper.dots_per_column
    glyph = cell * 2
    font = cjk_font(glyph)
    text_columns = metrics.width(line.text)
    base = Image.new("L", (max(1, text_columns * cell), glyph), WHITE)
    draw = ImageDraw.Draw(base)
    # Centre the ideograph box in the cell: fonts' ascenders are taller than a printer's 24-dot cell.
    top, bottom = font.getbbox("中")[1::2]
    y = (glyph - (bottom - top)) // 2 - top
    x = 0
    for char in line.text:
        if char != " ":
            draw.text((x, y), char, font=font, fill=BLACK)
            if line.bold:
                draw.text((x + 1, y), char, font=font, fill=BLACK)
        x += metrics.width(char) * cell
    if line.width != 1 or line.height != 1:
        base = base.resize((base.width * line.width, base.height * line.height), Image.Resampling.NEAREST)
    paper = Image.new("L", (profile.paper.dots, base.height + LINE_GAP), WHITE)
    if line.align == "center":
        left = (paper.width - base.width) // 2
    elif line.align == "right":
        left = paper.width - base.width
    else:
        left = 0
    paper.paste(base, (max(0, left), LINE_GAP // 2))
    return paper


def _blank(profile: Profile, lines: int) -> Image.Image:
    pitch = profile.paper.dots_per_column * 2 + LINE_GAP
    return Image.new("L", (profile.paper.dots, max(1, lines * pitch)), WHITE)


def qr_quiet_lines(module: int) -> int:
    """Blank text lines above and below a native QR so the quiet zone is at least 4 modules (24-dot lines)."""
    return max(1, -(-4 * module // 24))


def render_preview(document: Document, profile: Profile) -> Image.Image:
    """The whole document as the paper would look (grayscale, ``profile.paper.dots`` wide)."""
    strips: list[Image.Image] = []
    for item in layout(document, metrics_for(profile)):
        strips.extend(_strip(item, profile))
    height = sum(strip.height for strip in strips) or 1
    page = Image.new("L", (profile.paper.dots, height), WHITE)
    y = 0
    for strip in strips:
        page.paste(strip, (0, y))
        y += strip.height
    return page


def _strip(item: Laid, profile: Profile) -> list[Image.Image]:
    match item:
        case Line():
            return [line_image(item, profile)]
        case QrLine():
            symbol = qr_image(item.data, profile.qr.module, profile.qr.ec).convert("L")
            band = Image.new("L", (profile.paper.dots, symbol.height), WHITE)
            band.paste(symbol, ((profile.paper.dots - symbol.width) // 2, 0))
            return [band]
        case FeedLine():
            return [_blank(profile, item.lines)] if item.lines else []
        case CutLine():
            strip = _blank(profile, profile.cut_feed) if profile.cut_feed else _blank(profile, 1)
            if profile.cut != "none":
                draw = ImageDraw.Draw(strip)
                for x in range(0, strip.width, 12):
                    draw.line((x, strip.height - 2, x + 6, strip.height - 2), fill=128, width=2)
            return [strip]
        case DrawerLine():
            return []
    return []
