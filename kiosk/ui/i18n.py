"""Translations: load every ``resources/i18n/*_{lang}`` catalogue, compiling ``.ts`` to ``.qm`` when needed.

The ``.ts`` files are the sources (committed); the ``.qm`` files are build products (git-ignored). At
start-up a missing or stale ``.qm`` is compiled with the ``lrelease`` that ships with PySide6, next to its
``.ts`` when ``resources/`` is writable, otherwise into a cache under the user's data directory.
Source strings are English; zh_CN is the default language.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs
from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QTranslator

from kiosk.resources import ResourceNotFound, resource_path

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


class TranslationError(RuntimeError):
    """A catalogue could not be compiled or loaded."""


class Retranslating:
    """Mixin for widgets (before the Qt class: ``class View(Retranslating, QWidget)``): the cashier switches
    language live, and Qt then sends every widget a LanguageChange event, which calls :meth:`language_changed`."""

    def retranslate(self) -> None:
        raise NotImplementedError

    def language_changed(self) -> None:
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.language_changed()
        super().changeEvent(event)  # type: ignore[misc]


def i18n_dir() -> Path | None:
    try:
        return resource_path("i18n")
    except ResourceNotFound:
        return None


def cache_dir() -> Path:
    return Path(platformdirs.user_data_dir("kiosk", appauthor=False)) / "i18n-cache"


def find_lrelease() -> list[str] | None:
    """The command that runs lrelease: PySide6's bundled binary, its wrapper script, or one on PATH."""
    import PySide6

    package = Path(PySide6.__file__).parent
    exe = ".exe" if sys.platform == "win32" else ""
    for candidate in (package / f"lrelease{exe}", package / "Qt" / "bin" / f"lrelease{exe}"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    beside = Path(sys.executable).parent / f"pyside6-lrelease{exe}"
    if beside.is_file():
        return [str(beside)]
    for name in ("pyside6-lrelease", "lrelease"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def compile_ts(ts: Path, qm: Path) -> None:
    command = find_lrelease()
    if command is None:
        raise TranslationError("lrelease not found (it ships with PySide6)")
    qm.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed into place: another kiosk process (or test worker) starting at the same moment
    # takes a .qm that exists for a finished one, and must never load one lrelease is still writing.
    partial = qm.with_name(f"{qm.stem}.{os.getpid()}.partial.qm")
    try:
        result = subprocess.run(
            [*command, "-silent", str(ts), "-qm", str(partial)], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0 or not partial.is_file():
            raise TranslationError(f"lrelease failed on {ts.name}: {result.stderr.strip() or result.stdout.strip()}")
        os.replace(partial, qm)
    finally:
        partial.unlink(missing_ok=True)


def _writable(directory: Path) -> bool:
    return os.access(directory, os.W_OK)


def _fresh(qm: Path, ts: Path | None) -> bool:
    return qm.is_file() and (ts is None or qm.stat().st_mtime >= ts.stat().st_mtime)


def catalogues(language: str, directory: Path | None = None, cache: Path | None = None) -> list[Path]:
    """Compiled ``.qm`` files for ``language`` (compiling stale ones), in a stable order."""
    directory = directory if directory is not None else i18n_dir()
    if directory is None or not directory.is_dir():
        return []
    cache = cache if cache is not None else cache_dir()
    suffix = f"_{language}"
    names = sorted({p.stem for p in directory.iterdir() if p.suffix in (".ts", ".qm") and p.stem.endswith(suffix)})
    found: list[Path] = []
    for name in names:
        ts = directory / f"{name}.ts"
        source = ts if ts.is_file() else None
        beside = directory / f"{name}.qm"
        cached = cache / f"{name}.qm"
        if _fresh(beside, source):
            found.append(beside)
            continue
        if source is None:
            continue
        if _fresh(cached, source):
            found.append(cached)
            continue
        target = beside if _writable(directory) else cached
        try:
            compile_ts(source, target)
        except (TranslationError, OSError, subprocess.SubprocessError) as exc:
            if target is beside:
                try:
                    compile_ts(source, cached)
                except (TranslationError, OSError, subprocess.SubprocessError) as second:
                    log.error("cannot compile %s: %s", ts, second)
                    continue
                target = cached
            else:
                log.error("cannot compile %s: %s", ts, exc)
                continue
        found.append(target)
    return found


class Translations:
    """The translators installed on the application for the current language; :meth:`switch` changes it.

    Installing/removing translators makes Qt send ``LanguageChange`` to every widget; the views retranslate
    themselves from their ``changeEvent``."""

    def __init__(self, app: QCoreApplication, language: str = DEFAULT_LANGUAGE):
        self.app = app
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._installed: list[QTranslator] = []

    def install(self) -> list[Path]:
        return self.switch(self.language)

    def switch(self, language: str) -> list[Path]:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        self.remove()
        self.language = language
        loaded: list[Path] = []
        for qm in catalogues(language):
            translator = QTranslator(self.app)
            if translator.load(str(qm)):
                self.app.installTranslator(translator)
                self._installed.append(translator)
                loaded.append(qm)
            else:
                log.error("cannot load translation %s", qm)
        if language != "en":
            # Qt's own strings (standard buttons, context menus).
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            translator = QTranslator(self.app)
            if translator.load(f"qtbase_{language}", qt_dir):
                self.app.installTranslator(translator)
                self._installed.append(translator)
        return loaded

    def remove(self) -> None:
        for translator in self._installed:
            self.app.removeTranslator(translator)
        self._installed.clear()
