"""The manager PIN: stored hashed in ``kiosk.toml``, checked in constant time, locked after wrong tries.

``[manager] pin_sha256`` accepts two forms:

* ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` — preferred: salted and slow, so a copied config
  file does not give the PIN away in a second (a 4-6 digit PIN has at most a million values);
* 64 hex digits, the plain SHA-256 of the PIN — accepted for configs written by hand
  (``printf %s 1234 | sha256sum``), but weak.

Produce the preferred form with ``kiosk set-pin`` (prints the line to paste). Training
mode, which has no configuration, uses the documented PIN ``0000`` (the cashier screen's PIN dialog agrees).

Lockout: after ``MAX_TRIES`` wrong PINs in a row the check refuses everything for ``LOCKOUT`` (the clock
is injectable). The state can be persisted (the manager screen keeps it in the journal's settings), so that
closing and reopening the dialog, or restarting the kiosk, does not reset the count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kiosk.clock import Clock, SystemClock

if TYPE_CHECKING:
    from kiosk.checkout.app import KioskCore

TRAINING_PIN = "0000"
PIN_KEY = "pin_sha256"
SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000
MAX_TRIES = 5
LOCKOUT = timedelta(minutes=5)
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
#: Journal settings key for the persisted lockout state.
SETTING_KEY = "manager.pin_guard"


class PinFormatError(ValueError):
    """The configured hash is in neither accepted form, or a new PIN is not 4-12 digits."""


def check_new_pin(pin: str) -> str:
    if not (pin.isdigit() and pin.isascii() and MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH):
        raise PinFormatError(f"a PIN is {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits")
    return pin


def hash_pin(pin: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """The preferred stored form, ``pbkdf2_sha256$iterations$salt$hash`` (hex)."""
    check_new_pin(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against either stored form; PinFormatError if ``stored`` is neither."""
    stored = stored.strip()
    if stored.startswith(SCHEME + "$"):
        parts = stored.split("$")
        if len(parts) != 4:
            raise PinFormatError("expected pbkdf2_sha256$iterations$salt$hash")
        _, iterations_text, salt_hex, hash_hex = parts
        try:
            iterations = int(iterations_text)
            salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
        except ValueError:
            raise PinFormatError("pbkdf2_sha256 iterations, salt or hash is malformed") from None
        if iterations < 1 or not expected:
            raise PinFormatError("pbkdf2_sha256 iterations or hash is malformed")
        actual = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations, dklen=len(expected))
        return hmac.compare_digest(actual, expected)
    if len(stored) == 64 and all(c in "0123456789abcdefABCDEF" for c in stored):
        actual_hex = hashlib.sha256(pin.encode("utf-8")).hexdigest()
        return hmac.compare_digest(actual_hex, stored.lower())
    raise PinFormatError("expected pbkdf2_sha256$… or 64 hex digits of SHA-256")


def configured_pin(manager: Mapping[str, Any] | None, *, training: bool) -> str | None:
    """The stored hash from ``[manager]``; training mode falls back to the training PIN; None if none set."""
    value = (manager or {}).get(PIN_KEY)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if training:
        return hashlib.sha256(TRAINING_PIN.encode()).hexdigest()
    return None


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class PinResult:
    outcome: Outcome
    tries_left: int = 0
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


class PinGuard:
    """Checks PINs and counts wrong tries. ``load``/``save`` persist the state (a JSON string)."""

    def __init__(
        self,
        stored: str | None,
        *,
        clock: Clock | None = None,
        max_tries: int = MAX_TRIES,
        lockout: timedelta = LOCKOUT,
        load: Callable[[], str | None] | None = None,
        save: Callable[[str], None] | None = None,
    ):
        self._stored = stored
        self._clock = clock or SystemClock()
        self.max_tries = max_tries
        self.lockout = lockout
        self._save = save
        self.failures = 0
        self.locked_until: datetime | None = None
        if load is not None:
            self._restore(load())

    def _restore(self, text: str | None) -> None:
        try:
            data = json.loads(text) if text else {}
            self.failures = int(data.get("failures", 0))
            until = data.get("locked_until")
            self.locked_until = datetime.fromisoformat(until) if until else None
        except (ValueError, TypeError, AttributeError):
            self.failures, self.locked_until = 0, None  # unreadable state: start over rather than lock forever

    def _persist(self) -> None:
        if self._save is not None:
            until = self.locked_until.isoformat() if self.locked_until else None
            self._save(json.dumps({"failures": self.failures, "locked_until": until}))

    @property
    def configured(self) -> bool:
        return self._stored is not None

    def status(self) -> PinResult:
        """Locked (until when) or how many tries are left, without trying a PIN."""
        now = self._clock.now()
        if self.locked_until is not None and now < self.locked_until:
            return PinResult(Outcome.LOCKED, 0, self.locked_until)
        if self.locked_until is not None:
            self.failures, self.locked_until = 0, None
            self._persist()
        return PinResult(Outcome.WRONG if self.failures else Outcome.OK, self.max_tries - self.failures)

    def check(self, pin: str) -> PinResult:
        if self._stored is None:
            return PinResult(Outcome.NOT_CONFIGURED)
        state = self.status()
        if state.outcome is Outcome.LOCKED:
            return state
        if verify_pin(pin, self._stored):
            self.failures = 0
            self._persist()
            return PinResult(Outcome.OK, self.max_tries)
        self.failures += 1
        if self.failures >= self.max_tries:
            self.locked_until = self._clock.now() + self.lockout
            self._persist()
            return PinResult(Outcome.LOCKED, 0, self.locked_until)
        self._persist()
        return PinResult(Outcome.WRONG, self.max_tries - self.failures)


def pin_guard(core: KioskCore) -> PinGuard:
    """The guard over the core's ``[manager] pin_sha256``, its lock-out state kept in the journal's settings
    (the manager screen and leaving kiosk mode share it)."""
    journal = core.journal
    return PinGuard(
        configured_pin(core.config.manager, training=core.training),
        clock=core.clock,
        load=lambda: journal.setting(SETTING_KEY),
        save=lambda value: journal.set_setting(SETTING_KEY, value),
    )


def pin_setting(first: str, second: str) -> str:
    """The ``[manager]`` lines for ``kiosk.toml`` that hold a new PIN typed twice (``kiosk set-pin``).

    Raises :class:`PinFormatError` when the two differ or the PIN is not 4-12 digits."""
    if first != second:
        raise PinFormatError("the two PINs differ; nothing changed")
    return f'[manager]\n{PIN_KEY} = "{hash_pin(first)}"'
