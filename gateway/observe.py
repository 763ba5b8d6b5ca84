"""Every request observed once: its request id, its metrics, its access-log line.

One middleware (outermost, so it sees the final status of every error) does all
three, because each extra middleware layer costs a coroutine frame per request.
"""

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from gateway import logs
from gateway.keys import DATABASE
from gateway.metrics import METRICS, Metrics, metrics_page
from resolvers import database, tally
from resolvers.tokens import Principal

REQUEST_ID = web.RequestKey("request_id", str)
TOKEN_ID = web.RequestKey("token_id", int)
HEADER = "X-Request-Id"
# A client's id is kept when it is short and plain (it lands in logs and headers).
_SANE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
UNMATCHED = "(unmatched)"
POOL_EVERY_S = 5.0

access_log = logging.getLogger("gateway.access")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Observer:
    """Per-process state of the observation: metrics, requests in flight, open WebSockets."""

    metrics: Metrics
    in_flight: int = 0


OBSERVER = web.AppKey("observer", Observer)


def request_id_of(request: web.Request) -> str:
    """Return the id of a request: the client's when it is sane, else a new one."""
    given = request.headers.get(HEADER)
    if given is not None and _SANE_ID.fullmatch(given):
        return given
    # As unique as a uuid4 and no system call (os.urandom was 5% of a read under load):
    # an id names a request in the logs, it guards nothing.
    return f"{random.getrandbits(128):032x}"


def note_principal(request: web.Request, principal: Principal) -> None:
    """Remember who called, for the access log (the token's id, never its secret)."""
    request[TOKEN_ID] = principal.token_id


def route_of(request: web.Request) -> str:
    """Return the route pattern that matched (``/api/v2/usage/streams/{source}``)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def door_of(route: str) -> str | None:
    """Return the ingestion door a route belongs to, if it is one."""
    if route == "/api/gateway/ingest":
        return "bulk"
    if route == "/graphql":
        return "graphql"
    if route.startswith("/api/client/"):
        return "unleash"
    if route.startswith(("/bulk", "/diagnostic", "/mobile", "/events/")):
        return "launchdarkly"
    return None


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id, time it, count it, and write its access-log line."""
    observer = request.app[OBSERVER]
    request_id = request_id_of(request)
    request[REQUEST_ID] = request_id
    id_token = logs.REQUEST_ID.set(request_id)
    route = route_of(request)
    door = door_of(route) if request.method == "POST" else None
    counted = tally.start() if door is not None else None
    observer.in_flight += 1
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects pass through the error middleware
        status = exc.status
        raise
    finally:
        observer.in_flight -= 1
        elapsed = time.perf_counter() - started
        observer.metrics.observe_request(route, request.method, status, elapsed)
        if counted is not None:
            assert door is not None
            _count_ingestion(observer.metrics, counted[0], door, status)
            tally.stop(counted[1])
        if access_log.isEnabledFor(logging.INFO):
            _log_access(request, route, status, elapsed)
        logs.REQUEST_ID.reset(id_token)


def _count_ingestion(metrics: Metrics, counted: tally.IngestTally, door: str, status: int) -> None:
    for kind, n in counted.records.items():
        metrics.records.labels(kind, door).inc(n)
    if (door != "graphql" and status in (400, 413, 415)) or counted.rejected:
        metrics.rejected.labels(door, str(status)).inc()


def _log_access(request: web.Request, route: str, status: int, elapsed: float) -> None:
    duration_ms = round(elapsed * 1000, 2)
    access_log.info(
        "%s %s %d %.1f ms",
        request.method,
        request.path,
        status,
        duration_ms,
        extra={
            "method": request.method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "token_id": request.get(TOKEN_ID),
        },
    )


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    # Runs for every response just before its headers go out, WebSocket handshakes too.
    request_id = request.get(REQUEST_ID) or request_id_of(request)
    response.headers[HEADER] = request_id


async def _pool_gauges(app: web.Application) -> AsyncIterator[None]:
    metrics = app[METRICS]
    db = app[DATABASE]
    database.on_error(db, lambda error: metrics.database_errors.labels(error).inc())

    async def sample() -> None:
        while True:
            status = database.pool_status(db)
            metrics.pool_in_use.set(status.in_use)
            metrics.pool_size.set(status.open)
            await asyncio.sleep(POOL_EVERY_S)

    task = asyncio.create_task(sample(), name="pool-gauges")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def add_observation(app: web.Application, *, serve_metrics: bool) -> None:
    """Observe every request of ``app``; serve ``/metrics`` on it unless told otherwise.

    Call before the other middlewares are added: this one must be outermost.
    """
    metrics = Metrics()
    app[METRICS] = metrics
    app[OBSERVER] = Observer(metrics)
    app.middlewares.insert(0, observe_middleware)
    app.on_response_prepare.append(_echo_request_id)
    app.cleanup_ctx.append(_pool_gauges)
    if serve_metrics:
        app.router.add_get("/metrics", metrics_page)
