"""A small ESC/POS decoder for tests: walks the bytes a printer would receive and records what it would do.

It understands exactly the commands kiosk.printing may send and fails loudly on anything else, so a stray
byte in a job is a test failure rather than garbage on paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageOps

ESC, GS, FS, DLE, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x0A


class DecodeError(AssertionError):
    pass


@dataclass
class PrintedLine:
    text: str
    raw: bytes
    align: str
    bold: bool
    width: int
    height: int
    kanji: bool


@dataclass
class QrCommand:
    data: bytes
    module: int | None
    ec: int | None
    model: int | None
    align: str


@dataclass
class RasterImage:
    image: Image.Image  # "L": black ink on white
    align: str
    command: str  # "GS v 0" or "GS ( L"


@dataclass
class Decoded:
    events: list[tuple[str, object]] = field(default_factory=list)
    lines: list[PrintedLine] = field(default_factory=list)
    qr_printed: list[QrCommand] = field(default_factory=list)
    images: list[RasterImage] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)
    drawer_pins: list[int] = field(default_factory=list)
    status_requests: list[int] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def event_names(self) -> list[str]:
        return [name for name, _ in self.events]


def _raster(width_bytes: int, height: int, data: bytes) -> Image.Image:
    if len(data) != width_bytes * height:
        raise DecodeError(f"raster data is {len(data)} bytes, expected {width_bytes * height}")
    # ESC/POS: bit set = dot printed (black); PIL "1": bit set = white.
    image = Image.frombytes("1", (width_bytes * 8, height), data).convert("L")
    return ImageOps.invert(image)


def decode(data: bytes, *, encoding: str = "gbk", codepage: str = "cp437") -> Decoded:
    out = Decoded()
    align, bold, width, height, kanji = "left", False, 1, 1, False
    qr_store: bytes | None = None
    qr_module: int | None = None
    qr_ec: int | None = None
    qr_model: int | None = None
    graphics: tuple[int, int, bytes] | None = None
    buffer = bytearray()
    i = 0

    def need(count: int) -> bytes:
        if i + count > len(data):
            raise DecodeError(f"truncated command at offset {i}")
        return data[i : i + count]

    def flush_line() -> None:
        raw = bytes(buffer)
        buffer.clear()
        text = raw.decode(encoding if kanji else codepage)
        out.lines.append(PrintedLine(text, raw, align, bold, width, height, kanji))
        out.events.append(("line", text))

    while i < len(data):
        byte = data[i]
        if byte == LF:
            flush_line()
            i += 1
        elif byte == ESC:
            cmd = need(2)[1]
            if cmd == ord("@"):
                align, bold, width, height = "left", False, 1, 1
                out.events.append(("init", None))
                i += 2
            elif cmd == ord("a"):
                n = need(3)[2]
                align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}[n]
                out.events.append(("align", align))
                i += 3
            elif cmd == ord("E"):
                bold = bool(need(3)[2] & 1)
                out.events.append(("bold", bold))
                i += 3
            elif cmd == ord("!"):
                n = need(3)[2]
                bold = bool(n & 0x08)
                height = 2 if n & 0x10 else 1
                width = 2 if n & 0x20 else 1
                out.events.append(("mode", n))
                i += 3
            elif cmd == ord("d"):
                n = need(3)[2]
                out.events.append(("feed", n))
                i += 3
            elif cmd == ord("t"):
                out.events.append(("codepage", need(3)[2]))
                i += 3
            elif cmd == ord("p"):
                m = need(5)[2]
                out.drawer_pins.append({0: 2, 48: 2, 1: 5, 49: 5}[m])
                out.events.append(("drawer", m))
                i += 5
            elif cmd in (ord("M"), ord("-"), ord("3")):
                i += 3
            elif cmd == ord("2"):
                i += 2
            else:
                raise DecodeError(f"unknown ESC {cmd:#04x} at offset {i}")
        elif byte == FS:
            cmd = need(2)[1]
            if cmd == ord("&"):
                kanji = True
            elif cmd == ord("."):
                kanji = False
            else:
                raise DecodeError(f"unknown FS {cmd:#04x} at offset {i}")
            out.events.append(("kanji", kanji))
            i += 2
        elif byte == DLE:
            if need(3)[1] != 0x04:
                raise DecodeError(f"unknown DLE command at offset {i}")
            out.status_requests.append(data[i + 2])
            i += 3
        elif byte == GS:
            cmd = need(2)[1]
            if cmd == ord("!"):
                n = need(3)[2]
                width, height = (n >> 4) + 1, (n & 0x0F) + 1
                out.events.append(("size", (width, height)))
                i += 3
            elif cmd == ord("V"):
                m = need(3)[2]
                if m in (0, 48):
                    out.cuts.append("full")
                    i += 3
                elif m in (1, 49):
                    out.cuts.append("partial")
                    i += 3
                elif m in (65, 66):
                    out.cuts.append("full" if m == 65 else "partial")
                    i += 4
                else:
                    raise DecodeError(f"unknown GS V mode {m}")
                out.events.append(("cut", out.cuts[-1]))
            elif cmd == ord("v"):
                head = need(8)
                if head[2] != ord("0"):
                    raise DecodeError("GS v must be GS v 0")
                width_bytes = head[4] + head[5] * 256
                rows = head[6] + head[7] * 256
                i += 8
                body = need(width_bytes * rows)
                out.images.append(RasterImage(_raster(width_bytes, rows, body), align, "GS v 0"))
                out.events.append(("image", len(out.images) - 1))
                i += width_bytes * rows
            elif cmd == ord("("):
                head = need(5)
                fn_class = head[2]
                length = head[3] + head[4] * 256
                i += 5
                body = need(length)
                i += length
                if fn_class == ord("k"):
                    cn, fn = body[0], body[1]
                    if cn != 49:
                        raise DecodeError(f"GS ( k for symbol type {cn}, expected QR (49)")
                    if fn == 65:
                        qr_model = body[2] - 48
                    elif fn == 67:
                        qr_module = body[2]
                    elif fn == 69:
                        qr_ec = body[2] - 48
                    elif fn == 80:
                        if body[2] != 48:
                            raise DecodeError("GS ( k fn 80 with m != 48")
                        qr_store = bytes(body[3:])
                    elif fn == 81:
                        if qr_store is None:
                            raise DecodeError("QR printed before any data was stored")
                        out.qr_printed.append(QrCommand(qr_store, qr_module, qr_ec, qr_model, align))
                        out.events.append(("qr", qr_store))
                    else:
                        raise DecodeError(f"unexpected GS ( k function {fn}")
                elif fn_class == ord("L"):
                    m, fn = body[0], body[1]
                    if m != 48:
                        raise DecodeError("GS ( L with m != 48")
                    if fn == 112:
                        # m fn a bx by c xL xH yL yH d1...dk
                        width_px = body[6] + body[7] * 256
                        rows = body[8] + body[9] * 256
                        graphics = ((width_px + 7) // 8, rows, bytes(body[10:]))
                    elif fn == 50:
                        if graphics is None:
                            raise DecodeError("GS ( L print without stored graphics")
                        out.images.append(RasterImage(_raster(*graphics), align, "GS ( L"))
                        out.events.append(("image", len(out.images) - 1))
                        graphics = None
                    else:
                        raise DecodeError(f"unexpected GS ( L function {fn}")
                else:
                    raise DecodeError(f"unknown GS ( {fn_class:#04x}")
            else:
                raise DecodeError(f"unknown GS {cmd:#04x} at offset {i}")
        elif byte < 0x20 or byte == 0x7F:
            raise DecodeError(f"stray control byte {byte:#04x} at offset {i}")
        elif byte >= 0x80 and kanji:
            pair = need(2)
            if not (0x81 <= pair[0] <= 0xFE and 0x40 <= pair[1] <= 0xFE and pair[1] != 0x7F):
                # 0x30-0x39 as second byte would be a 4-byte GB18030 sequence.
                raise DecodeError(f"not a two-byte GBK character at offset {i}: {pair.hex()}")
            buffer += pair
            i += 2
        else:
            buffer.append(byte)
            i += 1
    if buffer:
        flush_line()
    return out
