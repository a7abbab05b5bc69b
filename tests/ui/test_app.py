"""The ``kiosk`` command: arguments, a bad configuration, and the packaging smoke flags end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.ui.app import READY_MARKER, SALE_MARKER, parse_args


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
    assert main(["--config", str(config)]) == 2
    assert "[relay] url" in capsys.readouterr().err


#: Runs ``kiosk`` in a process that records every file it opens (an audit hook sees every ``open``).
COUNT_OPENS = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and opened.append(str(args[0])))
from kiosk.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "opened": opened}))
"""


def test_the_configuration_and_the_printer_profile_are_read_once(tmp_path: Path) -> None:
    """kiosk.toml (once: data directory, language, core) and its printer profile (once: checked and used)."""
    profile = tmp_path / "printers" / "mine.toml"
    profile.parent.mkdir()
    profile.write_bytes((Path(__file__).resolve().parents[2] / "printer_profiles" / "virtual.toml").read_bytes())
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[relay]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n[store]\nid = "S1"\nname = "店"\naddress = "路"\n'
        '[kiosk]\nid = "K1"\ndata_dir = "data"\n[printer]\nprofile = "printers/mine.toml"\n[ui]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", COUNT_OPENS, "--config", str(config), "--exit-after-start"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith(READY_MARKER), result.stdout  # the window painted, the core ran
    report = json.loads(lines[-1])
    assert report["code"] == 0
    opened = [Path(name).resolve() for name in report["opened"] if name.endswith(".toml")]
    assert opened.count(config.resolve()) == 1, opened
    assert opened.count(profile.resolve()) == 1, opened
    assert (tmp_path / "data" / "journal.sqlite3").is_file()  # the configured kiosk, not training mode


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
