"""The application factory: everything the gateway is, built from one Settings."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import graphiql, graphql, health, ingest, openapi, upstream
from gateway.errors import error_middleware
from gateway.keys import CLOCK, DATABASE, SETTINGS
from gateway.launchdarkly import sdk_routes as launchdarkly_sdks
from gateway.launchdarkly import usage as launchdarkly_usage
from gateway.rate_limit import add_rate_limit
from gateway.settings import Settings
from gateway.unleash import client as unleash_client
from gateway.unleash import statistics as unleash_statistics
from resolvers import database, maintenance, tokens
from resolvers.clock import Clock, system_clock
from resolvers.database import Database
from resolvers.errors import Unavailable

log = logging.getLogger(__name__)

MAINTENANCE_EVERY_S = 600.0


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(settings.database_url)
    await database.upgrade(db)
    if settings.admin_token:
        await tokens.ensure_token(
            db,
            secret=settings.admin_token,
            kind="admin",
            name="GATEWAY_ADMIN_TOKEN",
            now=app[CLOCK](),
        )
    app[DATABASE] = db
    yield
    await db.dispose()


async def _maintenance(app: web.Application) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            try:
                await maintenance.prune(
                    app[DATABASE],
                    now=app[CLOCK](),
                    retention_hours=app[SETTINGS].minute_retention_hours,
                )
            except Unavailable as exc:
                log.warning("maintenance skipped, database unavailable: %s", exc.detail)
            await asyncio.sleep(MAINTENANCE_EVERY_S)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    """Return the gateway application; the database opens and closes with the app."""
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_maintenance)
    health.add_routes(app)
    ingest.add_routes(app)
    graphiql.add_routes(app)
    graphql.add_routes(app)
    launchdarkly_sdks.add_routes(app)
    unleash_client.add_routes(app)
    unleash_statistics.add_routes(app)
    upstream.add_collector(app)
    add_rate_limit(app)
    launchdarkly_usage.add_routes(app)
    openapi.add_routes(app)
    return app
