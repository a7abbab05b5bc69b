from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.relay import relay_factory
from tests.support.sandbox import SandboxProcess, offline_state_dir, sandbox_factory, start_sandbox_process

__all__ = ["relay_factory", "sandbox_factory"]


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Path:
    """A sandbox state directory (identity only, no process) with a placeholder base_url."""
    return offline_state_dir(tmp_path / "sandbox")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for a test module (ten times real time), stopped after its last test."""
    process = start_sandbox_process(tmp_path_factory.mktemp("sandbox") / "state", time_scale=10)
    yield process
    process.stop()
