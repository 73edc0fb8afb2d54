"""Per-person rate limit: one person flooding the bot must not slow everyone else down."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    told: bool = False  # the person was told to slow down during this flood


class RateLimiter:
    """A token bucket per sender: `burst` messages at once, then one every `interval` seconds.

    In memory, per gateway process: with several processes the limit is per process, which still
    protects each one. Idle buckets are dropped so memory stays bounded.
    """

    def __init__(self, burst: int, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def allow(self, sender: str) -> tuple[bool, bool]:
        """(allowed, tell): `tell` is True for the first refused message of a flood only."""
        now = self.clock()
        bucket = self.buckets.get(sender)
        if bucket is None:
            if len(self.buckets) > 50_000:
                self._forget_idle(now)
            bucket = self.buckets[sender] = _Bucket(tokens=self.burst, stamp=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) / self.interval)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return True, False
        tell = not bucket.told
        bucket.told = True
        return False, tell

    def _forget_idle(self, now: float) -> None:
        full = self.burst * self.interval
        for sender in [s for s, b in self.buckets.items() if now - b.stamp > full]:
            del self.buckets[sender]
