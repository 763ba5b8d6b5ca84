"""The per-token rate limit on the app: its counter opens and closes with the app."""

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.keys import CLOCK, SETTINGS
from resolvers.rate_limit import RateLimit, rate_limit
from resolvers.tokens import Principal

RATE_LIMIT = web.AppKey("rate_limit", RateLimit)


async def rate_limit_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with rate_limit(
        per_window=settings.rate_limit_per_minute,
        redis_url=settings.redis_url,
        redis_prefix=settings.redis_prefix,
    ) as limit:
        app[RATE_LIMIT] = limit
        yield


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
