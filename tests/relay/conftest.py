from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.relay import relay_factory
from tests.support.sandbox import prepare_state_dir, sandbox_factory

__all__ = ["relay_factory", "sandbox_factory"]


def offline_sandbox_dir(target: Path) -> Path:
    """A sandbox state directory (identity only, no process) whose base_url nothing listens on."""
    state = prepare_state_dir(target)
    info_path = state / "sandbox.json"
    info = json.loads(info_path.read_text("utf-8"))
    info["base_url"] = "http://127.0.0.1:9"
    info_path.write_text(json.dumps(info), "utf-8")
    return state


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Path:
    return offline_sandbox_dir(tmp_path / "sandbox")
