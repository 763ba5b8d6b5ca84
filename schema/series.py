"""Series types: a usage series with labels, as objects and in columnar form."""

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.enum(description="Width of the buckets of a series.")
class Granularity(Enum):
    MINUTELY = "minutely"
    HOURLY = "hourly"
    DAILY = "daily"


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


def series_of(
    labels: SeriesLabels, times: Sequence[datetime], values: Sequence[float], total: float
) -> Series:
    """Return a GraphQL series from aligned bucket starts and values."""
    return Series(labels=labels, total=total, times=list(times), values=list(values))
