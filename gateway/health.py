"""Liveness and readiness, both without auth."""

import logging

from aiohttp import web

from gateway.keys import DATABASE
from resolvers.errors import Unavailable

log = logging.getLogger(__name__)


async def health(_request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Ready: the database answers a query."""
    try:
        await request.app[DATABASE].ping()
    except Unavailable as exc:
        # The driver's text (hosts, users, paths) is for the log, not for anonymous callers.
        log.warning("not ready: database unavailable: %s", exc.detail or exc.text)
        return web.json_response(
            {"status": "unavailable", "reason": "database unreachable"}, status=503
        )
    return web.json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
