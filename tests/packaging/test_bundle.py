"""Smoke test of the frozen kiosk: build the PyInstaller bundle, then run it as a shop would, offscreen.

The bundle is built once per session into a temporary directory with the documented command
(``python packaging/build_kiosk.py --out DIR``). The frozen ``kiosk`` then runs with a clean environment
(no virtualenv, no PYTHONPATH, its own HOME and TMPDIR), in training mode, under
``QT_QPA_PLATFORM=offscreen``: once until the window is up, once through a whole simulated sale, and once
as ``kiosk printer-test`` on the virtual printer. The bundle's size and build time go to stdout and to
``bundle.json`` in the build directory.

Run on its own with ``pytest -m bundle``. It takes one to two minutes on a 2-core machine (the build).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.support.relay import init_relay, start_relay
from tests.support.sandbox import start_sandbox_process
from tests.support.shop import shop_env

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "packaging" / "build_kiosk.py"
BUILD_TIMEOUT = 900
RUN_TIMEOUT = 90

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(BUILD_TIMEOUT + 3 * RUN_TIMEOUT)]


def report(config: pytest.Config, line: str) -> None:
    """Show ``line`` in the test run's output even though pytest captures stdout (CI logs keep it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line, flush=True)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> dict[str, Any]:
    assert importlib.util.find_spec("PyInstaller"), 'PyInstaller is missing: install the project with ".[test,package]"'
    out = tmp_path_factory.mktemp("kiosk-bundle")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"build failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    built: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    built["out"] = str(out)
    built["test_build_seconds"] = round(time.monotonic() - started, 1)
    # PyInstaller's work directory is only a cache; keep the disk use to the bundle itself.
    shutil.rmtree(out / "work", ignore_errors=True)
    report(
        pytestconfig,
        f"\nkiosk bundle: {built['size_mib']} MiB in {built['files']} files, "
        f"built in {built['build_seconds']} s -> {out / 'bundle.json'}",
    )
    return built


def run_frozen(bundle: dict[str, Any], args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [bundle["console_executable"], *args],
        env=shop_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def assert_clean_stderr(done: subprocess.CompletedProcess[str]) -> None:
    for problem in ("Traceback", "ERROR", "cannot compile", "cannot load translation", "could not load"):
        assert problem not in done.stderr, f"{problem!r} on stderr:\n{done.stderr}"


def test_bundle_is_complete_and_its_size_is_reported(bundle: dict[str, Any]) -> None:
    written = json.loads((Path(bundle["out"]) / "bundle.json").read_text("utf-8"))
    assert written["size_bytes"] == bundle["size_bytes"] > 50 * 2**20
    assert written["executable"] == bundle["executable"] and Path(bundle["executable"]).is_file()
    internal = Path(bundle["bundle_dir"]) / "_internal"
    for relative in (
        "kiosk/_resources/catalogue.toml",
        "kiosk/_resources/i18n/kiosk_zh_CN.qm",
        "kiosk/_resources/i18n/kiosk_en.qm",
        "kiosk/_resources/fonts/NotoSansSC-Regular-GB2312.otf",
        "kiosk/_resources/fonts/OFL.txt",
        "kiosk/_resources/sounds/wechat_received.wav",
        "printer_profiles/generic-58mm.toml",
        "escpos/capabilities.json",
    ):
        assert (internal / relative).is_file(), relative
    resources = internal / "kiosk" / "_resources"
    assert not list(resources.rglob("*.ts")), "translation sources must stay out of the bundle"
    # kiosk._resources is imported from the archive, as a package: no source beside its data.
    assert not list(resources.rglob("*.py"))
    assert list(internal.rglob("platforms/libqoffscreen.so")) and list(internal.rglob("platforms/libqxcb.so"))
    # Developer tools never ride along.
    for module in ("pytest", "_pytest", "hypothesis", "mypy"):
        assert not (internal / module).exists(), module


@pytest.mark.parametrize("mode", [[], ["--kiosk"]], ids=["window", "full-screen"])
def test_frozen_kiosk_starts_offscreen_in_training_mode(
    bundle: dict[str, Any], tmp_path: Path, mode: list[str], pytestconfig: pytest.Config
) -> None:
    started = time.monotonic()
    done = run_frozen(bundle, [*mode, "--exit-after-start", "--data-dir", str(tmp_path / "training")], tmp_path)
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "KIOSK_READY" in done.stdout
    assert_clean_stderr(done)
    # Training mode really ran: the embedded sandbox and relay wrote their state.
    assert (tmp_path / "training" / "relay" / "relay.toml").is_file()
    report(pytestconfig, f"\nfrozen kiosk {' '.join(mode) or '(window)'}: up and ready in {seconds:.1f} s")


def test_frozen_kiosk_completes_a_simulated_sale(bundle: dict[str, Any], tmp_path: Path) -> None:
    done = run_frozen(bundle, ["--exit-after-sale", "--data-dir", str(tmp_path / "training")], tmp_path)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "KIOSK_SALE_DONE ok=True" in done.stdout
    assert_clean_stderr(done)
    receipts = list((tmp_path / "training").rglob("*paid_receipt.bin"))
    assert len(receipts) == 1 and receipts[0].stat().st_size > 100
    # python-escpos's import-time mkdtemp() is contained: nothing is left in the temp dir.
    assert list((tmp_path / "tmp").iterdir()) == []


def test_frozen_printer_test_prints_chinese_on_the_virtual_printer(bundle: dict[str, Any], tmp_path: Path) -> None:
    done = run_frozen(bundle, ["printer-test", "--profile", "virtual", "--data-dir", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    # The profile comes from inside the bundle, not from a checkout.
    assert str(Path(bundle["bundle_dir"]) / "_internal" / "printer_profiles" / "virtual.toml") in done.stdout
    printed = (tmp_path / "out" / "virtual-printer" / "printer-test.bin").read_bytes()
    assert "打印测试".encode("gbk") in printed
    assert (tmp_path / "out" / "virtual-printer" / "printer-test.png").stat().st_size > 1000
    assert list((tmp_path / "tmp").iterdir()) == []


def test_frozen_kiosk_starts_in_live_mode_from_kiosk_toml(bundle: dict[str, Any], tmp_path: Path) -> None:
    """``--config kiosk.toml`` (as the systemd unit runs it), pointing at a real relay: the live core starts."""
    sandbox = start_sandbox_process(tmp_path / "sandbox")
    relay = None
    try:
        (tmp_path / "relay").mkdir()
        credentials = init_relay(sandbox.state_dir, tmp_path / "relay")
        relay = start_relay(credentials)
        config = tmp_path / "kiosk.toml"
        config.write_text(
            tomli_w.dumps(
                {
                    "relay": {"url": relay.base_url, "token": credentials.kiosk_token},
                    "store": {"id": credentials.store_id, "name": "测试店", "address": "上海市"},
                    "kiosk": {"id": credentials.kiosk_id, "data_dir": "data"},
                    "printer": {"profile": "virtual"},
                }
            ),
            "utf-8",
        )
        done = run_frozen(bundle, ["--config", str(config), "--exit-after-start"], tmp_path)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "KIOSK_READY" in done.stdout
        assert_clean_stderr(done)
        assert (tmp_path / "data" / "journal.sqlite3").is_file()
        # Live mode: no embedded sandbox or relay was created beside the journal.
        assert sorted(path.name for path in (tmp_path / "data").iterdir() if path.is_dir()) <= ["virtual-printer"]
    finally:
        if relay is not None:
            relay.stop()
        sandbox.stop()
