"""The built wheel runs: install it into a fresh virtual environment and sell, offscreen, as the bundle test does.

The wheel is built once per session with ``pip wheel --no-deps`` (what docs/deploy.md tells the relay operator
to run) and installed with ``pip install --no-deps --no-index`` into a new venv, outside the checkout, so that
``kiosk`` can only come from the wheel. Its dependencies come from the test run's own environment through a
``.pth`` line naming that environment's site-packages: nothing is downloaded (PySide6 alone is ~250 MB) and the
whole set-up takes a few seconds. ``--system-site-packages`` would not do: it exposes the *base* interpreter's
packages, where nothing of the project's is installed, and the test venv's own ``.pth`` files (the editable
install's finder, which maps ``kiosk`` to the checkout) are not run for a directory added by a ``.pth`` line,
so the checkout stays invisible.

Run on its own with ``pytest -m wheel``; under 10 s on a 2-core machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from tests.support.shop import shop_env

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(4 * RUN_TIMEOUT)]


def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, **options)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, and the test environment's packages visible behind it."""
    work = tmp_path_factory.mktemp("kiosk-wheel")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(ROOT)])
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("kiosk-*.whl")
    target = work / "venv"
    created = run([sys.executable, "-m", "venv", "--without-pip", str(target)])
    assert created.returncode == 0, created.stderr
    python = target / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    ours = dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]))
    (Path(purelib) / "kiosk-test-dependencies.pth").write_text("\n".join(ours) + "\n", "utf-8")
    installed = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)]
    )
    assert installed.returncode == 0, installed.stderr
    return target


def script(venv: Path, name: str) -> str:
    return str(venv / ("Scripts" if os.name == "nt" else "bin") / name)


def wheel_env(home: Path) -> dict[str, str]:
    """A counter PC's environment (tests/support/shop.py), keeping this machine's PATH."""
    return shop_env(home, path=os.environ.get("PATH", ""))


def test_kiosk_and_its_resources_come_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    code = (
        "import kiosk, kiosk.resources as r\n"
        "print(kiosk.__file__)\n"
        "print(r.resource_path('catalogue.toml'))\n"
        "print(r.resource_path('i18n'))\n"
        "print(r.cjk_font_file())\n"
        "from kiosk.checkout.sound import ClipLibrary\n"
        "clips = ClipLibrary()\n"
        "assert clips.frames('wechat_received')\n"
        "print(clips.directory)\n"
    )
    done = run([script(venv, "python"), "-c", code], env=wheel_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert all(venv in path.parents for path in paths), paths
    assert all(ROOT not in path.parents for path in paths), paths
    assert paths[1].is_file() and paths[2].is_dir() and paths[3].name.endswith(".otf")
    assert paths[4].is_dir() and list(paths[4].glob("*.wav")), "the sound clips ship in the wheel"


def test_installed_kiosk_completes_a_simulated_sale(venv: Path, tmp_path: Path) -> None:
    done = run(
        [script(venv, "kiosk"), "--exit-after-sale", "--data-dir", str(tmp_path / "training")],
        env=wheel_env(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "KIOSK_SALE_DONE ok=True" in done.stdout
    for problem in ("Traceback", "ERROR", "not found"):
        assert problem not in done.stderr, f"{problem!r} on stderr:\n{done.stderr}"
    receipts = list((tmp_path / "training").rglob("*paid_receipt.bin"))
    assert len(receipts) == 1 and "收据".encode("gbk") in receipts[0].read_bytes()
    assert receipts[0].with_suffix(".png").stat().st_size > 1000


def test_installed_printer_test_uses_the_wheels_profiles(venv: Path, tmp_path: Path) -> None:
    done = run(
        [script(venv, "kiosk"), "printer-test", "--profile", "virtual", "--data-dir", str(tmp_path / "out")],
        env=wheel_env(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    profile = next(line for line in done.stdout.splitlines() if line.startswith("profile:"))
    assert str(venv) in profile and str(ROOT) not in profile
    assert "打印测试".encode("gbk") in (tmp_path / "out" / "virtual-printer" / "printer-test.bin").read_bytes()


@pytest.mark.parametrize("command", ["kiosk-relay", "kiosk-sandbox"])
def test_installed_servers_answer_help(venv: Path, tmp_path: Path, command: str) -> None:
    done = run([script(venv, command), "--help"], env=wheel_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {command}")
