"""The ``kiosk`` command's set-up sub-commands run without the cashier window (faults: tests/test_commands.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from kiosk.manager.pin import verify_pin


def test_set_pin_prints_a_manager_line_that_verifies() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "set-pin"],
        input="2468\n2468\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    match = re.search(r'pin_sha256 = "([^"]+)"', result.stdout)
    assert match, result.stdout
    assert verify_pin("2468", match.group(1))
    assert not verify_pin("1357", match.group(1))
    assert "2468" not in result.stdout  # the PIN itself is never echoed


def test_set_pin_refuses_two_different_pins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "set-pin"],
        input="2468\n1357\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2  # bad input, as everywhere (tests/test_commands.py)
    assert "pin_sha256" not in result.stdout


def test_the_lock_finds_the_training_world_where_training_mode_keeps_it() -> None:
    from kiosk import cli
    from kiosk.checkout.training import default_training_dir

    assert cli.default_training_dir() == default_training_dir()
