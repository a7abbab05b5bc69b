"""The retry policy is pure: which errors, how many attempts, how long (jitter injected)."""

from __future__ import annotations

import pytest

from kiosk.wechatpay import APIError, ConnectError, RetryPolicy, SignatureError, TimeoutError, ValidationError


def policy(**changes: object) -> RetryPolicy:
    return RetryPolicy(**{"max_attempts": 4, "base_delay": 0.5, "max_delay": 3.0, "random": lambda: 1.0, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("refused"),
        TimeoutError("slow"),
        APIError(500, "SYSTEM_ERROR", "系统错误"),
        APIError(503, "SERVICE_UNAVAILABLE", ""),
        APIError(429, "FREQUENCY_LIMITED", "频率超限"),
    ],
)
def test_transient_failures_of_idempotent_operations_are_retried(error: Exception) -> None:
    assert policy().should_retry(error, 1, idempotent=True)
    assert not policy().should_retry(error, 1, idempotent=False)
    assert not policy().should_retry(error, 4, idempotent=True)  # bounded


@pytest.mark.parametrize(
    "error",
    [
        APIError(400, "PARAM_ERROR", ""),
        APIError(403, "OUT_TRADE_NO_USED", ""),
        APIError(401, "SIGN_ERROR", ""),
        APIError(400, "STATEMENT_CREATING", "账单生成中"),  # retryable, but half an hour later: the caller's job
        SignatureError("probe"),
        ValidationError("amount_fen", "too small"),
        RuntimeError("bug"),
    ],
)
def test_other_failures_are_not_retried(error: Exception) -> None:
    assert not policy().should_retry(error, 1, idempotent=True)


def test_statement_creating_is_still_flagged_retryable_for_the_caller() -> None:
    assert APIError(400, "STATEMENT_CREATING", "").retryable
    assert not APIError(400, "NO_STATEMENT_EXIST", "").retryable


def test_back_off_is_exponential_and_capped() -> None:
    assert [policy().delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_comes_from_the_injected_random_source() -> None:
    assert policy(jitter=0.5, random=lambda: 0.0).delay(2) == 0.5
    assert policy(jitter=0.5, random=lambda: 1.0).delay(2) == 1.0
    assert policy(jitter=1.0, random=lambda: 0.25).delay(3) == 0.5
    assert policy(jitter=0.0, random=lambda: 0.0).delay(1) == 0.5


def test_never_and_bad_settings() -> None:
    assert not RetryPolicy.never().should_retry(ConnectError("x"), 1, idempotent=True)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
