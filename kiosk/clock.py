"""Injectable time: every component takes a clock instead of calling ``datetime.now`` itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

#: WeChat Pay speaks Beijing time (RFC 3339 with +08:00).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(CHINA_TZ)


def rfc3339(moment: datetime) -> str:
    """Format as WeChat Pay does: ``2018-06-08T10:34:56+08:00`` (Beijing time, no fraction)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: WeChat Pay times must carry an offset")
    return moment.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 time with an offset (``Z`` accepted); a naive time is an error."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return value
