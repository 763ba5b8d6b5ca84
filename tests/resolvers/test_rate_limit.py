"""The rate-limit decision with the in-process counter and with a real Redis."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from resolvers.errors import RateLimited
from resolvers.rate_limit import Allowance, Counter, RateLimit
from storage.counters import MemoryCounter, RedisCounter
from tests.usage_data import NOW

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
async def counter(request: pytest.FixtureRequest) -> AsyncIterator[Counter]:
    if request.param == "memory":
        yield MemoryCounter()
        return
    prefix = f"ug-test-{uuid.uuid4().hex}:"
    redis = RedisCounter(REDIS_URL, prefix=prefix)
    try:
        await redis.client.ping()
    except OSError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    yield redis
    keys = await redis.client.keys(prefix + "*")
    if keys:
        await redis.client.delete(*keys)
    await redis.close()


async def test_window_allows_then_refuses_then_resets(counter: Counter) -> None:
    limit = RateLimit(counter, per_window=2)
    now = NOW + timedelta(seconds=45)
    reset_ms = int((NOW + timedelta(seconds=60)).timestamp()) * 1000
    assert await limit.spend("a", now=now) == Allowance(1, reset_ms)
    assert await limit.spend("a", now=now) == Allowance(0, reset_ms)
    assert await limit.spend("b", now=now) == Allowance(1, reset_ms)  # per caller
    with pytest.raises(RateLimited) as refused:
        await limit.spend("a", now=now)
    assert (refused.value.retry_after_s, refused.value.reset_ms) == (15, reset_ms)
    later = await limit.spend("a", now=now + timedelta(seconds=15))
    assert later == Allowance(1, reset_ms + 60_000)


async def test_zero_turns_the_limit_off(counter: Counter) -> None:
    limit = RateLimit(counter, per_window=0)
    assert [await limit.spend("a", now=NOW) for _ in range(5)] == [None] * 5


async def test_an_unreachable_redis_fails_open() -> None:
    redis = RedisCounter("redis://127.0.0.1:1/0")
    try:
        assert await RateLimit(redis, per_window=1).spend("a", now=NOW) is None
    finally:
        await redis.close()
