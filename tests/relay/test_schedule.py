"""The active-query schedule and the per-kiosk rate limiter (pure parts)."""

from __future__ import annotations

from kiosk.relay.app import RateLimiter
from kiosk.relay.reconciler import FIRST_WATCHED_QUERY, order_query_delay, refund_query_delay


def test_watched_orders_are_queried_every_few_seconds_and_back_off_later() -> None:
    assert FIRST_WATCHED_QUERY <= 2.0
    assert order_query_delay(0, watched=True) <= 2.0
    delays = [order_query_delay(age, watched=True) for age in (0, 60, 300, 900, 3600)]
    assert delays == sorted(delays)


def test_unwatched_orders_back_off_to_minutes() -> None:
    delays = [order_query_delay(age, watched=False) for age in (0, 30, 120, 1200, 7200)]
    assert delays == sorted(delays)
    assert delays[-1] >= 60
    assert all(order_query_delay(a, watched=True) <= order_query_delay(a, watched=False) for a in (0, 120, 3600))


def test_refund_queries_back_off_and_stay_bounded() -> None:
    delays = [refund_query_delay(n) for n in range(20)]
    assert delays == sorted(delays)
    assert delays[-1] == 300.0


def test_rate_limiter_allows_a_burst_then_refuses_until_tokens_refill() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=2.0, burst=3, monotonic=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k") == 0.5
    assert limiter.take("other") == 0.0  # buckets are per kiosk
    now[0] += 0.5
    assert limiter.take("k") == 0.0
