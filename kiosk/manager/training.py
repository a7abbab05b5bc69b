"""Training only: move the sandbox's clock so that a trainee sees today's bill at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from kiosk.clock import CHINA_TZ, parse_rfc3339
from kiosk.manager.bills import RELEASE_TIME

if TYPE_CHECKING:
    from kiosk.checkout.app import KioskCore


class SandboxClockError(RuntimeError):
    """The sandbox could not be reached or refused to move its clock."""


def seconds_to_next_release(now: datetime) -> float:
    """From ``now`` to 10:00 (Beijing) of the next day: today's bill is then published."""
    local = now.astimezone(CHINA_TZ)
    target = datetime.combine(local.date() + timedelta(days=1), RELEASE_TIME, CHINA_TZ)
    return (target - local).total_seconds()


def advance_core_to_next_release(core: KioskCore) -> datetime:
    """Blocking: the same through ``KioskCore.advance_training_clock`` (raises outside training mode)."""
    try:
        now = parse_rfc3339(str(core.advance_training_clock(0)["now"]))
        answer = core.advance_training_clock(round(seconds_to_next_release(now)))
        return parse_rfc3339(str(answer["now"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise SandboxClockError(f"the sandbox clock did not move: {exc}") from exc


def advance_to_next_release(base_url: str, *, transport: httpx.BaseTransport | None = None) -> datetime:
    """Blocking: move the sandbox clock to 10:00 tomorrow (sandbox time); returns the sandbox's new time."""
    try:
        with httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=10.0) as http:
            now = parse_rfc3339(str(http.get("/sandbox/v1/clock").raise_for_status().json()["now"]))
            seconds = round(seconds_to_next_release(now))
            answer = http.post("/sandbox/v1/clock", json={"advance_seconds": seconds}).raise_for_status()
            return parse_rfc3339(str(answer.json()["now"]))
    except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
        raise SandboxClockError(f"the sandbox clock did not move: {exc}") from exc
