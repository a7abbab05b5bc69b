"""The relay's storage files are private (0600) even when the relay and its backups run under umask 000."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.support.relay import init_relay, start_relay

RELAY_DB = Path(__file__).resolve().parents[2] / "packaging" / "relay" / "relay_db.py"


def permissive() -> None:
    os.umask(0)


def modes(directory: Path) -> dict[str, int]:
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in directory.iterdir() if path.is_file()}


def relay_db(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(RELAY_DB), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=permissive,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_database_wal_shm_lock_and_backups_are_0600_under_umask_000(sandbox_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    credentials = init_relay(sandbox_dir, state)
    relay = start_relay(credentials, preexec=permissive)
    try:
        # A running relay has its WAL and shared-memory files open beside the database.
        files = modes(state)
        assert {"relay.sqlite3", "relay.sqlite3-wal", "relay.sqlite3-shm", "relay.sqlite3.lock"} <= set(files)
        assert {name: 0o600 for name in files} == files, files

        backup = relay_db("backup", "--config", str(credentials.config_path), "--dest", str(tmp_path / "backups"))
        assert modes(tmp_path / "backups") == {Path(str(backup["file"])).name: 0o600}
    finally:
        relay.stop()

    target = tmp_path / "restored"
    target.mkdir()
    config = target / "relay.toml"
    config.write_text('[storage]\npath = "relay.sqlite3"\n', "utf-8")
    relay_db("restore", "--config", str(config), str(backup["file"]))
    assert modes(target)["relay.sqlite3"] == 0o600
