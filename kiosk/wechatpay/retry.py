"""The one retry policy: which failures to repeat, how often and how long to wait. Pure; jitter is injected."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import APIError, TransportError, WeChatPayError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter over a bounded number of attempts.

    Only idempotent operations are repeated (queries, close, order creation with the same out_trade_no
    and body, refunds with the same out_refund_no), and only after a transport failure or an API error
    that WeChat Pay documents as transient and that asks for a quick retry (HTTP 429 and 5xx).
    ``STATEMENT_CREATING`` is retryable but only half an hour later, so it is left to the caller.
    Verification failures are never retried: a forged answer stays forged.
    """

    max_attempts: int = 3
    base_delay: float = 0.25
    multiplier: float = 2.0
    max_delay: float = 4.0
    #: Fraction of each delay that is randomised (0 = none, 1 = "full jitter").
    jitter: float = 0.5
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within [0, 1]")

    @classmethod
    def never(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    def should_retry(self, error: BaseException, attempt: int, *, idempotent: bool) -> bool:
        """After ``attempt`` attempts (1-based) failed with ``error``, may another one be made?"""
        if not idempotent or attempt >= self.max_attempts or not isinstance(error, WeChatPayError):
            return False
        if isinstance(error, TransportError):
            return True
        if isinstance(error, APIError):
            return error.retryable and (error.status >= 500 or error.status == 429)
        return False

    def delay(self, attempt: int) -> float:
        """Seconds to wait after ``attempt`` failed attempts."""
        ceiling = min(self.max_delay, self.base_delay * self.multiplier ** (attempt - 1))
        return ceiling * (1.0 - self.jitter + self.jitter * self.random())
