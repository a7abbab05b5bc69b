"""Make the CJK font Kiosk ships: Noto Sans SC cut down to the characters receipts and the screens use.

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    .venv/bin/python scripts/subset_cjk_font.py --source /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

(On a Debian or Ubuntu machine with ``fonts-noto-cjk`` installed, ``--source`` can be left out.) The source
may also be upstream's ``NotoSansSC-Regular.otf`` (github.com/notofonts/noto-cjk, ``Sans/SubsetOTF/SC``).
fontTools comes with ``pip install -e ".[test]"``.

What it keeps: printable ASCII, every character of GB2312 (levels 1 and 2: 6,763 hanzi, plus its
punctuation, full-width forms, kana and symbols), a few characters receipts use that GB2312 lacks (¥, ·, €),
and every character of the shipped zh_CN translations and the sample catalogue. Hinting and kerning stay;
only the Simplified Chinese face of a collection is kept, and only its horizontal forms (about 1.8 MB). The
result is written to ``resources/fonts/NotoSansSC-Regular-GB2312.otf``, beside its licence
(``resources/fonts/OFL.txt``: SIL OFL 1.1, which allows a modified version to be redistributed with the
licence); ``tests/printing/test_font.py`` checks the coverage.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
DEBIAN_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = ROOT / "resources" / "fonts" / "NotoSansSC-Regular-GB2312.otf"
#: The Simplified Chinese face: in a Noto Sans CJK collection it sits beside JP/KR/TC/HK and the Mono faces.
FACE = ("Noto Sans CJK SC", "Noto Sans SC")
#: Receipts print the yuan sign, the middle dot of "商品 · 数量" and, rarely, the euro; GB2312 has none of them.
EXTRA = "¥·€"


def gb2312_characters() -> str:
    """Every character GB2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE), symbols and hanzi alike."""
    found = []
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(found)


def shipped_text() -> str:
    """What the zh_CN screens and the sample catalogue show (the translations' <translation> texts)."""
    texts = [(ROOT / "resources" / "catalogue.toml").read_text("utf-8")]
    for ts in sorted((ROOT / "resources" / "i18n").glob("*_zh_CN.ts")):
        texts += re.findall(r"<translation>(.*?)</translation>", ts.read_text("utf-8"), re.S)
    return "".join(texts)


def wanted_characters() -> set[int]:
    text = "".join(chr(c) for c in range(0x20, 0x7F)) + gb2312_characters() + EXTRA + shipped_text()
    return {ord(char) for char in text if unicodedata.category(char) != "Cc"}  # U+3000 is a space, not printable


def open_face(source: Path) -> TTFont:
    if source.suffix.lower() == ".ttc":
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(1) in FACE:
                return font
        raise SystemExit(f"{source}: no face named {' or '.join(FACE)}")
    font = TTFont(str(source))
    if font["name"].getDebugName(1) not in FACE:
        raise SystemExit(f"{source}: the family is {font['name'].getDebugName(1)!r}, not {' or '.join(FACE)}")
    return font


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=DEBIAN_SOURCE, help=f"Noto Sans CJK .ttc or Noto Sans SC .otf ({DEBIAN_SOURCE})"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.source.is_file():
        parser.error(f"--source {args.source} does not exist (see this script's docstring for where to get it)")
    font = open_face(args.source)
    wanted = wanted_characters()
    missing = sorted(wanted - set(font.getBestCmap()))
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright, licence and version strings
    options.notdef_outline = True
    # Horizontal Simplified Chinese only: the collection's other features (locl, vert, ...) would pull in the
    # Japanese, Korean and Traditional forms and the vertical ones, nearly doubling the file.
    options.layout_features = ["kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted - set(missing)))
    subsetter.subset(font)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    font.recalcTimestamp = False  # the same source gives the same bytes
    font.save(str(args.out))
    print(
        f"{args.out}: {len(wanted) - len(missing)} characters, {args.out.stat().st_size} bytes"
        + (f"; not in the source: {''.join(chr(c) for c in missing)}" if missing else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
