"""Every benchmark still runs: each script on a tiny workload, checked for its one JSON line.

Only that it runs and reports what it says it measures is checked here, never how fast: figures on a shared
test machine mean nothing, and speed is the benchmarks' own business when someone runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

# Each script with the smallest arguments that still go through all of its code, and keys its report must hold.
SMALL: dict[str, tuple[str, set[str]]] = {
    "wechatpay_client": ("", {"client_median_ms", "client_p95_ms"}),
    "sandbox_throughput": (
        "--orders 10 --notifications 5 --concurrency 2",
        {"orders_per_second", "notification_deliveries_per_second"},
    ),
    "relay_latency": (
        "--engine both --orders 5 --sandbox-orders 5 --notifications 20 --polls 10 --cluster-polls 10"
        " --sample 5 --bill-rows 200 --bill-requests 3",
        {"sqlite", "postgresql", "targets"},
    ),
    "relay_stop": ("--rounds 1", {"kiosk_stop_s", "relay_sigterm_s"}),
    "charge_latency": ("--orders 3 --codes 3", {"scan_to_paid"}),
    "repeat_check": ("--orders 50", {"results"}),
    "ui_startup": ("--starts 1 --charges 2", {"cold_start_first_paint_ms"}),
    "search": ("--items 200", {"index_build_ms", "query"}),
    "print_slip": ("", {"results"}),
    "reconcile": ("--rows 300", {"rows", "journal_orders"}),
    "manager_screen": ("--rows 300", {"bill_shown_s", "reconciliation_shown_s"}),
}
# Builds the whole PyInstaller bundle (minutes of CPU); tests/packaging builds and starts it with the same
# build script and the same ready line this benchmark reads.
NOT_HERE = {"bundle_size"}


def test_every_benchmark_is_run_here_or_says_why_not() -> None:
    scripts = {path.stem for path in BENCH.glob("*.py") if not path.stem.startswith("_")}
    assert scripts == SMALL.keys() | NOT_HERE


def test_every_benchmark_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in sorted(SMALL.keys() | NOT_HERE) if f"`{name}.py`" not in readme] == []


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_benchmark_runs_and_ends_with_its_json_report(name: str, tmp_path: Path) -> None:
    arguments, keys = SMALL[name]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *arguments.split()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["bench"] == name
    assert keys <= report.keys(), report
