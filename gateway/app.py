"""The application factory: everything the gateway is, built from one Settings."""

from collections.abc import AsyncIterator

from aiohttp import web

from gateway import drain, duties, graphiql, graphql, health, ingest, observe, openapi, upstream
from gateway.dashboard import routes as dashboard
from gateway.edge import edge_middleware
from gateway.errors import error_middleware
from gateway.hangup import cancel_on_hangup
from gateway.keys import CLOCK, DATABASE, GENERATIONS, SETTINGS
from gateway.launchdarkly import sdk_routes as launchdarkly_sdks
from gateway.launchdarkly import usage as launchdarkly_usage
from gateway.rate_limit import add_rate_limit
from gateway.settings import Settings
from gateway.unleash import client as unleash_client
from gateway.unleash import statistics as unleash_statistics
from resolvers import database, tokens
from resolvers.clock import Clock, system_clock
from resolvers.database import Database, Generations


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(
        settings.database,
        timeouts=settings.database_timeouts(),
        cache_s=settings.cache_s,
        pool_size=settings.database_pool_size,
        generations=app.get(GENERATIONS),
    )
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


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    """Return the gateway application; the database opens and closes with the app."""
    app = web.Application(
        middlewares=[cancel_on_hangup, error_middleware, edge_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    if settings.workers > 1:
        app[GENERATIONS] = Generations(shared=True)
    app.cleanup_ctx.append(_database)
    # Outermost middleware; /metrics here unless it has its own port.
    observe.add_observation(app, serve_metrics=settings.metrics_port is None)
    drain.add_drain(app)
    duties.add_duties(app)
    health.add_routes(app)
    ingest.add_routes(app)
    graphiql.add_routes(app)
    dashboard.add_routes(app)
    graphql.add_routes(app)
    launchdarkly_sdks.add_routes(app)
    unleash_client.add_routes(app)
    unleash_statistics.add_routes(app)
    upstream.add_collector(app)
    add_rate_limit(app)
    launchdarkly_usage.add_routes(app)
    openapi.add_routes(app)
    return app
