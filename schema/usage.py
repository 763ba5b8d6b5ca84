"""Usage series over GraphQL: the same resolvers and parameter rules as the REST shims.

Arguments become the vendor's query parameters (``from``/``to`` in Unix ms) and go
through ``resolvers.usage_params`` exactly as a REST request does, so both doors apply
one set of defaults, clipping and validation.
"""

from datetime import datetime

import strawberry

from resolvers import mau, meters, series, usage_params
from resolvers.series import SeriesList
from resolvers.usage_params import Query, TimeRange
from schema.access import READERS, require
from schema.context import Info
from schema.enums import Granularity
from schema.limits import check_points
from schema.series import UsageSeries, grid_granularity, usage_of
from schema.usage_arguments import (
    EventType,
    FromArg,
    MauAggregation,
    MauGroup,
    Meter,
    SdkType,
    vendor_query,
)


@strawberry.type(description="An SDK and version that streamed in the past 60 days.")
class SdkVersion:
    sdk: str
    version: str


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
    return usage_of(result, cut, span, info)


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
    return usage_of(result, cut, span, info)


async def streams(
    info: Info,
    source: SdkType,
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
    return usage_of(result, cut, span, info)


async def stream_sdk_versions(info: Info, source: SdkType) -> list[SdkVersion]:
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
    parsed = meters.parse_meter_query(query, now=info.context.clock())
    intervals = await meters.meter_intervals(
        info.context.db,
        meter=name.value,
        span=parsed.span,
        project=parsed.project,
        environment=parsed.environment,
    )
    labels = {"meter": name.value, "project": parsed.project, "environment": parsed.environment}
    result = SeriesList((labels,), tuple(series.Point(i.time, (i.value,)) for i in intervals))
    return usage_of(result, Granularity.DAILY, parsed.span, info, amounts=True)
