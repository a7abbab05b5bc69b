"""Poll an observable condition instead of sleeping a fixed time in an assertion."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any


def wait_until(
    condition: Callable[[], Any], timeout: float = 15.0, message: str = "condition", *, interval: float = 0.02
) -> Any:
    """Return the first truthy value of ``condition()``, polled every ``interval`` seconds; fail after ``timeout``."""
    pause = threading.Event()
    deadline = datetime.now().timestamp() + timeout
    while True:
        value = condition()
        if value:
            return value
        if datetime.now().timestamp() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        pause.wait(interval)


async def wait_until_async(
    condition: Callable[[], Any], timeout: float = 15.0, message: str = "condition", *, interval: float = 0.02
) -> Any:
    """:func:`wait_until` on a running event loop, which keeps running meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)
