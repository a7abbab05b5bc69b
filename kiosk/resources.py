"""One resolver for files shipped under ``resources/`` (catalogue, translations, …).

It works in a checkout (and an editable install), in an installed wheel and in a PyInstaller bundle,
without ``chdir`` and without touching the file system at import time.
"""

from __future__ import annotations

import sys
from importlib import resources as importlib_resources
from pathlib import Path

#: A wheel can carry ``resources/`` either as data files under ``<prefix>/share/kiosk/resources``
#: (pyproject ``[tool.setuptools.data-files]``) or mapped to this package (``package-dir``).
_PACKAGED = "kiosk._resources"
_DATA_FILES = Path("share") / "kiosk" / "resources"


class ResourceNotFound(FileNotFoundError):
    """Raised when a resource is in none of the places a kiosk looks."""


def resource_roots() -> list[Path]:
    """Candidate ``resources`` directories, most specific first."""
    roots: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.append(Path(frozen) / "resources")
    # A checkout or editable install: <repo>/kiosk/resources.py -> <repo>/resources
    roots.append(Path(__file__).resolve().parent.parent / "resources")
    try:
        packaged = importlib_resources.files(_PACKAGED)
    except ModuleNotFoundError:
        packaged = None
    if packaged is not None:
        roots.append(Path(str(packaged)))
    roots.append(Path(sys.prefix) / _DATA_FILES)
    return roots


def resource_path(relative: str | Path) -> Path:
    """The path of ``resources/<relative>``; :class:`ResourceNotFound` names every place tried."""
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"resource paths are relative and stay inside resources/: {relative}")
    tried = []
    for root in resource_roots():
        candidate = root / relative
        if candidate.exists():
            return candidate
        tried.append(str(candidate))
    raise ResourceNotFound(f"resource {relative} not found; looked in: {', '.join(tried)}")
