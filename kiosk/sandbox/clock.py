"""The sandbox clock: real time plus an offset that only moves forward.

Business time (order expiry, code_url lifetime, bill dates, refund completion, notification retries)
follows this clock so tests can reach tomorrow in a second. Protocol timestamps (the Authorization
window, ``Wechatpay-Timestamp``) use real time, because the merchant's clock is a real one.
"""

from __future__ import annotations

import time
from datetime import datetime

from kiosk.clock import CHINA_TZ


class SandboxClock:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def timestamp(self) -> float:
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), CHINA_TZ)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset += seconds


def wall_timestamp() -> int:
    """Real Unix time, for the signature timestamps that a real client compares with its own clock."""
    return int(time.time())


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, CHINA_TZ)
