"""Poll an observable condition instead of sleeping a fixed time in an assertion."""

from __future__ import annotations

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
