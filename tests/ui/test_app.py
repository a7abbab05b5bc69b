"""The ``kiosk`` command: arguments, a bad configuration, and the packaging smoke flags end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui.app import READY_MARKER, SALE_MARKER, parse_args, run


def test_arguments() -> None:
    options = parse_args(["--config", "k.toml", "--kiosk", "--lang", "en"])
    assert (options.config, options.kiosk, options.lang) == (Path("k.toml"), True, "en")
    assert parse_args([]).config is None  # training mode
    with pytest.raises(SystemExit):
        parse_args(["--lang", "fr"])
    with pytest.raises(SystemExit):
        parse_args(["--config", "k.toml", "--exit-after-sale"])  # a simulated sale needs training mode


def test_a_broken_configuration_is_named_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[relay]\nurl = "ftp://nope"\n', encoding="utf-8")
    assert run(["--config", str(config)]) == 2
    assert "[relay] url" in capsys.readouterr().err


def test_exit_after_sale_runs_a_whole_training_sale_again_and_again(tmp_path: Path) -> None:
    """The second run on the same training data repeats the sale just paid: Charge asks first, and the smoke
    sale answers *Charge again* (it once waited for its deadline and failed)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for run_number in (1, 2):
        result = subprocess.run(
            [sys.executable, "-m", "kiosk", "--exit-after-sale", "--data-dir", str(tmp_path / "training")],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        lines = result.stdout.splitlines()
        assert lines[0].startswith(READY_MARKER) and lines[-1] == f"{SALE_MARKER} ok=True"
        assert len(lines) == 2  # nothing else on stdout (no tokens, no URLs)
        assert "qt.multimedia.symbolsresolver" not in result.stderr and "qt.multimedia.ffmpeg" not in result.stderr
        receipts = list((tmp_path / "training" / "kiosk" / "virtual-printer").glob("*_paid_receipt.png"))
        assert len(receipts) == run_number
