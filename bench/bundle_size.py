"""Size, build time and frozen start-up time of the kiosk's PyInstaller bundle.

    python bench/bundle_size.py [--out DIR] [--runs 3]

Builds with packaging/build_kiosk.py into DIR (default: a temporary directory, removed afterwards), then
starts the frozen kiosk offscreen in training mode with ``--exit-after-start`` ``--runs`` times. The
start-up figures come from the kiosk's own ready line (process start → first paint → core ready). The
biggest top-level entries of the bundle show where the size goes. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"KIOSK_READY start=([\d.]+) first_paint=([\d.]+) ready=([\d.]+)")


def largest_entries(data_dir: Path, count: int = 8) -> dict[str, float]:
    sizes = {}
    for entry in data_dir.iterdir():
        if entry.is_symlink():  # PyInstaller links Qt libraries into the top level; count them once
            continue
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file() and not p.is_symlink()]
        sizes[entry.name] = sum(p.stat().st_size for p in files)
    biggest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:count]
    return {name: round(size / 2**20, 1) for name, size in biggest}


def start_up(executable: str, work: Path) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    done = subprocess.run(
        [executable, "--exit-after-start", "--data-dir", str(home / "training")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    ended = time.time()
    match = READY.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"frozen kiosk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    _, first_paint, ready = (float(value) for value in match.groups())
    # Measured from our own launch: the bootloader's unpacking is part of what a clerk waits for.
    return {"first_paint_s": first_paint - started, "ready_s": ready - started, "exit_s": ended - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="build directory to keep (default: temporary)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bundle-bench-") as temp:
        out = (args.out or Path(temp)).resolve()
        done = subprocess.run(
            [sys.executable, str(ROOT / "packaging" / "build_kiosk.py"), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            return 1
        report = json.loads(done.stdout.strip().splitlines()[-1])
        runs = [start_up(report["executable"], Path(temp)) for _ in range(args.runs)]
        result = {
            "bench": "bundle_size",
            "size_bytes": report["size_bytes"],
            "size_mib": report["size_mib"],
            "files": report["files"],
            "build_seconds": report["build_seconds"],
            "startup_runs": args.runs,
            "first_paint_s_median": round(statistics.median(r["first_paint_s"] for r in runs), 2),
            "ready_s_median": round(statistics.median(r["ready_s"] for r in runs), 2),
            "exit_s_median": round(statistics.median(r["exit_s"] for r in runs), 2),
            "largest_mib": largest_entries(Path(report["bundle_dir"]) / "_internal"),
            "platform": report["platform"],
        }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
