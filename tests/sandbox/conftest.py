from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sandbox.merchant import Merchant
from tests.support.sandbox import SandboxProcess, sandbox_factory, start_sandbox_process

__all__ = ["sandbox_factory"]


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the session (start-up costs ~1 s). Tests that use it may advance its clock a little
    and set faults (cleared after use), but never change settings or leave failing notification receivers."""
    process = start_sandbox_process(tmp_path_factory.mktemp("shared") / "state")
    yield process
    process.stop()


@pytest.fixture
def merchant(shared_sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info) as client:
        yield client


@pytest.fixture
def partner(shared_sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, mchid=shared_sandbox.info["sp_mchid"]) as client:
        yield client


MerchantFor = Callable[[SandboxProcess], Merchant]
