"""Usage series over GraphQL: the same typed queries and resolvers as the REST shims.

Arguments become the typed values of resolvers (date-times as Unix seconds, zones,
enums); defaults, clipping and validation are the resolvers' own, shared with REST.
"""

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from resolvers import mau, meters, ranges, series
from resolvers.buckets import zone_named
from resolvers.ranges import TimeRange
from resolvers.series import Labels, Point, SeriesList
from schema.access import READERS, require
from schema.context import Info
from schema.enums import Dimension, EventType, Granularity, MauAggregation, Measure, Meter, SdkType
from schema.limits import check_points
from schema.series import UsageSeries, grid_granularity, usage_of

FromArg = Annotated[datetime | None, strawberry.argument(name="from")]


@strawberry.type(description="An SDK and version that streamed in the past 60 days.")
class SdkVersion:
    sdk: str
    version: str


def span_of(
    info: Info, start: datetime | None, end: datetime | None, default: timedelta
) -> TimeRange:
    """Return the range of from/to arguments, ``from`` defaulting to ``default`` before now."""
    return ranges.usage_span(
        ranges.seconds(start), ranges.seconds(end), now=info.context.clock(), default=default
    )


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
    span = span_of(info, from_, to, ranges.DEFAULT_SPANS[Measure.EVALUATIONS])
    zone = zone_named(tz)
    result = await series.evaluation_series(
        info.context.db,
        project=project,
        environment=environment,
        flag=flag,
        span=span,
        now=info.context.clock(),
        zone=zone,
        granularity=grid_granularity(info, span, granularity),
    )
    return usage_of(result, span, info)


async def events(
    info: Info,
    type: EventType,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
) -> UsageSeries:
    """Analytics events of a type (REST: /api/v2/usage/events/{type})."""
    require(info, *READERS)
    span = span_of(info, from_, to, ranges.DEFAULT_SPANS[Measure.EVENTS])
    result = await series.event_series(
        info.context.db,
        event_type=type,
        span=span,
        now=info.context.clock(),
        granularity=grid_granularity(info, span, granularity),
    )
    return usage_of(result, span, info)


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
    default = (
        ranges.STREAM_VERSIONS_SPAN
        if by_sdk_version
        else ranges.DEFAULT_SPANS[Measure.STREAM_CONNECTIONS]
    )
    span = span_of(info, from_, to, default)
    zone = zone_named(tz)
    cut = grid_granularity(info, span, granularity)
    now = info.context.clock()
    if by_sdk_version:
        result = await series.stream_version_series(
            info.context.db,
            source=source,
            span=span,
            now=now,
            zone=zone,
            sdks=tuple(dict.fromkeys(sdk or ())),
            versions=tuple(dict.fromkeys(version or ())),
            granularity=cut,
        )
    else:
        result = await series.stream_series(
            info.context.db, source=source, span=span, now=now, zone=zone, granularity=cut
        )
    return usage_of(result, span, info)


async def stream_sdk_versions(info: Info, source: SdkType) -> list[SdkVersion]:
    """SDKs and versions that streamed in the past 60 days (REST: .../sdkversions)."""
    require(info, *READERS)
    pairs = await series.stream_sdk_versions(
        info.context.db, source=source, now=info.context.clock()
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
    group_by: list[Dimension] | None = None,
    aggregation: MauAggregation | None = None,
) -> UsageSeries:
    """Monthly active users per UTC day (REST: /api/v2/usage/mau)."""
    require(info, *READERS)
    query = mau.MauQuery(
        span=span_of(info, from_, to, ranges.DEFAULT_SPANS[Measure.MAU]),
        projects=tuple(dict.fromkeys(projects or ())),
        environments=tuple(dict.fromkeys(environments or ())),
        sdk_types=tuple(dict.fromkeys(sdk_types or ())),
        sdks=tuple(dict.fromkeys(sdks or ())),
        anonymous=anonymous,
        context_kinds=tuple(dict.fromkeys(context_kinds or ())),
        group_by=tuple(dict.fromkeys(group_by or ())),
        aggregation=aggregation or MauAggregation.ROLLING_30D,
    )
    _days(info, query.span)
    result = await mau.mau_series(info.context.db, query)
    return usage_of(result, query.span, info)


async def mau_by_category(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
) -> UsageSeries:
    """MAU per category: browser, mobile, backend (REST: /api/v2/usage/mau/bycategory)."""
    require(info, *READERS)
    span = span_of(info, from_, to, ranges.DEFAULT_SPANS[Measure.MAU])
    _days(info, span, 3)
    result = await mau.mau_by_category(info.context.db, span=span)
    return usage_of(result, span, info)


async def mau_sdks(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
    sdk_type: SdkType | None = None,
) -> list[str]:
    """Names of SDKs with active contexts in the range (REST: /api/v2/usage/mau/sdks)."""
    require(info, *READERS)
    span = span_of(info, from_, to, ranges.MAU_SDKS_SPAN)
    return await mau.mau_sdks(info.context.db, span=span, sdk_type=sdk_type)


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
    span = ranges.meter_span(ranges.seconds(from_), ranges.seconds(to), now=info.context.clock())
    project, environment = meters.meter_scope(project, environment)
    intervals = await meters.meter_intervals(
        info.context.db, meters.MeterQuery(name, span, project, environment)
    )
    labels = Labels(meter=name.value, project=project, environment=environment)
    points = tuple(Point(i.time, (i.value,)) for i in intervals)
    return usage_of(SeriesList(Granularity.DAILY, (labels,), points), span, info, amounts=True)
