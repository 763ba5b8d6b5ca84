"""Liveness and readiness, both without auth."""

from aiohttp import web

from gateway.keys import DATABASE
from storage.errors import StorageUnavailable


async def health(_request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    """Ready: the database answers a query."""
    try:
        await request.app[DATABASE].ping()
    except StorageUnavailable as exc:
        return web.json_response({"status": "unavailable", "reason": str(exc)}, status=503)
    return web.json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
