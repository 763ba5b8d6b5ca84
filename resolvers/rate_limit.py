"""Per-token rate limiting: a fixed one-minute window counted in a shared counter.

The decision lives here; the counting lives behind the Counter protocol so that one
process can count in memory and several processes can share a Redis counter
(storage/counters.py).
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from resolvers.errors import RateLimited
from storage.counters import MemoryCounter, RedisCounter
from storage.errors import StorageUnavailable
from storage.shared_counter import SharedMemoryCounter

log = logging.getLogger(__name__)

WINDOW_S = 60


class Counter(Protocol):
    async def increment(self, key: str, *, ttl_s: int) -> int:
        """Add one to ``key`` (forgotten ``ttl_s`` seconds later); return the total."""
        ...


def shared_memory_counter() -> Counter:
    """Return a counter shared by every process forked after this call (gateway workers)."""
    return SharedMemoryCounter()


@dataclass(frozen=True, slots=True)
class Allowance:
    """What is left of the caller's window, for the X-Ratelimit-* headers."""

    remaining: int
    reset_ms: int


class RateLimit:
    """At most ``per_window`` requests per token per window; 0 turns the limit off."""

    def __init__(self, counter: Counter, *, per_window: int, window_s: int = WINDOW_S) -> None:
        self.counter = counter
        self.per_window = per_window
        self.window_s = window_s

    @property
    def enabled(self) -> bool:
        return self.per_window > 0

    async def spend(self, caller: str, *, now: datetime) -> Allowance | None:
        """Count one request; return what is left, None when off, or raise RateLimited."""
        if not self.enabled:
            return None
        now_s = now.timestamp()
        window = int(now_s // self.window_s)
        reset = (window + 1) * self.window_s
        try:
            # Keys name their window, so the TTL only needs to outlive it: clocks of
            # several processes (and the counter's) never have to agree.
            used = await self.counter.increment(f"{caller}:{window}", ttl_s=2 * self.window_s)
        except StorageUnavailable as exc:
            # The data API stays up when the shared counter is down: fail open, loudly.
            log.warning("rate limit counter unavailable, not limiting: %s", exc)
            return None
        if used > self.per_window:
            retry = max(1, int(-(-(reset - now_s) // 1)))
            raise RateLimited(retry_after_s=retry, reset_ms=reset * 1000)
        return Allowance(self.per_window - used, reset * 1000)


@asynccontextmanager
async def rate_limit(
    *, per_window: int, redis_url: str | None, redis_prefix: str, local: Counter | None = None
) -> AsyncIterator[RateLimit]:
    """Yield a rate limit counting in Redis when a URL is given (shared by every process),
    else in ``local`` (e.g. shared by forked workers) or in this process's memory."""
    if not redis_url:
        yield RateLimit(local or MemoryCounter(), per_window=per_window)
        return
    redis = RedisCounter(redis_url, prefix=redis_prefix)
    try:
        yield RateLimit(redis, per_window=per_window)
    finally:
        await redis.close()
