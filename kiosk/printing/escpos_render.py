"""Documents → ESC/POS bytes, through python-escpos, with our own text layer in front of it.

python-escpos's text path (MagicEncode) sends GB18030 only when a line contains an ideograph and loses
"￥" and full-width punctuation otherwise, so text never goes through it: we select Chinese mode with FS &,
encode lines ourselves (GBK, two bytes per character, nothing else) and hand python-escpos only the
commands it does well (ESC @, styles, GS ( k, raster images, drawer).
"""

from __future__ import annotations

from typing import Any

from kiosk.printing._escpos import dummy_printer, escpos_modules
from kiosk.printing.documents import CutLine, Document, DrawerLine, FeedLine, Line, QrLine, layout
from kiosk.printing.errors import RenderError
from kiosk.printing.preview import line_image, qr_image, qr_quiet_lines
from kiosk.printing.profiles import Profile
from kiosk.printing.render_common import encode_line, metrics_for

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
LF = b"\n"
FS_KANJI_ON = FS + b"&"
FS_KANJI_OFF = FS + b"."
GS_CUT_FULL = GS + b"V\x00"
GS_CUT_PARTIAL = GS + b"V\x01"


def _feed(lines: int) -> bytes:
    """ESC d n: print and feed n lines."""
    return ESC + b"d" + bytes((max(0, min(255, lines)),))


class _Renderer:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.out: Any = dummy_printer(profile.escpos_profile)
        self.align = "left"
        self.bold = False
        self.size = (1, 1)

    def raw(self, data: bytes) -> None:
        self.out._raw(data)

    def style(self, align: str, bold: bool, size: tuple[int, int]) -> None:
        # Only send what changed: smaller jobs matter at 9600 baud.
        if align != self.align:
            self.out.set(align=align)
            self.align = align
        if bold != self.bold:
            self.out.set(bold=bold)
            self.bold = bold
        if size != self.size:
            self.out.set(custom_size=True, width=size[0], height=size[1])
            self.size = size

    def start(self) -> None:
        self.out.hw("INIT")  # ESC @
        text = self.profile.text
        if text.mode == "chinese":
            self.raw(FS_KANJI_ON)
        else:
            # Chinese printers may power on in double-byte mode; single-byte text needs it off.
            self.raw(FS_KANJI_OFF)
            if text.mode == "codepage":
                self.raw(ESC + b"t" + bytes((text.codepage,)))

    def line(self, line: Line) -> None:
        data = encode_line(line, self.profile)
        if data is None:
            self.style(line.align, False, (1, 1))
            self.image(line_image(line, self.profile).convert("1"))
            return
        self.style(line.align, line.bold, (line.width, line.height))
        self.raw(data + LF)

    def image(self, image: Any) -> None:
        escpos_core = escpos_modules()[0]
        try:
            self.out.image(image, impl=self.profile.image_impl, center=False)
        except escpos_core.ImageWidthError as err:  # pragma: no cover - widths come from the profile
            raise RenderError(f"image wider than the paper: {err}") from err

    def qr(self, data: str) -> None:
        qr = self.profile.qr
        self.style("center", False, (1, 1))
        if qr.mode == "native":
            escpos_core = escpos_modules()[0]
            ec = {"L": 0, "M": 1, "Q": 2, "H": 3}[qr.ec]
            quiet = LF * qr_quiet_lines(qr.module)
            self.raw(quiet)
            try:
                self.out.qr(data, ec=ec, size=qr.module, model=escpos_core.QR_MODEL_2, native=True)
            except ValueError as err:
                raise RenderError(f"cannot encode QR: {err}") from err
            self.raw(quiet)
        else:
            # Our own symbol with the standard 4-module border (python-escpos uses 1).
            self.image(qr_image(data, qr.module, qr.ec))

    def cut(self) -> None:
        self.style("left", False, (1, 1))
        self.raw(_feed(self.profile.cut_feed))
        if self.profile.cut == "full":
            self.raw(GS_CUT_FULL)
        elif self.profile.cut == "partial":
            self.raw(GS_CUT_PARTIAL)

    def drawer(self) -> None:
        if self.profile.drawer_pin is not None:
            self.out.cashdraw(self.profile.drawer_pin)

    def bytes(self) -> bytes:
        return bytes(self.out.output)


def render(document: Document, profile: Profile) -> bytes:
    """The complete ESC/POS job for ``document`` on a printer described by ``profile``."""
    renderer = _Renderer(profile)
    renderer.start()
    for item in layout(document, metrics_for(profile)):
        match item:
            case Line():
                renderer.line(item)
            case QrLine():
                renderer.qr(item.data)
            case FeedLine():
                if item.lines:
                    renderer.raw(_feed(item.lines))
            case CutLine():
                renderer.cut()
            case DrawerLine():
                renderer.drawer()
    # Leave the printer in its power-on style for whatever prints next.
    renderer.style("left", False, (1, 1))
    return renderer.bytes()
