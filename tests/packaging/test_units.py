"""Every systemd unit shipped under packaging/ passes ``systemd-analyze verify`` with no complaint.

``verify`` checks that each ExecStart= binary exists, and these name install locations (/opt/kiosk,
/usr/bin/cage, …) that a development machine does not have. Each unit is therefore verified as a copy in
which only those absolute binary paths are replaced by executable stubs in a temporary directory; every
other line is verified as shipped. ``verify`` exits 0 even for unknown keys or unparsable values (it only
warns), so any output at all fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
UNIT_SUFFIXES = (".service", ".timer", ".socket", ".target", ".path")
#: Units that run in the user's service manager (``systemctl --user``); all others are system units.
USER_UNITS = {"linux/kiosk.service"}
_EXEC = re.compile(r"^(Exec[A-Za-z]*=)([-@:+!]*)(/\S+)(.*)$")


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail(
            "systemd-analyze is not installed: the shipped units cannot be verified. "
            "Install systemd (Debian: apt-get install systemd) on this machine or CI."
        )
    return path


def shipped_units() -> list[Path]:
    return sorted(path for path in PACKAGING.rglob("*") if path.suffix in UNIT_SUFFIXES)


def test_units_are_shipped_where_deploy_docs_say() -> None:
    names = {str(path.relative_to(PACKAGING)) for path in shipped_units()}
    assert {
        "linux/kiosk.service",
        "linux/kiosk-cage@.service",
        "relay/kiosk-relay.service",
        "relay/kiosk-relay-backup.service",
        "relay/kiosk-relay-backup.timer",
    } <= names


def stub_binaries(unit_text: str, stubs: Path) -> str:
    """The unit with each missing absolute Exec binary replaced by an executable stub under ``stubs``."""
    lines = []
    for line in unit_text.splitlines():
        match = _EXEC.match(line)
        if match and not os.access(match.group(3), os.X_OK):
            stub = stubs / match.group(3).lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\nexit 0\n")
            stub.chmod(0o755)
            line = f"{match.group(1)}{match.group(2)}{stub}{match.group(4)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("unit", shipped_units(), ids=lambda path: str(path.relative_to(PACKAGING)))
def test_unit_passes_systemd_analyze_verify(unit: Path, tmp_path: Path) -> None:
    analyze = systemd_analyze()
    relative = str(unit.relative_to(PACKAGING))
    units = tmp_path / "units"
    units.mkdir()
    copy = units / unit.name
    copy.write_text(stub_binaries(unit.read_text("utf-8"), tmp_path / "stubs"), "utf-8")
    if unit.suffix == ".timer":
        # A timer is verified together with the service it activates.
        service = unit.with_suffix(".service")
        (units / service.name).write_text(stub_binaries(service.read_text("utf-8"), tmp_path / "stubs"), "utf-8")
    target = copy
    if unit.name.endswith("@.service"):
        # A template is verified through an instance, as systemd would start it.
        target = units / unit.name.replace("@.service", "@shop.service")
    command = [analyze, "verify", "--man=no", str(target)]
    env = {**os.environ, "SYSTEMD_LOG_COLOR": "0"}
    if relative in USER_UNITS:
        # The user manager needs a runtime directory even for an offline check.
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        command.insert(1, "--user")
        env["XDG_RUNTIME_DIR"] = str(runtime)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and output == "", f"systemd-analyze verify {relative}:\n{output}"


def test_verify_reports_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a typo in a key or value produces output, which that test rejects."""
    analyze = systemd_analyze()
    broken = tmp_path / "broken.service"
    broken.write_text("[Service]\nExecStart=/bin/true\nRestart=sometimes\nProtectSytem=strict\n")
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(broken)], capture_output=True, text=True, timeout=60, check=False
    )
    output = done.stdout + done.stderr
    assert "restart specifier" in output and "ProtectSytem" in output


def test_kiosk_user_unit_restarts_full_screen_with_a_burst_limit() -> None:
    text = (PACKAGING / "linux" / "kiosk.service").read_text("utf-8")
    assert re.search(r"^ExecStart=/opt/kiosk/kiosk --kiosk\b", text, re.M)
    assert re.search(r"^Restart=always$", text, re.M)
    assert re.search(r"^StartLimitBurst=\d+$", text, re.M) and re.search(r"^StartLimitIntervalSec=\d+", text, re.M)
    assert re.search(r"^WantedBy=graphical-session.target$", text, re.M)


def test_relay_unit_is_hardened_and_writes_only_its_state_and_logs() -> None:
    text = (PACKAGING / "relay" / "kiosk-relay.service").read_text("utf-8")
    for setting in (
        "User=kiosk-relay",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/kiosk-relay /var/log/kiosk-relay",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "CapabilityBoundingSet=",
        "StateDirectoryMode=0700",
        "UMask=0077",
    ):
        assert re.search(rf"^{re.escape(setting)}$", text, re.M), setting
