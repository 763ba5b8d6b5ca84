"""LaunchDarkly's Account usage (beta) API: the 12 GET /api/v2/usage routes.

Each route parses the vendor's parameters into a typed query, calls one resolver and
renders the vendor's representation; the checks before it run in the vendor's order
(401, 403, 429, then the route's 400 and 404).
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from aiohttp import web

from gateway.auth import authorize
from gateway.keys import CLOCK, DATABASE
from gateway.launchdarkly import query as q
from gateway.launchdarkly.query import Query
from gateway.rate_limit import spend
from resolvers import mau, meters, ranges, series
from resolvers.buckets import zone_named
from resolvers.errors import NotFound
from resolvers.series import NO_VALUE, Labels, SeriesList
from resolvers.vocabulary import EventType, Measure, Meter, SdkType

PREFIX = "/api/v2/usage"
Body = dict[str, Any]
Route = Callable[[web.Request, Query], Awaitable[Body]]
# (LaunchDarkly's metadata key, the Labels field it shows), in the vendor's key order.
Keys = Sequence[tuple[str, str]]

VARIATION_KEYS: Keys = (("variation", "variation"), ("value", "value"))
EVENT_KEYS: Keys = (("type", "event_type"),)
SOURCE_KEYS: Keys = (("source", "source"),)
VERSION_KEYS: Keys = (("sdk", "sdk"), ("version", "sdk_version"), ("source", "source"))
CATEGORY_KEYS: Keys = (("category", "category"),)
MAU_KEYS = {dimension: name for name, dimension in q.MAU_GROUPS.items()}


def _query(request: web.Request) -> Query:
    return {key: request.query.getall(key) for key in request.query}


def _links(request: web.Request) -> Body:
    return {"self": {"href": str(request.rel_url), "type": "application/json"}}


def metadata(labels: Labels, keys: Keys) -> dict[str, Any]:
    """Return one series' metadata item: the labels LaunchDarkly shows, in its key order."""
    item: dict[str, Any] = {}
    for name, field in keys:
        value = getattr(labels, field)
        if value is NO_VALUE:
            continue  # a variation whose value nobody reported
        item[name] = value.value if isinstance(value, Enum) else value
    return item


def series_list(request: web.Request, result: SeriesList, keys: Keys) -> Body:
    """Return a SeriesListRep: metadata per series, one point per bucket (time in Unix ms)."""
    points = [
        {"time": p.time * 1000, **{str(i): v for i, v in enumerate(p.values)}}
        for p in result.points
    ]
    items = [metadata(labels, keys) for labels in result.labels]
    return {"_links": _links(request), "metadata": items, "series": points}


def _member(vocabulary: Mapping[str, Any], value: str) -> Any:
    """Return the member a path value names; anything else is an unknown resource (404)."""
    try:
        return vocabulary[value]
    except KeyError:
        raise NotFound(None) from None


def usage_route(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a route in auth, the beta header check and the rate limit."""

    async def handler(request: web.Request) -> web.Response:
        principal = await authorize(request, "admin", "read")
        q.check_beta(request.headers.getall("LD-API-Version", []))
        headers = await spend(request, principal)
        body = await route(request, _query(request))
        return web.json_response(body, headers=headers)

    return handler


SOURCES = q.spellings(SdkType)
EVENT_TYPES = q.spellings(EventType)


async def evaluations(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.DEFAULT_SPANS[Measure.EVALUATIONS])
    zone = zone_named(q.zone_name(query))
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
    return series_list(request, result, VARIATION_KEYS)


async def events(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.DEFAULT_SPANS[Measure.EVENTS])
    event_type = _member(EVENT_TYPES, request.match_info["type"])
    result = await series.event_series(
        request.app[DATABASE], event_type=event_type, span=span, now=now
    )
    return series_list(request, result, EVENT_KEYS)


async def streams(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.DEFAULT_SPANS[Measure.STREAM_CONNECTIONS])
    zone = zone_named(q.zone_name(query))
    source = _member(SOURCES, request.match_info["source"])
    result = await series.stream_series(
        request.app[DATABASE], source=source, span=span, now=now, zone=zone
    )
    return series_list(request, result, SOURCE_KEYS)


async def streams_by_sdk_version(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.STREAM_VERSIONS_SPAN)
    zone = zone_named(q.zone_name(query))
    source = _member(SOURCES, request.match_info["source"])
    result = await series.stream_version_series(
        request.app[DATABASE],
        source=source,
        span=span,
        now=now,
        zone=zone,
        sdks=q.texts(query, "sdk"),
        versions=q.texts(query, "version"),
    )
    return series_list(request, result, VERSION_KEYS)


async def stream_sdk_versions(request: web.Request, _query: Query) -> Body:
    source = _member(SOURCES, request.match_info["source"])
    pairs = await series.stream_sdk_versions(
        request.app[DATABASE], source=source, now=request.app[CLOCK]()
    )
    versions = [{"sdk": sdk, "version": version} for sdk, version in pairs]
    return {"_links": _links(request), "sdkVersions": versions}


async def mau_usage(request: web.Request, query: Query) -> Body:
    parsed = q.mau_query(query, now=request.app[CLOCK]())
    result = await mau.mau_series(request.app[DATABASE], parsed)
    keys = [(MAU_KEYS[g], g.value) for g in parsed.group_by]
    return series_list(request, result, keys)


async def mau_by_category(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.DEFAULT_SPANS[Measure.MAU])
    result = await mau.mau_by_category(request.app[DATABASE], span=span)
    return series_list(request, result, CATEGORY_KEYS)


async def mau_sdks(request: web.Request, query: Query) -> Body:
    now = request.app[CLOCK]()
    span = q.usage_range(query, now=now, default=ranges.MAU_SDKS_SPAN)
    sdk_type = q.choice(query, "sdktype", SOURCES)
    names = await mau.mau_sdks(request.app[DATABASE], span=span, sdk_type=sdk_type)
    return {"_links": _links(request), "sdks": names}


def meter(name: Meter) -> Route:
    """Return the route of one month-to-date meter (Unix-second from/to)."""

    async def route(request: web.Request, query: Query) -> Body:
        parsed = q.meter_query(query, name, now=request.app[CLOCK]())
        intervals = await meters.meter_intervals(request.app[DATABASE], parsed)
        points = [{"time": i.time * 1000, "value": i.value} for i in intervals]
        return {"_links": _links(request), "series": points}

    return route


ROUTES: dict[str, Route] = {
    "/data-export-events": meter(Meter.DATA_EXPORT_EVENTS),
    "/evaluations/{projectKey}/{environmentKey}/{featureFlagKey}": evaluations,
    "/events/{type}": events,
    "/experimentation-keys": meter(Meter.EXPERIMENTATION_KEYS),
    "/experimentation-units": meter(Meter.EXPERIMENTATION_UNITS),
    "/mau": mau_usage,
    "/mau/bycategory": mau_by_category,
    "/mau/sdks": mau_sdks,
    "/service-connections": meter(Meter.SERVICE_CONNECTIONS),
    "/streams/{source}": streams,
    "/streams/{source}/bysdkversion": streams_by_sdk_version,
    "/streams/{source}/sdkversions": stream_sdk_versions,
}


def add_routes(app: web.Application) -> None:
    for path, route in ROUTES.items():
        app.router.add_get(PREFIX + path, usage_route(route), allow_head=False)
