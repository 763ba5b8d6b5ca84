"""The `usage` field: one grouped aggregate over any measure, as thin GraphQL over a resolver."""

from datetime import datetime
from typing import Any

import strawberry

from resolvers import aggregate, ranges
from resolvers.buckets import zone_named
from resolvers.clock import from_epoch_s
from schema.access import READERS, require
from schema.context import Info
from schema.enums import (
    Category,
    Dimension,
    EventType,
    Granularity,
    MauAggregation,
    Measure,
    SdkType,
    SeriesOrder,
)
from schema.limits import check_points
from schema.series import UsageSeries, amount_series, count_series, grid_granularity, labels_of
from schema.usage import FromArg


@strawberry.input(description="Allowed values per dimension; a missing or empty list allows any.")
class UsageFilter:
    projects: list[str] | None = None
    environments: list[str] | None = None
    flags: list[str] | None = None
    variations: list[int] | None = None
    sdks: list[str] | None = None
    sdk_versions: list[str] | None = None
    sdk_types: list[SdkType] | None = None
    categories: list[Category] | None = None
    context_kinds: list[str] | None = None
    anonymous: bool | None = None
    event_types: list[EventType] | None = None
    sources: list[SdkType] | None = None


def filters_of(given: UsageFilter | None) -> dict[Dimension, tuple[Any, ...]]:
    """Return the filter as allowed values per dimension (absent ones left out)."""
    if given is None:
        return {}
    lists: dict[Dimension, list[Any] | None] = {
        Dimension.PROJECT: given.projects,
        Dimension.ENVIRONMENT: given.environments,
        Dimension.FLAG: given.flags,
        Dimension.VARIATION: given.variations,
        Dimension.SDK: given.sdks,
        Dimension.SDK_VERSION: given.sdk_versions,
        Dimension.SDK_TYPE: list(given.sdk_types or ()),
        Dimension.CATEGORY: list(given.categories or ()),
        Dimension.CONTEXT_KIND: given.context_kinds,
        Dimension.ANONYMOUS: None if given.anonymous is None else [given.anonymous],
        Dimension.EVENT_TYPE: list(given.event_types or ()),
        Dimension.SOURCE: list(given.sources or ()),
    }
    return {d: tuple(dict.fromkeys(vs)) for d, vs in lists.items() if vs}


def usage_series_of(
    result: aggregate.Usage, info: Info, *, per_response: bool = True
) -> UsageSeries:
    """Return an aggregate as a UsageSeries, refusing it past the points limit.

    ``per_response`` counts its points against the whole response; a subscription's
    pushes are each checked alone.
    """
    points = len(result.starts) * len(result.series)
    spent = info.context.points_spent if per_response else 0
    check_points(points, info.context.limits, spent=spent)
    if per_response:
        info.context.points_spent += points
    times = [from_epoch_s(t) for t in result.starts]
    series = []
    for line in result.series:
        labels = labels_of(line.labels)
        if result.amounts:
            series.append(amount_series(labels, times, line.values, line.total))
        else:
            series.append(count_series(labels, times, line.values, int(line.total)))
    return UsageSeries(
        granularity=result.granularity,
        from_=from_epoch_s(result.span.lo),
        to=from_epoch_s(result.span.hi),
        series=series,
    )


async def usage(
    info: Info,
    measure: Measure,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
    tz: str | None = None,
    filter: UsageFilter | None = None,
    group_by: list[Dimension] | None = None,
    order_by: SeriesOrder = SeriesOrder.TOTAL_DESC,
    first: int | None = None,
    aggregation: MauAggregation | None = None,
) -> UsageSeries:
    """One aggregate of a measure: a series per group of the chosen dimensions."""
    require(info, *READERS)
    now = info.context.clock()
    query = aggregate.UsageQuery(
        measure=measure,
        span=aggregate.span_for(measure, ranges.seconds(from_), ranges.seconds(to), now=now),
        zone=zone_named(tz),
        granularity=granularity,
        filters=filters_of(filter),
        group_by=tuple(dict.fromkeys(group_by or ())),
        order=order_by,
        first=first,
        aggregation=aggregation,
    )
    aggregate.check_query(query)
    if query.measure is not Measure.MAU and query.measure.meter is None:
        # Refuse an oversized grid before reading anything (one series' worth).
        grid_granularity(info, query.span, granularity)
    result = await aggregate.usage(info.context.db, query, now=now)
    return usage_series_of(result, info)
