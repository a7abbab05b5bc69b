"""Printed-width text handling: what a thermal printer can print, and how wide it is.

In Chinese (double-byte) mode every byte >= 0x80 starts a two-byte character that prints full width,
so the printed width of a string is its length in the printer's encoding: ``len(s.encode("gbk"))``.
"""

from __future__ import annotations

import unicodedata

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


#: Never at the start of a line: closing brackets and punctuation stay with what they close.
_NO_BREAK_BEFORE = frozenset("）)]}」』】》〉”’，。、：；！？,.;:!?%…")
#: Never at the end of a line: opening brackets and currency signs stay with what they open.
_NO_BREAK_AFTER = frozenset("（([{「『【《〈“‘￥$")
_OPENING = frozenset("（([{「『【《〈")
_CLOSING = frozenset("）)]}」』】》〉")


class _Unit:
    """What a line may not be broken inside: an ideograph, a word, or either with the punctuation that
    sticks to it. ``depth`` is the bracket depth just before it (a break there is inside brackets)."""

    __slots__ = ("depth", "space_before", "text", "width")

    def __init__(self, text: str, width: int, space_before: bool, depth: int) -> None:
        self.text = text
        self.width = width
        self.space_before = space_before
        self.depth = depth


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _units(text: str, encoding: str) -> list[_Unit]:
    units: list[_Unit] = []
    depth = 0
    space = False
    glue = False  # the previous unit ended with an opening bracket: this one joins it
    i = 0
    while i < len(text):
        char = text[i]
        if char == " ":
            space, glue = True, False
            i += 1
            continue
        # A word runs until a space or an ideograph; an ideograph is a unit of its own.
        j = i + 1
        if not _wide(char):
            while j < len(text) and text[j] != " " and not _wide(text[j]):
                j += 1
        piece = text[i:j]
        width = display_width(piece, encoding)
        joins = units and not space and (glue or piece[0] in _NO_BREAK_BEFORE)
        if joins:
            units[-1].text += piece
            units[-1].width += width
        else:
            units.append(_Unit(piece, width, space, depth))
        for c in piece:
            depth += (c in _OPENING) - (c in _CLOSING and depth > 0)
        glue = piece[-1] in _NO_BREAK_AFTER
        space = False
        i = j
    return units


def _group_width(units: list[_Unit], start: int) -> int:
    """Width from ``units[start]`` to the end of the bracketed group it is in (or to the end of the text)."""
    width = 0
    for k in range(start, len(units)):
        if k > start and units[k].depth == 0:
            break
        width += units[k].width + (1 if k > start and units[k].space_before else 0)
    return width


def wrap(text: str, columns: int, encoding: str = "gbk", *, indent: int = 0) -> list[str]:
    """Break ``text`` into lines at most ``columns`` wide, like a typesetter would for mixed Chinese and English.

    Lines break between ideographs or at spaces, never inside a word that fits a line, never before closing
    punctuation (「）」「，」) or after an opening bracket, and not inside a bracketed group that fits a line of
    its own (「培训门店 / （训练模式）」 rather than 「培训门店（训练模 / 式）」). Continuation lines start with
    ``indent`` spaces (so a long item name does not read as a new item).
    """
    if columns < 2:
        raise ValueError("need at least two columns to print a double-width character")
    if columns - indent < 2:
        indent = 0
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, columns, encoding, indent))
    return lines


def _wrap_paragraph(text: str, columns: int, encoding: str, indent: int) -> list[str]:
    units = _units(text, encoding)
    if not units:
        return [""]
    # A paragraph's own leading spaces (an indented "@ ￥2.00" line) stay on its first line.
    lead = min(len(text) - len(text.lstrip(" ")), columns - 2)
    lines: list[list[_Unit]] = [[]]
    width = 0
    room = columns - lead
    i = 0
    while i < len(units):
        unit = units[i]
        line = lines[-1]
        gap = 1 if line and unit.space_before else 0
        if width + gap + unit.width <= room:
            line.append(unit)
            width += gap + unit.width
            i += 1
            continue
        if not line:
            # Wider than a whole line by itself: cut it by display width.
            head, tail = _cut(unit.text, room, encoding)
            line.append(_Unit(head, display_width(head, encoding), False, unit.depth))
            units[i] = _Unit(tail, display_width(tail, encoding), False, unit.depth)
        else:
            start = len(line)
            if unit.depth > 0:
                # Inside brackets: move the whole group down if it fits a line of its own.
                k = next((k for k in range(len(line) - 1, 0, -1) if line[k].depth == 0), None)
                if k is not None and _group_width(line[k:] + units[i:], 0) <= columns - indent:
                    start = k
            carried = line[start:]
            del line[start:]
            i -= len(carried)
        lines.append([])
        room = columns - indent
        width = 0
    prefix = " " * indent
    return [(prefix if n else " " * lead) + _join(line) for n, line in enumerate(lines) if line or n == 0]


def _join(line: list[_Unit]) -> str:
    return "".join((" " if n and unit.space_before else "") + unit.text for n, unit in enumerate(line))


def _cut(text: str, columns: int, encoding: str) -> tuple[str, str]:
    width = 0
    for n, char in enumerate(text):
        width += display_width(char, encoding)
        if width > columns:
            return text[:n], text[n:]
    return text, ""


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
