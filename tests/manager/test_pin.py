from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest

from kiosk.clock import CHINA_TZ
from kiosk.manager.pin import (
    LOCKOUT,
    MAX_TRIES,
    Outcome,
    PinFormatError,
    PinGuard,
    configured_pin,
    hash_pin,
    pin_setting,
    verify_pin,
)


class Clock:
    def __init__(self):
        self.moment = datetime(2026, 11, 28, 20, 0, tzinfo=CHINA_TZ)

    def now(self):
        return self.moment


FAST = {"iterations": 1000}


def test_pbkdf2_form_is_salted_and_verifies():
    stored = hash_pin("2468", **FAST)
    scheme, iterations, salt, digest = stored.split("$")
    assert (scheme, iterations, len(salt), len(digest)) == ("pbkdf2_sha256", "1000", 32, 64)
    assert hash_pin("2468", **FAST) != stored  # a fresh salt each time
    assert verify_pin("2468", stored) and not verify_pin("2469", stored)
    assert stored.startswith("pbkdf2_sha256$") and "2468" not in stored


def test_plain_sha256_form_is_accepted_in_any_case():
    stored = hashlib.sha256(b"1234").hexdigest()
    assert verify_pin("1234", stored) and verify_pin("1234", stored.upper()) and not verify_pin("4321", stored)


@pytest.mark.parametrize("bad", ["", "1234", "md5$x", "pbkdf2_sha256$x$00$00", "pbkdf2_sha256$10$zz$00", "a" * 63])
def test_unknown_forms_are_an_error_not_a_pass(bad):
    with pytest.raises(PinFormatError):
        verify_pin("1234", bad)


@pytest.mark.parametrize("bad", ["123", "12ab", "1234567890123", "１２３４"])
def test_new_pins_are_4_to_12_ascii_digits(bad):
    with pytest.raises(PinFormatError):
        hash_pin(bad, **FAST)


def test_configured_pin_and_training_default():
    assert configured_pin({"pin_sha256": " abc "}, training=False) == "abc"
    assert configured_pin({}, training=False) is None
    assert verify_pin("0000", configured_pin(None, training=True) or "")


def test_five_wrong_tries_lock_for_five_minutes():
    clock = Clock()
    guard = PinGuard(hash_pin("2468", **FAST), clock=clock)
    results = [guard.check("1111") for _ in range(MAX_TRIES - 1)]
    assert [(r.outcome, r.tries_left) for r in results] == [(Outcome.WRONG, n) for n in (4, 3, 2, 1)]
    locked = guard.check("1111")
    assert locked.outcome is Outcome.LOCKED and locked.locked_until == clock.moment + LOCKOUT
    assert guard.check("2468").outcome is Outcome.LOCKED  # even the right PIN, while locked
    clock.moment += LOCKOUT - timedelta(seconds=1)
    assert guard.status().outcome is Outcome.LOCKED
    clock.moment += timedelta(seconds=1)
    assert guard.status().tries_left == MAX_TRIES
    assert guard.check("2468").ok


def test_a_right_pin_resets_the_count():
    guard = PinGuard(hash_pin("2468", **FAST), clock=Clock())
    guard.check("0")
    guard.check("0")
    assert guard.check("2468").ok and guard.failures == 0
    assert guard.check("0").tries_left == MAX_TRIES - 1


def test_lockout_survives_a_new_guard_through_persistence():
    clock, saved = Clock(), {}
    stored = hash_pin("2468", **FAST)

    def guard():
        return PinGuard(stored, clock=clock, load=lambda: saved.get("s"), save=lambda v: saved.__setitem__("s", v))

    first = guard()
    for _ in range(MAX_TRIES):
        first.check("9999")
    again = guard()
    assert again.check("2468").outcome is Outcome.LOCKED
    assert PinGuard(stored, clock=clock, load=lambda: "not json").check("2468").ok


def test_no_pin_configured():
    assert PinGuard(None).check("0000").outcome is Outcome.NOT_CONFIGURED


def test_a_pin_typed_twice_makes_a_config_line_that_verifies():
    lines = pin_setting("135790", "135790").splitlines()
    assert lines[0] == "[manager]" and lines[1].startswith('pin_sha256 = "pbkdf2_sha256$')
    assert verify_pin("135790", lines[1].split('"')[1])
    with pytest.raises(PinFormatError, match="differ"):
        pin_setting("135790", "135791")
    with pytest.raises(PinFormatError, match="4 to 12 digits"):
        pin_setting("12", "12")
