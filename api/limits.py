"""The per-token rate limit: a token bucket per caller, refilled continuously.

A client may burst up to `burst` requests, then `per_minute` a minute on average; beyond
that it gets 429 with the seconds to wait in `Retry-After`. Kept in the process: with
several API processes each grants its own allowance (documented in the README).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable


class RateLimiter:
    def __init__(self, per_minute: int, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic, max_callers: int = 100_000):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute // 6))
        self._clock = clock
        self._max_callers = max_callers
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # caller → (tokens, at)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, caller: Hashable) -> int | None:
        """Spends one request of `caller`'s allowance: None if granted, else the whole
        seconds to wait before the next one is."""
        if not self.enabled:
            return None
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(caller, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[caller] = (tokens, now)
                return max(1, math.ceil((1.0 - tokens) / self.rate))
            if len(self._buckets) >= self._max_callers and caller not in self._buckets:
                self._forget_idle(now)
            self._buckets[caller] = (tokens - 1.0, now)
            return None

    def _forget_idle(self, now: float) -> None:
        # Callers whose bucket has refilled are indistinguishable from new ones.
        full = [c for c, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
        for caller in full:
            del self._buckets[caller]
        if len(self._buckets) >= self._max_callers:
            self._buckets.clear()
