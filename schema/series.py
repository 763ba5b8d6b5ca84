"""Series types (a usage series with labels, as objects and in columnar form) and conversion."""

from collections.abc import Sequence
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
from schema.scalars import Long


@strawberry.type(description="One bucket of a series: its start and its count or amount.")
class Point:
    time: datetime = strawberry.field(description="Start of the bucket (UTC).")
    value: Long | None = strawberry.field(description="The count; null for meters.")
    amount: float | None = strawberry.field(description="The meter's amount; null for counts.")


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
    field: str | None = strawberry.field(
        default=None, description="The statistics field of a statistics series."
    )
    instance_id: str | None = strawberry.field(
        default=None, description="The instance of a statistics series; null for the fleet."
    )


@strawberry.type(
    description="One labelled series: counts (`total`, `values`) or, for meters and "
    "fractional statistics, amounts (`amountTotal`, `amounts`). Points and the columnar "
    "form hold the same data."
)
class Series:
    labels: SeriesLabels
    times: list[datetime] = strawberry.field(
        description="Bucket starts, in order; cheaper to serialize than `points`."
    )
    total: Long | None = strawberry.field(
        default=None,
        description="The series' total (see the field that returned it); null for amounts.",
    )
    values: list[Long] | None = strawberry.field(
        default=None, description="Counts, aligned with `times`; null for amounts."
    )
    amount_total: float | None = strawberry.field(
        default=None, description="The total of an amount series; null for counts."
    )
    amounts: list[float] | None = strawberry.field(
        default=None, description="Amounts, aligned with `times`; null for counts."
    )

    points: list[Point] = strawberry.field(
        resolver=lambda root: points_of(root),
        description="The buckets as objects (costly for long series).",
    )


def points_of(series: Series) -> list[Point]:
    """Return the buckets of a series as Point objects."""
    if series.values is not None:
        return [
            Point(time=t, value=Long(v), amount=None)
            for t, v in zip(series.times, series.values, strict=True)
        ]
    amounts = series.amounts or []
    return [Point(time=t, value=None, amount=a) for t, a in zip(series.times, amounts, strict=True)]


def count_series(
    labels: SeriesLabels, times: list[datetime], values: Sequence[int | float], total: int
) -> Series:
    """Return a series of counts."""
    return Series(
        labels=labels,
        times=times,
        total=Long(total),
        values=[Long(int(v)) for v in values],
    )


def amount_series(
    labels: SeriesLabels, times: list[datetime], amounts: Sequence[int | float], total: float
) -> Series:
    """Return a series of amounts (meters, fractional statistics)."""
    return Series(
        labels=labels,
        times=times,
        amount_total=float(total),
        amounts=[float(a) for a in amounts],
    )


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
    amounts: bool = False,
) -> UsageSeries:
    """Return a SeriesList as a UsageSeries, refusing it past the points limit.

    ``per_response`` counts its points against the whole response; a subscription's
    pushes are each checked alone. ``amounts`` marks meter series. Each total is the
    sum of the points, as these fields always gave it.
    """
    points = len(result.points) * len(result.labels)
    context = info.context
    spent = context.points_spent if per_response else 0
    check_points(points, context.limits, spent=spent)
    if per_response:
        context.points_spent += points
    times = [from_epoch_s(p.time) for p in result.points]
    series = []
    for i, labels in enumerate(result.labels):
        column = [p.values[i] for p in result.points]
        if amounts:
            series.append(amount_series(labels_of(labels), times, column, sum(column)))
        else:
            series.append(count_series(labels_of(labels), times, column, int(sum(column))))
    return UsageSeries(
        granularity=result.granularity,
        from_=from_epoch_s(span.lo),
        to=from_epoch_s(span.hi),
        series=series,
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
