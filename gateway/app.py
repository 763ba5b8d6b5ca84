"""The application factory: everything the gateway is, built from one Settings."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import (
    graphiql,
    graphql,
    health,
    ingest,
    openapi,
    rest_statistics,
    rest_usage,
    sdk_launchdarkly,
    sdk_unleash,
    upstream,
)
from gateway.errors import error_middleware
from gateway.hangup import cancel_on_hangup
from gateway.keys import CLOCK, DATABASE, SETTINGS
from gateway.rate_limit import add_rate_limit
from gateway.settings import Settings
from resolvers import maintenance, tokens
from resolvers.clock import Clock, system_clock
from storage import migrate
from storage.engine import Database, Timeouts
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

MAINTENANCE_EVERY_S = 600.0


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(settings.database_url, timeouts=database_timeouts(settings))
    await migrate.upgrade(db)
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
            except StorageUnavailable as exc:
                log.warning("maintenance skipped, database unavailable: %s", exc)
            await asyncio.sleep(MAINTENANCE_EVERY_S)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def database_timeouts(settings: Settings) -> Timeouts:
    """Return the storage timeouts the settings ask for."""
    return Timeouts(
        connect_s=settings.database_connect_timeout_s,
        pool_s=settings.database_pool_timeout_s,
        statement_s=settings.database_statement_timeout_s,
        lock_s=settings.database_lock_timeout_s,
    )


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    """Return the gateway application; the database opens and closes with the app."""
    app = web.Application(
        middlewares=[cancel_on_hangup, error_middleware], client_max_size=settings.max_body_bytes
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_maintenance)
    health.add_routes(app)
    ingest.add_routes(app)
    graphiql.add_routes(app)
    graphql.add_routes(app)
    sdk_launchdarkly.add_routes(app)
    sdk_unleash.add_routes(app)
    rest_statistics.add_routes(app)
    upstream.add_collector(app)
    add_rate_limit(app)
    rest_usage.add_routes(app)
    openapi.add_routes(app)
    return app
