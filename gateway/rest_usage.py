"""LaunchDarkly's Account usage (beta) API: the 12 GET /api/v2/usage routes (docs/formats.md §2).

Each route parses the vendor's parameters, calls one resolver and renders the vendor's
representation; the checks before it run in the order of docs/formats.md §2.1 (401, 403,
429, then the route's 400 and 404).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.auth import authorize
from gateway.keys import CLOCK, DATABASE
from gateway.rate_limit import spend
from resolvers import mau, meters, series, usage_params
from resolvers.usage_params import Query

PREFIX = "/api/v2/usage"
Body = dict[str, Any]
Route = Callable[[web.Request, Query], Awaitable[Body]]


def _query(request: web.Request) -> Query:
    return {key: request.query.getall(key) for key in request.query}


def _links(request: web.Request) -> Body:
    return {"self": {"href": str(request.rel_url), "type": "application/json"}}


def _series_list(request: web.Request, result: series.SeriesList) -> Body:
    points = [
        {"time": p.time * 1000, **{str(i): v for i, v in enumerate(p.values)}}
        for p in result.points
    ]
    return {"_links": _links(request), "metadata": list(result.metadata), "series": points}


def usage_route(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a route in auth, the beta header check and the rate limit."""

    async def handler(request: web.Request) -> web.Response:
        principal = await authorize(request, "admin", "read")
        usage_params.check_beta(request.headers.getall("LD-API-Version", []))
        headers = await spend(request, principal)
        body = await route(request, _query(request))
        return web.json_response(body, headers=headers)

    return handler


async def evaluations(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="evaluations")
    zone = usage_params.zone(query)
    m = request.match_info
    result = await series.evaluation_series(
        request.app[DATABASE],
        project=m["projectKey"],
        environment=m["environmentKey"],
        flag=m["featureFlagKey"],
        span=span,
        now=now,
        zone=zone,
    )
    return _series_list(request, result)


async def events(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="events")
    result = await series.event_series(
        request.app[DATABASE], event_type=request.match_info["type"], span=span, now=now
    )
    return _series_list(request, result)


async def streams(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="streams")
    zone = usage_params.zone(query)
    result = await series.stream_series(
        request.app[DATABASE], source=request.match_info["source"], span=span, now=now, zone=zone
    )
    return _series_list(request, result)


async def streams_by_sdk_version(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="bysdkversion")
    zone = usage_params.zone(query)
    result = await series.stream_version_series(
        request.app[DATABASE],
        source=request.match_info["source"],
        span=span,
        now=now,
        zone=zone,
        sdks=usage_params.texts(query, "sdk"),
        versions=usage_params.texts(query, "version"),
    )
    return _series_list(request, result)


async def stream_sdk_versions(request: web.Request, _query: Query) -> Body:
    pairs = await series.stream_sdk_versions(
        request.app[DATABASE], source=request.match_info["source"], now=request.app[CLOCK]()
    )
    versions = [{"sdk": sdk, "version": version} for sdk, version in pairs]
    return {"_links": _links(request), "sdkVersions": versions}


async def mau_usage(request: web.Request, query: Query) -> Body:
    parsed = mau.parse_mau_query(query, now=request.app[CLOCK]())
    return _series_list(request, await mau.mau_series(request.app[DATABASE], parsed))


async def mau_by_category(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="mau/bycategory")
    return _series_list(request, await mau.mau_by_category(request.app[DATABASE], span=span))


async def mau_sdks(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = usage_params.usage_range(query, now=now, route="mau/sdks")
    sdk_type = mau.parse_sdk_type(query)
    names = await mau.mau_sdks(request.app[DATABASE], span=span, sdk_type=sdk_type)
    return {"_links": _links(request), "sdks": names}


def meter(name: str) -> Route:
    """Return the route of one month-to-date meter (Unix-second from/to)."""

    async def route(request: web.Request, query: Query) -> Body:
        parsed = meters.parse_meter_query(query, now=request.app[CLOCK]())
        intervals = await meters.meter_intervals(
            request.app[DATABASE],
            meter=name,
            span=parsed.span,
            project=parsed.project,
            environment=parsed.environment,
        )
        points = [{"time": i.time * 1000, "value": i.value} for i in intervals]
        return {"_links": _links(request), "series": points}

    return route


ROUTES: dict[str, Route] = {
    "/data-export-events": meter("data-export-events"),
    "/evaluations/{projectKey}/{environmentKey}/{featureFlagKey}": evaluations,
    "/events/{type}": events,
    "/experimentation-keys": meter("experimentation-keys"),
    "/experimentation-units": meter("experimentation-units"),
    "/mau": mau_usage,
    "/mau/bycategory": mau_by_category,
    "/mau/sdks": mau_sdks,
    "/service-connections": meter("service-connections"),
    "/streams/{source}": streams,
    "/streams/{source}/bysdkversion": streams_by_sdk_version,
    "/streams/{source}/sdkversions": stream_sdk_versions,
}


def add_routes(app: web.Application) -> None:
    for path, route in ROUTES.items():
        app.router.add_get(PREFIX + path, usage_route(route), allow_head=False)
