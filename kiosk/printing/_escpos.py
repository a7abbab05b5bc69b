"""The one place python-escpos is imported, with its import-time side effects contained.

python-escpos 3.1 runs ``logging.basicConfig()`` (a handler on the root logger) and ``mkdtemp()`` (a new
temporary directory per import, never removed) when ``escpos.capabilities`` is first imported, and keeps its
printer database as a pickle that it writes in place, where a process starting at the same moment (a second
kiosk tool, a parallel test worker) can read it half-written. Everything in ``kiosk.printing`` imports
python-escpos through :func:`escpos_modules` instead.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import os
import pickle
import platform
import sys
import tempfile
import threading
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import platformdirs

_lock = threading.Lock()


def _cache_dir() -> Path:
    path = Path(platformdirs.user_cache_dir("kiosk", appauthor=False)) / "escpos"
    path.mkdir(parents=True, exist_ok=True)
    return path


@cache
def escpos_modules() -> tuple[ModuleType, ModuleType, ModuleType]:
    """``(escpos.escpos, escpos.printer, escpos.capabilities)``, imported once with side effects undone."""
    with _lock:
        cache_dir = _cache_dir()
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache_dir))
        if "ESCPOS_CAPABILITIES_FILE" not in os.environ:
            _write_capabilities(Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"]))
        root = logging.getLogger()
        handlers_before = list(root.handlers)
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp(*args: Any, **kwargs: Any) -> str:
            # capabilities.py evaluates mkdtemp() as a default even when the pickle dir is set:
            # hand it the cache dir instead of leaking an empty directory per process.
            if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
                return str(cache_dir)
            return str(real_mkdtemp(*args, **kwargs))

        tempfile.mkdtemp = mkdtemp  # type: ignore[assignment]
        try:
            import escpos.capabilities as capabilities
            import escpos.escpos as escpos_core
            import escpos.printer as printer
        finally:
            tempfile.mkdtemp = real_mkdtemp
            for handler in list(root.handlers):
                if handler not in handlers_before:
                    root.removeHandler(handler)
    return escpos_core, printer, capabilities


def _write_capabilities(pickle_dir: Path) -> None:
    """Write python-escpos's printer database where it looks for it, whole, by an atomic rename: it then
    only reads it. Every process writes its own copy (a JSON parse, about 10 ms), so a file left half-written
    by anyone is replaced rather than trusted."""
    database = json.loads((importlib.resources.files("escpos") / "capabilities.json").read_text("utf-8"))
    target = pickle_dir / f"{platform.python_version()}.capabilities.pickle"
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(database, protocol=2))
    os.replace(partial, target)


def escpos_profile_names() -> frozenset[str]:
    """Capability profiles bundled with python-escpos (``TM-T20II``, ``POS-5890``, ...)."""
    capabilities = escpos_modules()[2]
    return frozenset(capabilities.CAPABILITIES["profiles"])


def dummy_printer(profile_name: str) -> Any:
    """An in-memory python-escpos printer (``.output`` holds the bytes) for rendering."""
    printer = escpos_modules()[1]
    return printer.Dummy(profile=profile_name)
