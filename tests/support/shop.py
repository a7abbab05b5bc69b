"""The environment a counter PC gives an installed kiosk (the wheel and bundle tests run it in this)."""

from __future__ import annotations

import os
from pathlib import Path


def shop_env(home: Path, *, path: str | None = None) -> dict[str, str]:
    """No project paths, no PYTHONPATH; a home, temp dir and (as a desktop session's logind gives) a runtime dir
    of its own under ``home``, where the sound system keeps its socket and lock; offscreen Qt.

    ``path`` is ``PATH``: by default only the system's own directories (no venv, no Python)."""
    for name in ("home", "tmp", "run"):
        (home / name).mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {name: os.environ[name] for name in ("SYSTEMROOT", "WINDIR") if name in os.environ}  # Windows needs them
    system_path = "/usr/bin:/bin" if os.name == "posix" else os.environ.get("SYSTEMROOT", r"C:\Windows")
    return env | {
        "PATH": system_path if path is None else path,
        "HOME": str(home / "home"),
        "TMPDIR": str(home / "tmp"),
        "TEMP": str(home / "tmp"),
        "TMP": str(home / "tmp"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
