"""The per-token rate limit: a burst, then the average rate, then 429's Retry-After."""

from __future__ import annotations

import pytest

from api.limits import RateLimiter

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_caller_may_burst_then_waits_for_the_bucket_to_refill():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 1  # one a second: wait a second
    clock.now += 1.0
    assert limiter.take("a") is None
    assert limiter.take("a") == 1


def test_callers_have_separate_allowances():
    limiter = RateLimiter(per_minute=60, burst=1, clock=FakeClock())
    assert limiter.take("a") is None
    assert limiter.take("b") is None
    assert limiter.take("a") == 1


def test_retry_after_says_how_long_until_the_next_request_is_granted():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=6, burst=1, clock=clock)  # one every ten seconds
    assert limiter.take("a") is None
    assert limiter.take("a") == 10
    clock.now += 4.0
    assert limiter.take("a") == 6


def test_zero_turns_the_limit_off():
    limiter = RateLimiter(per_minute=0, clock=FakeClock())
    assert all(limiter.take("a") is None for _ in range(10_000))


def test_the_number_of_remembered_callers_is_bounded():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock, max_callers=100)
    for i in range(1000):
        limiter.take(i)
        clock.now += 0.01
    assert len(limiter._buckets) <= 100
