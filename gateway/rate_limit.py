"""The per-token rate limit on the app: its counter opens and closes with the app."""

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.keys import CLOCK, SETTINGS
from resolvers.rate_limit import RateLimit
from resolvers.tokens import Principal
from storage.counters import MemoryCounter, RedisCounter

RATE_LIMIT = web.AppKey("rate_limit", RateLimit)


async def rate_limit_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    redis = (
        RedisCounter(settings.redis_url, prefix=settings.redis_prefix)
        if settings.redis_url
        else None
    )
    counter = redis or MemoryCounter()
    app[RATE_LIMIT] = RateLimit(counter, per_window=settings.rate_limit_per_minute)
    yield
    if redis is not None:
        await redis.close()


async def spend(request: web.Request, principal: Principal) -> dict[str, str]:
    """Count the request against its token; return the headers to send, or raise 429."""
    allowance = await request.app[RATE_LIMIT].spend(
        f"token:{principal.token_id}", now=request.app[CLOCK]()
    )
    if allowance is None:
        return {}
    return {
        "X-Ratelimit-Route-Remaining": str(allowance.remaining),
        "X-Ratelimit-Reset": str(allowance.reset_ms),
    }


def add_rate_limit(app: web.Application) -> None:
    app.cleanup_ctx.append(rate_limit_ctx)
