"""Monthly active users: distinct contexts per UTC day over a window, filtered and grouped."""

from dataclasses import dataclass
from typing import Any

from resolvers.buckets import month_starts, utc_days
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange, check_buckets
from resolvers.series import UNKNOWN, Labels, Point, SeriesList, zero_filled
from resolvers.vocabulary import (
    DIMENSIONS,
    Category,
    Dimension,
    Granularity,
    MauAggregation,
    Measure,
    SdkType,
)
from storage import mau as rows
from storage import mau_links

# MAU is a count of users (as LaunchDarkly counts it): without a context kind asked for,
# only the user kind counts, so legacy dashboards get the vendor's numbers.
DEFAULT_CONTEXT_KINDS = ("user",)
ROLLING_DAYS = 30
_LOOKBACK = {MauAggregation.ROLLING_30D: ROLLING_DAYS, MauAggregation.DAILY_INCREMENTAL: 1}


@dataclass(frozen=True, slots=True)
class MauQuery:
    """Which contexts to count (filters), how to split them (groups), and each day's window.

    Empty filters mean every value; ``context_kinds`` empty means the default, users only.
    """

    span: TimeRange
    projects: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    sdk_types: tuple[SdkType, ...] = ()
    sdks: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()
    anonymous: bool | None = None
    context_kinds: tuple[str, ...] = ()
    group_by: tuple[Dimension, ...] = ()
    aggregation: MauAggregation = MauAggregation.ROLLING_30D

    def __post_init__(self) -> None:
        if self.environments and len(self.projects) != 1:
            # An environment key means something only within one project.
            raise InvalidRequest("environment: needs exactly one project parameter")
        for group in self.group_by:
            if group not in DIMENSIONS[Measure.MAU]:
                raise InvalidRequest(f"groupby: MAU cannot be grouped by {group.value}")
        check_buckets(self.span, Granularity.DAILY)

    @property
    def filters(self) -> dict[str, tuple[Any, ...]]:
        """Return storage's filters: dimension name -> the values kept."""
        return {
            Dimension.PROJECT.value: self.projects,
            Dimension.ENVIRONMENT.value: self.environments,
            Dimension.SDK_TYPE.value: tuple(t.value for t in self.sdk_types),
            Dimension.SDK.value: self.sdks,
            Dimension.CATEGORY.value: tuple(c.value for c in self.categories),
            Dimension.ANONYMOUS.value: () if self.anonymous is None else (self.anonymous,),
            Dimension.CONTEXT_KIND.value: self.context_kinds or DEFAULT_CONTEXT_KINDS,
        }


def _labels(group_by: tuple[Dimension, ...], values: tuple[Any, ...]) -> Labels:
    fields: dict[str, Any] = {}
    for group, value in zip(group_by, values, strict=True):
        if group is Dimension.SDK_TYPE:
            value = SdkType(value)
        elif group is Dimension.ANONYMOUS:
            value = bool(value)  # SQLite stores booleans as 0 and 1
        # Labels fields are named as the dimensions' values.
        fields[group.value] = value
    return Labels(**fields)


async def mau_series(db: Database, query: MauQuery) -> SeriesList:
    """Return distinct active contexts per UTC day: one series, or one per group."""
    days = utc_days(query.span.lo, query.span.hi)
    async with db.session() as session:
        counts = await rows.active_counts(
            session,
            first_day=days[0],
            last_day=days[-1],
            lookback_days=_LOOKBACK.get(query.aggregation),
            month_starts=month_starts(days),
            filters=query.filters,
            group_by=tuple(g.value for g in query.group_by),
        )
    index = {day: i for i, day in enumerate(days)}
    found = {(index[day], tuple(values)): n for day, *values, n in counts}
    keys = sorted({key for _, key in found}) if query.group_by else [()]
    labels = tuple(_labels(query.group_by, key) for key in keys)
    return SeriesList(Granularity.DAILY, labels, zero_filled(days, keys, found))


async def mau_by_category(db: Database, *, span: TimeRange) -> SeriesList:
    """Return rolling-30-day MAU per category: browser, mobile, backend, in that order."""
    # The same users as MAU without a context kind, so the categories add up to it.
    query = MauQuery(span=span, group_by=(Dimension.CATEGORY,))
    grouped = await mau_series(db, query)
    by_category = {labels.category: i for i, labels in enumerate(grouped.labels)}
    order = [by_category.get(c.value) for c in Category]
    points = tuple(
        Point(p.time, tuple(0 if i is None else p.values[i] for i in order)) for p in grouped.points
    )
    labels = tuple(Labels(category=c.value) for c in Category)
    return SeriesList(Granularity.DAILY, labels, points)


async def mau_sdks(db: Database, *, span: TimeRange, sdk_type: SdkType | None) -> list[str]:
    """Return the names of SDKs with active contexts in the range (UTC days), sorted."""
    days = utc_days(span.lo, span.hi)
    async with db.session() as session:
        names = await rows.sdk_names(
            session,
            first_day=days[0],
            last_day=days[-1],
            sdk_types=() if sdk_type is None else (sdk_type.value,),
        )
    return sorted({name or UNKNOWN for name in names})


async def link_contexts(db: Database, *, limit: int = 500) -> int:
    """Bring the MAU sums up to date for up to ``limit`` contexts seen anew; return how many.

    Answers are exact whether or not this has run; it makes them fast (see storage.mau_links).
    """
    return await db.transaction(lambda session: mau_links.link_contexts(session, limit=limit))


async def link_everything(db: Database) -> None:
    """Relink every MAU row in one pass (after a bulk load); answers are the same after.

    Bulk work with no statement timeout: on a busy machine it can outlast any request.
    """
    await db.transaction(mau_links.link_everything, bounded=False)
