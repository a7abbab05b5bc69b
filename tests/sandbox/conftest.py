from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sandbox.merchant import Merchant
from tests.support.sandbox import SandboxProcess, sandbox_factory, start_sandbox_process

__all__ = ["sandbox_factory"]


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the session (start-up costs ~1 s), at time-scale 100. Tests that use it may advance its
    clock by hours, set faults (cleared after use, notification faults limited to their receiver's URL) and
    change settings (restored in ``finally``); they must not leave a failing receiver behind."""
    process = start_sandbox_process(tmp_path_factory.mktemp("shared") / "state", time_scale=100)
    yield process
    process.stop()


@pytest.fixture
def sandbox(shared_sandbox: SandboxProcess) -> SandboxProcess:
    """The session's sandbox, under the name the fault and refund tests use."""
    return shared_sandbox


@pytest.fixture
def merchant(shared_sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info) as client:
        yield client


@pytest.fixture
def partner(shared_sandbox: SandboxProcess) -> Iterator[Merchant]:
    with Merchant(shared_sandbox.base_url, shared_sandbox.info, mchid=shared_sandbox.info["sp_mchid"]) as client:
        yield client


MerchantFor = Callable[[SandboxProcess], Merchant]
