"""Printed-width text handling: what a thermal printer can print, and how wide it is.

In Chinese (double-byte) mode every byte >= 0x80 starts a two-byte character that prints full width,
so the printed width of a string is its length in the printer's encoding: ``len(s.encode("gbk"))``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

#: Shown instead of a character the printer cannot print (in GBK, so it prints in Chinese mode).
MISSING_WIDE = "□"
#: Shown instead of an unprintable character on single-byte code pages.
MISSING_NARROW = "[?]"

# Friendly substitutions before falling back to the visible marker: "¥" (U+00A5) is not in GBK.
_SUBSTITUTES = {
    "\u00a5": "￥",
    "\u00a0": " ",
    "\u3000": "  ",
    "\t": " ",
    "\u2002": " ",
    "\u2003": "  ",
}

DOUBLE_BYTE_ENCODINGS = ("gbk", "gb2312", "big5")


def printable_double_byte(char: str, encoding: str) -> bool:
    """True if ``char`` encodes to plain ASCII or to exactly one lead+trail byte pair."""
    if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
        # Control characters would be printer commands; private-use glyphs are not in printer fonts.
        return False
    try:
        raw = char.encode(encoding)
    except UnicodeEncodeError:
        return False
    if len(raw) == 1:
        return raw[0] < 0x80
    return len(raw) == 2 and raw[0] >= 0x81


def printable_single_byte(char: str, encoding: str) -> bool:
    if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
        return False
    try:
        return len(char.encode(encoding)) == 1
    except UnicodeEncodeError:
        return False


def sanitize(text: str, encoding: str = "gbk", *, double_byte: bool = True) -> str:
    """Replace every character the printer cannot print with a visible marker (never a silent "?").

    Newlines are kept (callers split on them); other control characters are replaced so that text from
    a catalogue can never smuggle ESC/POS commands.
    """
    marker = MISSING_WIDE if double_byte else MISSING_NARROW
    check = printable_double_byte if double_byte else printable_single_byte
    out: list[str] = []
    for char in text:
        if char == "\n":
            out.append(char)
            continue
        char = _SUBSTITUTES.get(char, char)
        if all(check(c, encoding) for c in char):
            out.append(char)
        else:
            out.append(marker)
    return "".join(out)


def strip_controls(text: str) -> str:
    """Replace control characters (except newline) with the visible marker; keeps everything else."""
    return "".join(
        char if char == "\n" or unicodedata.category(char) not in ("Cc", "Cs") else MISSING_WIDE
        for char in (_SUBSTITUTES.get(c, c) for c in text)
    )


def display_width(text: str, encoding: str = "gbk") -> int:
    """Printed width in columns: the byte length in the printer's (double-byte) encoding.

    Characters that do not encode count as two columns, which is what their replacement marker takes.
    """
    width = 0
    for char in text:
        try:
            width += len(char.encode(encoding))
        except UnicodeEncodeError:
            width += 2
    return width


def wrap(text: str, columns: int, encoding: str = "gbk") -> list[str]:
    """Break ``text`` into lines at most ``columns`` wide; prefers spaces between ASCII words."""
    if columns < 2:
        raise ValueError("need at least two columns to print a double-width character")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, columns, encoding))
    return lines


def _wrap_paragraph(text: str, columns: int, encoding: str) -> Iterator[str]:
    if not text:
        yield ""
        return
    line = ""
    width = 0
    for char in text:
        char_width = display_width(char, encoding)
        if width + char_width > columns:
            # Break at the last space if the line holds ASCII words, otherwise hard-break (CJK has no spaces).
            cut = line.rfind(" ")
            if cut > 0 and char != " " and display_width(line[cut + 1 :], encoding) + char_width <= columns:
                yield line[:cut].rstrip()
                line = line[cut + 1 :]
            else:
                yield line.rstrip()
                line = ""
            width = display_width(line, encoding)
            if char == " " and not line:
                continue
        line += char
        width += char_width
    yield line.rstrip()


def pad(text: str, columns: int, align: str = "left", encoding: str = "gbk") -> str:
    """Pad ``text`` with spaces to exactly ``columns`` printed columns (it must already fit)."""
    gap = columns - display_width(text, encoding)
    if gap < 0:
        raise ValueError(f"{text!r} is wider than {columns} columns")
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap
