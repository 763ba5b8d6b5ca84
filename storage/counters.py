"""Shared request counters for the rate limit: in process, or in Redis.

Redis is not SQL, but like the database it is shared state outside the request, so
its client lives with the other storage adapters; resolvers only see the Counter
protocol (resolvers/rate_limit.py).
"""

import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from storage.errors import StorageUnavailable


class MemoryCounter:
    """Counts in this process only (one gateway process)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    async def increment(self, key: str, *, ttl_s: int) -> int:
        now = time.monotonic()
        if len(self._counts) > 10_000:
            self._counts = {k: v for k, v in self._counts.items() if v[1] >= now}
        count, _ = self._counts.get(key, (0, 0.0))
        self._counts[key] = (count + 1, now + ttl_s)
        return count + 1


class RedisCounter:
    """Counts in Redis, so every gateway process sharing it shares the limit."""

    def __init__(self, url: str, *, prefix: str = "gateway:ratelimit:") -> None:
        self.client: Redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    async def increment(self, key: str, *, ttl_s: int) -> int:
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(self.prefix + key)
                pipe.expire(self.prefix + key, ttl_s)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise StorageUnavailable(f"redis: {exc}") from exc
        return int(count)

    async def close(self) -> None:
        await self.client.aclose()
