from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.relay import relay_factory
from tests.support.sandbox import offline_state_dir, sandbox_factory

__all__ = ["relay_factory", "sandbox_factory"]


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Path:
    """A sandbox state directory (identity only, no process) with a placeholder base_url."""
    return offline_state_dir(tmp_path / "sandbox")
