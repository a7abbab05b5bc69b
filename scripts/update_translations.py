"""Refresh the translation sources: ``resources/i18n/kiosk_{zh_CN,en}.ts`` (the cashier) and
``resources/i18n/manager_{zh_CN,en}.ts`` (the manager screen, ``kiosk/ui/manager_*.py``).

Runs ``pyside6-lupdate`` over ``kiosk/ui``, each file into its catalogue, keeps existing translations, drops
obsolete ones, and fills the English catalogues from the source strings (the sources are English). New
Chinese strings stay ``unfinished`` until a translator fills them in with Qt Linguist
(``pyside6-linguist resources/i18n/manager_zh_CN.ts``); ``--check`` fails while any are left. The ``.qm``
files are compiled at start-up by ``kiosk.ui.i18n`` (never committed).

    python scripts/update_translations.py [--check]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "kiosk" / "ui"
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN", "en")
#: The catalogues: their name and which files of kiosk/ui go into each (the manager screen's are its own).
CATALOGUES: dict[str, Callable[[Path], bool]] = {
    "kiosk": lambda path: not path.name.startswith("manager_"),
    "manager": lambda path: path.name.startswith("manager_"),
}


def lupdate_command() -> list[str]:
    beside = Path(sys.executable).parent / "pyside6-lupdate"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("pyside6-lupdate")
    if found:
        return [found]
    import PySide6

    return [str(Path(PySide6.__file__).parent / "lupdate")]


def sources(catalogue: str) -> list[Path]:
    return sorted(p for p in UI.glob("*.py") if CATALOGUES[catalogue](p))


def run_lupdate(catalogue: str, ts: Path, language: str) -> None:
    files = [str(p.relative_to(ROOT)) for p in sources(catalogue)]
    command = [
        *lupdate_command(),
        *files,
        "-source-language",
        "en",
        "-target-language",
        language,
        "-no-obsolete",
        "-locations",
        "none",
        "-ts",
        str(ts.relative_to(ROOT)),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)


def unfinished(ts: Path) -> list[str]:
    tree = ET.parse(ts)
    return [
        (message.findtext("source") or "")
        for message in tree.iter("message")
        if (message.find("translation") is None or message.find("translation").get("type") == "unfinished")  # type: ignore[union-attr]
    ]


def fill_from_source(ts: Path) -> int:
    """English: the translation of every message is its source text."""
    tree = ET.parse(ts)
    filled = 0
    for message in tree.iter("message"):
        translation = message.find("translation")
        if translation is None:
            translation = ET.SubElement(message, "translation")
        if translation.get("type") == "unfinished" or not (translation.text or "").strip():
            translation.text = message.findtext("source") or ""
            translation.attrib.pop("type", None)
            filled += 1
    root = tree.getroot()
    assert root is not None
    write_ts(root, ts)
    return filled


def write_ts(root: ET.Element, ts: Path) -> None:
    body = ET.tostring(root, encoding="unicode")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a message is untranslated")
    options = parser.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    status = 0
    for catalogue, language in ((c, lang) for c in CATALOGUES for lang in LANGUAGES):
        ts = I18N / f"{catalogue}_{language}.ts"
        if not options.check:
            run_lupdate(catalogue, ts, language)
            if language == "en":
                fill_from_source(ts)
        missing = unfinished(ts)
        print(f"{ts.relative_to(ROOT)}: {len(missing)} untranslated")
        for source in missing:
            print(f"  - {source}")
        if missing:
            status = 1 if options.check else status
    return status


if __name__ == "__main__":
    sys.exit(main())
