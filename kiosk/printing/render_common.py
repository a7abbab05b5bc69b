"""What the renderer and the preview agree on: how a profile measures and cleans text."""

from __future__ import annotations

from kiosk.printing.documents import Line, Metrics
from kiosk.printing.profiles import Profile
from kiosk.printing.text import printable_double_byte


def metrics_for(profile: Profile) -> Metrics:
    text = profile.text
    return Metrics(
        columns=profile.paper.columns,
        encoding=text.width_encoding,
        double_byte=text.double_byte,
        keep_unencodable=text.fallback == "image" or text.mode == "image",
    )


def encode_line(line: Line, profile: Profile) -> bytes | None:
    """The bytes for ``line`` in the profile's text mode, or ``None`` if it must be printed as an image."""
    text = profile.text
    if text.mode == "image":
        return None
    try:
        raw = line.text.encode(text.encoding)
    except UnicodeEncodeError:
        return None
    if text.mode == "codepage":
        return raw if len(raw) == len(line.text) else None
    # Chinese mode: only ASCII and whole two-byte characters (no 4-byte GB18030, no single high bytes).
    if all(printable_double_byte(char, text.encoding) for char in line.text):
        return raw
    return None
