"""One resolver for files shipped under ``resources/`` (catalogue, style sheet, translations, font).

``resources/`` is the package ``kiosk._resources`` (pyproject maps the folder to it), so
``importlib.resources`` finds it the same way in a checkout (through the editable install), in an installed
wheel and in the PyInstaller bundle (``packaging/kiosk.spec`` collects it under ``kiosk/_resources``).
Nothing touches the file system at import time.
"""

from __future__ import annotations

import os
from importlib import resources as importlib_resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

PACKAGE = "kiosk._resources"
#: The CJK font for receipt previews and the UI (a subset of Noto Sans SC; see scripts/subset_cjk_font.py).
CJK_FONT = "fonts/NotoSansSC-Regular-GB2312.otf"
#: A font file (or collection) of the shop's choice instead, e.g. a full Noto Sans CJK for rare characters.
CJK_FONT_ENV = "KIOSK_CJK_FONT"


class ResourceNotFound(FileNotFoundError):
    """Raised when a resource is not in the installed ``kiosk._resources`` package."""


def resources_root() -> Traversable:
    """The ``resources/`` tree as installed (``ResourceNotFound`` if the package is not installed at all)."""
    try:
        return importlib_resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise ResourceNotFound(f"{PACKAGE} is not installed: install the project (pip install -e .)") from None


def resource_path(relative: str | Path) -> Path:
    """The file-system path of ``resources/<relative>`` (a file or a directory).

    Qt and the loaders need real files; every way the kiosk ships (checkout, wheel, one-folder bundle) keeps
    them on disk, so a resource inside an archive is reported as not found rather than copied out.
    """
    parts = PurePosixPath(Path(relative).as_posix()).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        raise ValueError(f"resource paths are relative and stay inside resources/: {relative}")
    found = resources_root().joinpath(*parts)
    if not (found.is_file() or found.is_dir()):
        raise ResourceNotFound(f"resource {'/'.join(parts)} is not in the installed package {PACKAGE}")
    if not isinstance(found, Path):
        raise ResourceNotFound(f"resource {'/'.join(parts)} is inside an archive; kiosk needs it on disk")
    return found


def cjk_font_file() -> Path:
    """``$KIOSK_CJK_FONT`` when it names a file, else the shipped font (the UI and the printing previews)."""
    override = os.environ.get(CJK_FONT_ENV)
    if override and Path(override).is_file():
        return Path(override)
    return resource_path(CJK_FONT)
