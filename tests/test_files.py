"""kiosk.files: created owner-only (0600) whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.files import create_private, private_temp


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """0o000 would make files world-writable, 0o277 would take the owner's write bit away."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_a_created_file_is_0600(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "relay.sqlite3"
    assert create_private(path) is True
    assert mode(path) == 0o600 and path.stat().st_size == 0


def test_an_existing_file_is_left_alone(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "relay.sqlite3"
    path.write_bytes(b"data")
    path.chmod(0o640)
    assert create_private(path) is False
    assert mode(path) == 0o640 and path.read_bytes() == b"data"


def test_a_temporary_file_is_0600_in_the_directory_given(tmp_path: Path, umask: int) -> None:
    temp = private_temp(tmp_path, "relay.toml.")
    assert temp.parent == tmp_path and temp.name.startswith("relay.toml.") and temp.name.endswith(".tmp")
    assert mode(temp) == 0o600
