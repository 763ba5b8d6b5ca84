"""Series types (a usage series with labels, as objects and in columnar form) and conversion."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from resolvers import buckets
from resolvers.clock import epoch_s, from_epoch_s
from resolvers.ranges import APPROXIMATE_WIDTH_S, TimeRange
from resolvers.series import NO_VALUE, Labels, SeriesList
from schema.context import Info
from schema.enums import Granularity
from schema.limits import check_points


@strawberry.type(description="One bucket of a series: its start and its value.")
class Point:
    time: datetime = strawberry.field(description="Start of the bucket (UTC).")
    value: float


@strawberry.type(description="What a series counts; fields that do not apply are null.")
class SeriesLabels:
    variation: int | None = None
    value: JSON | None = strawberry.field(
        default=None, description="The variation's value, when known."
    )
    project: str | None = None
    environment: str | None = None
    flag: str | None = None
    sdk: str | None = None
    sdk_type: str | None = None
    version: str | None = None
    category: str | None = None
    source: str | None = None
    anonymous: bool | None = None
    context_kind: str | None = None
    event_type: str | None = None
    meter: str | None = None


@strawberry.type(
    description="One labelled series. Points and the columnar form hold the same data."
)
class Series:
    labels: SeriesLabels
    total: float = strawberry.field(
        description="Sum of the values (for MAU and month-to-date meters, read the points)."
    )
    times: list[datetime] = strawberry.field(
        description="Bucket starts, in order; cheaper to serialize than `points`."
    )
    values: list[float] = strawberry.field(description="Values, aligned with `times`.")

    points: list[Point] = strawberry.field(
        resolver=lambda root: points_of(root),
        description="The buckets as objects (costly for long series).",
    )


def points_of(series: Series) -> list[Point]:
    """Return the buckets of a series as Point objects."""
    return [Point(time=t, value=v) for t, v in zip(series.times, series.values, strict=True)]


@strawberry.type(description="Series of one query over one range at one granularity.")
class UsageSeries:
    granularity: Granularity
    from_: datetime = strawberry.field(name="from")
    to: datetime
    series: list[Series]


def labels_of(labels: Labels) -> SeriesLabels:
    """Return the GraphQL labels of one series (vocabulary values as their wire spelling)."""
    return SeriesLabels(
        project=labels.project,
        environment=labels.environment,
        flag=labels.flag,
        variation=labels.variation,
        value=None if labels.value is NO_VALUE else labels.value,
        sdk=labels.sdk,
        version=labels.sdk_version,
        sdk_type=_spelled(labels.sdk_type),
        category=labels.category,
        context_kind=labels.context_kind,
        anonymous=labels.anonymous,
        event_type=_spelled(labels.event_type),
        source=_spelled(labels.source),
        meter=labels.meter,
    )


def _spelled(member: Enum | None) -> str | None:
    return None if member is None else str(member.value)


def usage_of(
    result: SeriesList,
    span: TimeRange,
    info: Info,
    *,
    per_response: bool = True,
) -> UsageSeries:
    """Return a SeriesList as a UsageSeries, refusing it past the points limit.

    ``per_response`` counts its points against the whole response; a subscription's
    pushes are each checked alone.
    """
    points = len(result.points) * len(result.labels)
    context = info.context
    spent = context.points_spent if per_response else 0
    check_points(points, context.limits, spent=spent)
    if per_response:
        context.points_spent += points
    times = [from_epoch_s(p.time) for p in result.points]
    return UsageSeries(
        granularity=result.granularity,
        from_=from_epoch_s(span.lo),
        to=from_epoch_s(span.hi),
        series=[
            Series(
                labels=labels_of(labels),
                total=float(sum(p.values[i] for p in result.points)),
                times=times,
                values=[float(p.values[i]) for p in result.points],
            )
            for i, labels in enumerate(result.labels)
        ],
    )


def grid_granularity(
    info: Info, span: TimeRange, chosen: Granularity | None, series_count: int = 1
) -> Granularity:
    """Return the granularity to use (the vendor rule unless chosen), within the points limit."""
    if chosen is None:
        chosen = buckets.granularity_for(span.lo, epoch_s(info.context.clock()))
    estimate = (span.hi - span.lo) // APPROXIMATE_WIDTH_S[chosen] + 1
    check_points(estimate * series_count, info.context.limits, spent=info.context.points_spent)
    return chosen
