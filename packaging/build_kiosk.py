"""Build the kiosk's one-folder bundle with PyInstaller and report its size and build time.

    pip install -e ".[package]"
    python packaging/build_kiosk.py                      # bundle in build/pyinstaller/dist/kiosk/
    python packaging/build_kiosk.py --out /tmp/kb        # bundle in /tmp/kb/dist/kiosk/
    python packaging/build_kiosk.py --archive            # also kiosk-<version>-<os>-<arch>.tar.gz (.zip on Windows)

The same command works on Windows (``py packaging\\build_kiosk.py``). It runs ``packaging/kiosk.spec``,
checks that the files the kiosk needs at run time are in the bundle, writes ``<out>/bundle.json`` and
prints the same JSON as its last line: ``bundle_dir``, ``executable``, ``console_executable``,
``size_bytes``, ``size_mib``, ``files``, ``build_seconds``, ``platform``, ``python``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "kiosk.spec"

#: Files the frozen kiosk cannot start or print without, relative to the bundle's data directory.
REQUIRED_DATA = (
    "kiosk/_resources/catalogue.toml",
    "kiosk/_resources/fonts/NotoSansSC-Regular-GB2312.otf",
    "kiosk/_resources/sounds/wechat_received.wav",
    "printer_profiles/generic-58mm.toml",
    "printer_profiles/virtual.toml",
    "escpos/capabilities.json",
)
#: Where resources/ (the package kiosk._resources) lands in the bundle (packaging/kiosk.spec).
RESOURCES = Path("kiosk") / "_resources"


def executable_name() -> str:
    return "kiosk.exe" if sys.platform == "win32" else "kiosk"


def data_dir(bundle: Path) -> Path:
    """PyInstaller 6 puts everything but the executable under ``_internal/`` (``sys._MEIPASS``)."""
    internal = bundle / "_internal"
    return internal if internal.is_dir() else bundle


def tree_size(path: Path) -> tuple[int, int]:
    """Bytes and file count under ``path`` (symlinks counted once, not followed)."""
    total = files = 0
    for entry in path.rglob("*"):
        if entry.is_file() and not entry.is_symlink():
            total += entry.stat().st_size
            files += 1
    return total, files


def check_bundle(bundle: Path) -> list[str]:
    """Problems with a built bundle (empty when it has everything the kiosk needs)."""
    problems = []
    if not (bundle / executable_name()).is_file():
        problems.append(f"missing executable {bundle / executable_name()}")
    data = data_dir(bundle)
    for relative in REQUIRED_DATA:
        if not (data / relative).is_file():
            problems.append(f"missing {relative}")
    sources = sorted((ROOT / "resources").rglob("*.ts"))
    for source in sources:
        compiled = data / RESOURCES / source.relative_to(ROOT / "resources").with_suffix(".qm")
        if not compiled.is_file():
            problems.append(f"missing compiled translation {compiled.relative_to(data)}")
    shipped_sources = sorted(str(path.relative_to(data)) for path in (data / RESOURCES).rglob("*.ts"))
    if shipped_sources:
        # With a .ts beside its .qm the kiosk would try to recompile it, without lrelease.
        problems.append(f"translation sources in the bundle: {', '.join(shipped_sources)}")
    platforms = list(data.rglob("platforms/*qoffscreen*")) + list(data.rglob("platforms/*qwindows*"))
    if not platforms:
        problems.append("no Qt platform plugin (offscreen/windows) in the bundle")
    return problems


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def make_archive(bundle: Path, out: Path) -> Path:
    """The bundle as one file to carry to a shop: ``kiosk/`` at the top, unpacked into /opt or Program Files."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    name = f"kiosk-{project_version()}-{system}-{platform.machine().lower()}"
    fmt = "zip" if sys.platform == "win32" else "gztar"
    return Path(shutil.make_archive(str(out / name), fmt, root_dir=bundle.parent, base_dir=bundle.name))


def build(out: Path, *, clean: bool = True, archive: bool = False) -> dict[str, object]:
    dist = out / "dist"
    work = out / "work"
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
    ]
    if clean:
        command.append("--clean")
    command.append(str(SPEC))
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT)
    seconds = time.monotonic() - started
    bundle = dist / "kiosk"
    problems = check_bundle(bundle)
    if problems:
        raise SystemExit("bundle is incomplete:\n  " + "\n  ".join(problems))
    size, files = tree_size(bundle)
    report: dict[str, object] = {
        "bundle_dir": str(bundle),
        "executable": str(bundle / executable_name()),
        # Windows' kiosk.exe has no console (no stdout for smoke tests); kiosk-console.exe has one.
        "console_executable": str(bundle / ("kiosk-console.exe" if sys.platform == "win32" else "kiosk")),
        "size_bytes": size,
        "size_mib": round(size / 2**20, 1),
        "files": files,
        "build_seconds": round(seconds, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if archive:
        report["archive"] = str(make_archive(bundle, out))
    (out / "bundle.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build" / "pyinstaller",
        help="output directory (dist/, work/ and bundle.json go here; default: build/pyinstaller, gitignored)",
    )
    parser.add_argument("--archive", action="store_true", help="also pack the bundle as .tar.gz (.zip on Windows)")
    parser.add_argument("--no-clean", action="store_true", help="reuse PyInstaller's cache from an earlier build")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    report = build(out, clean=not args.no_clean, archive=args.archive)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
