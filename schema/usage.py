"""Usage series over GraphQL: the same resolvers and parameter rules as the REST shims.

Arguments become the vendor's query parameters (``from``/``to`` in Unix ms) and go
through ``resolvers.usage_params`` exactly as a REST request does, so both doors apply
one set of defaults, clipping and validation.
"""

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers import buckets, mau, meters, series, usage_params
from resolvers.clock import epoch_ms, epoch_s, from_epoch_s
from resolvers.series import SeriesList
from resolvers.usage_params import Query, TimeRange
from schema.access import READERS, require
from schema.context import Info
from schema.limits import check_points
from schema.series import Granularity, Series, SeriesLabels, UsageSeries

FromArg = Annotated[datetime | None, strawberry.argument(name="from")]
# Rough bucket widths, to refuse an oversized grid before building it.
_WIDTH_S = {Granularity.MINUTELY: 60, Granularity.HOURLY: 3600, Granularity.DAILY: 86_400}
# Metadata keys of the resolvers -> GraphQL label fields.
_LABELS = {
    "variation": "variation",
    "value": "value",
    "project": "project",
    "environment": "environment",
    "sdk": "sdk",
    "sdktype": "sdk_type",
    "version": "version",
    "category": "category",
    "source": "source",
    "anonymous": "anonymous",
    "type": "event_type",
    "contextKind": "context_kind",
    "meter": "meter",
}


@strawberry.enum(description="Where streaming connections come from.")
class StreamSource(Enum):
    CLIENT = "client"
    SERVER = "server"


@strawberry.enum(description="Analytics events: received by, or published from, the gateway.")
class EventType(Enum):
    RECEIVED = "received"
    PUBLISHED = "published"


@strawberry.enum(description="SDK type of a context.")
class SdkType(Enum):
    CLIENT = "client"
    SERVER = "server"


@strawberry.enum(description="A dimension MAU can be grouped by.")
class MauGroup(Enum):
    PROJECT = "project"
    ENVIRONMENT = "environment"
    SDK_TYPE = "sdktype"
    SDK = "sdk"
    ANONYMOUS = "anonymous"
    CONTEXT_KIND = "contextKind"


@strawberry.enum(description="Which contexts a day's MAU counts.")
class MauAggregation(Enum):
    ROLLING_30D = "rolling_30d"
    MONTH_TO_DATE = "month_to_date"
    DAILY_INCREMENTAL = "daily_incremental"


@strawberry.enum(description="A billing meter (month-to-date cumulative, daily).")
class Meter(Enum):
    DATA_EXPORT_EVENTS = "data-export-events"
    EXPERIMENTATION_KEYS = "experimentation-keys"
    EXPERIMENTATION_UNITS = "experimentation-units"
    SERVICE_CONNECTIONS = "service-connections"


@strawberry.type(description="An SDK and version that streamed in the past 60 days.")
class SdkVersion:
    sdk: str
    version: str


def vendor_query(
    *, start: datetime | None = None, end: datetime | None = None, ms: bool = True, **more: Any
) -> Query:
    """Return GraphQL arguments as the vendor's query parameters (absent ones left out)."""
    query: dict[str, list[str]] = {}
    for name, moment in (("from", start), ("to", end)):
        if moment is not None:
            query[name] = [str(epoch_ms(moment) if ms else epoch_s(moment))]
    for name, value in more.items():
        values = value if isinstance(value, list | tuple) else [value]
        query[name] = [_text(v) for v in values if v is not None]
        if not query[name]:
            del query[name]
    return query


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def labels_of(metadata: Mapping[str, Any]) -> SeriesLabels:
    """Return the GraphQL labels of one series' metadata."""
    return SeriesLabels(**{_LABELS[k]: v for k, v in metadata.items() if k in _LABELS})


def usage_of(
    result: SeriesList,
    granularity: Granularity,
    span: TimeRange,
    info: Info,
    *,
    per_response: bool = True,
) -> UsageSeries:
    """Return a SeriesList as a UsageSeries, refusing it past the points limit.

    ``per_response`` counts its points against the whole response; a subscription's
    pushes are each checked alone.
    """
    points = len(result.points) * len(result.metadata)
    context = info.context
    spent = context.points_spent if per_response else 0
    check_points(points, context.limits, spent=spent)
    if per_response:
        context.points_spent += points
    times = [from_epoch_s(p.time) for p in result.points]
    return UsageSeries(
        granularity=granularity,
        from_=from_epoch_s(span.lo),
        to=from_epoch_s(span.hi),
        series=[
            Series(
                labels=labels_of(meta),
                total=float(sum(p.values[i] for p in result.points)),
                times=times,
                values=[float(p.values[i]) for p in result.points],
            )
            for i, meta in enumerate(result.metadata)
        ],
    )


def grid_granularity(
    info: Info, span: TimeRange, chosen: Granularity | None, series_count: int = 1
) -> buckets.Granularity:
    """Return the granularity to use (the vendor rule unless chosen), within the points limit."""
    if chosen is None:
        picked = buckets.granularity_for(span.lo, epoch_s(info.context.clock()))
        chosen = Granularity(picked.value)
    estimate = (span.hi - span.lo) // _WIDTH_S[chosen] + 1
    check_points(estimate * series_count, info.context.limits, spent=info.context.points_spent)
    return buckets.Granularity(chosen.value)


def _span(info: Info, query: Query, route: str) -> TimeRange:
    """Return the range of a route's query, with that route's default ``from``."""
    return usage_params.usage_range(query, now=info.context.clock(), route=route)


async def evaluations(
    info: Info,
    project: str,
    environment: str,
    flag: str,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
    tz: str | None = None,
) -> UsageSeries | None:
    """Evaluations of a flag by variation (REST: /api/v2/usage/evaluations/...)."""
    require(info, *READERS)
    query = vendor_query(start=from_, end=to, tz=tz)
    span, zone = _span(info, query, "evaluations"), usage_params.zone(query)
    cut = grid_granularity(info, span, granularity)
    result = await series.evaluation_series(
        info.context.db,
        project=project,
        environment=environment,
        flag=flag,
        span=span,
        now=info.context.clock(),
        zone=zone,
        granularity=cut,
    )
    return usage_of(result, Granularity(cut.value), span, info)


async def events(
    info: Info,
    type: EventType,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
) -> UsageSeries:
    """Analytics events of a type (REST: /api/v2/usage/events/{type})."""
    require(info, *READERS)
    span = _span(info, vendor_query(start=from_, end=to), "events")
    cut = grid_granularity(info, span, granularity)
    result = await series.event_series(
        info.context.db,
        event_type=type.value,
        span=span,
        now=info.context.clock(),
        granularity=cut,
    )
    return usage_of(result, Granularity(cut.value), span, info)


async def streams(
    info: Info,
    source: StreamSource,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
    tz: str | None = None,
    by_sdk_version: bool = False,
    sdk: list[str] | None = None,
    version: list[str] | None = None,
) -> UsageSeries:
    """Peak streaming connections, in total or per SDK version (REST: /streams/{source}...)."""
    require(info, *READERS)
    query = vendor_query(start=from_, end=to, tz=tz)
    span = _span(info, query, "bysdkversion" if by_sdk_version else "streams")
    zone = usage_params.zone(query)
    cut = grid_granularity(info, span, granularity)
    now = info.context.clock()
    if by_sdk_version:
        result = await series.stream_version_series(
            info.context.db,
            source=source.value,
            span=span,
            now=now,
            zone=zone,
            sdks=tuple(dict.fromkeys(sdk or ())),
            versions=tuple(dict.fromkeys(version or ())),
            granularity=cut,
        )
    else:
        result = await series.stream_series(
            info.context.db, source=source.value, span=span, now=now, zone=zone, granularity=cut
        )
    return usage_of(result, Granularity(cut.value), span, info)


async def stream_sdk_versions(info: Info, source: StreamSource) -> list[SdkVersion]:
    """SDKs and versions that streamed in the past 60 days (REST: .../sdkversions)."""
    require(info, *READERS)
    pairs = await series.stream_sdk_versions(
        info.context.db, source=source.value, now=info.context.clock()
    )
    return [SdkVersion(sdk=s, version=v) for s, v in pairs]


def _days(info: Info, span: TimeRange, series_count: int = 1) -> None:
    days = (span.hi - span.lo) // 86_400 + 1
    check_points(days * series_count, info.context.limits, spent=info.context.points_spent)


async def mau_series(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
    projects: list[str] | None = None,
    environments: list[str] | None = None,
    sdk_types: list[SdkType] | None = None,
    sdks: list[str] | None = None,
    anonymous: bool | None = None,
    context_kinds: list[str] | None = None,
    group_by: list[MauGroup] | None = None,
    aggregation: MauAggregation | None = None,
) -> UsageSeries:
    """Monthly active users per UTC day (REST: /api/v2/usage/mau)."""
    require(info, *READERS)
    query = vendor_query(
        start=from_,
        end=to,
        project=projects or [],
        environment=environments or [],
        sdktype=sdk_types or [],
        sdk=sdks or [],
        anonymous=anonymous,
        contextKind=context_kinds or [],
        groupby=group_by or [],
        aggregationType=aggregation,
    )
    parsed = mau.parse_mau_query(query, now=info.context.clock())
    _days(info, parsed.span)
    result = await mau.mau_series(info.context.db, parsed)
    return usage_of(result, Granularity.DAILY, parsed.span, info)


async def mau_by_category(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
) -> UsageSeries:
    """MAU per category: browser, mobile, backend (REST: /api/v2/usage/mau/bycategory)."""
    require(info, *READERS)
    span = _span(info, vendor_query(start=from_, end=to), "mau/bycategory")
    _days(info, span, 3)
    result = await mau.mau_by_category(info.context.db, span=span)
    return usage_of(result, Granularity.DAILY, span, info)


async def mau_sdks(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
    sdk_type: SdkType | None = None,
) -> list[str]:
    """Names of SDKs with active contexts in the range (REST: /api/v2/usage/mau/sdks)."""
    require(info, *READERS)
    span = _span(info, vendor_query(start=from_, end=to), "mau/sdks")
    kind = None if sdk_type is None else sdk_type.value
    return await mau.mau_sdks(info.context.db, span=span, sdk_type=kind)


async def meter(
    info: Info,
    name: Meter,
    from_: FromArg = None,
    to: datetime | None = None,
    project: str | None = None,
    environment: str | None = None,
) -> UsageSeries:
    """A meter's month-to-date value per UTC day (REST: /api/v2/usage/<meter>)."""
    require(info, *READERS)
    query = vendor_query(
        start=from_, end=to, ms=False, projectKey=project, environmentKey=environment
    )
    now = info.context.clock()
    span = usage_params.meter_range(query, now=now, month_start=meters.current_month_start(now))
    scope_project, scope_environment = usage_params.meter_scope(query)
    intervals = await meters.meter_intervals(
        info.context.db,
        meter=name.value,
        span=span,
        project=scope_project,
        environment=scope_environment,
    )
    labels = {"meter": name.value, "project": scope_project, "environment": scope_environment}
    result = SeriesList((labels,), tuple(series.Point(i.time, (i.value,)) for i in intervals))
    return usage_of(result, Granularity.DAILY, span, info)
