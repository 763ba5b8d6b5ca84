"""The per-token rate limit on the app: its counter opens and closes with the app."""

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.keys import CLOCK, SETTINGS
from gateway.metrics import METRICS
from resolvers.errors import RateLimited
from resolvers.rate_limit import Counter, RateLimit, rate_limit, shared_memory_counter
from resolvers.tokens import Principal

RATE_LIMIT = web.AppKey("rate_limit", RateLimit)
# Made before the workers fork (create_app runs in the supervisor), so they share it.
FORKED_COUNTER: web.AppKey[Counter] = web.AppKey("forked_counter")


async def rate_limit_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with rate_limit(
        per_window=settings.rate_limit_per_minute,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
        local=app.get(FORKED_COUNTER),
    ) as limit:
        app[RATE_LIMIT] = limit
        yield


async def spend(request: web.Request, principal: Principal) -> dict[str, str]:
    """Count the request against its token; return the headers to send, or raise 429."""
    try:
        allowance = await request.app[RATE_LIMIT].spend(
            f"token:{principal.token_id}", now=request.app[CLOCK]()
        )
    except RateLimited:
        request.app[METRICS].rate_limited.inc()
        raise
    if allowance is None:
        return {}
    return {
        "X-Ratelimit-Route-Remaining": str(allowance.remaining),
        "X-Ratelimit-Reset": str(allowance.reset_ms),
    }


def add_rate_limit(app: web.Application) -> None:
    settings = app[SETTINGS]
    if settings.workers > 1 and settings.rate_limit_per_minute and not settings.redis_url:
        app[FORKED_COUNTER] = shared_memory_counter()
    app.cleanup_ctx.append(rate_limit_ctx)
