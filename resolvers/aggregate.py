"""One grouped aggregate over every measure: a series per group of any of its dimensions.

Evaluations, events and streaming connections are read through the same bucket
functions as the REST series (``storage.series``), MAU through the same distinct-count
function as /mau (``storage.mau``), meters through the same month-to-date function as the
meter routes (``storage.meters``); each only gains filters, groups and a ranking here.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from resolvers import ranges
from resolvers.buckets import UTC_ZONE, month_starts, utc_days
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.mau import DEFAULT_CONTEXT_KINDS, ROLLING_DAYS
from resolvers.ranges import DEFAULT_SPANS, TimeRange, check_buckets
from resolvers.series import Labels, grid_of
from resolvers.vocabulary import (
    DIMENSIONS,
    Dimension,
    EventType,
    Granularity,
    MauAggregation,
    Measure,
    SdkType,
    SeriesOrder,
)
from storage import mau as mau_rows
from storage import meters as meter_rows
from storage import series as bucket_rows

Group = tuple[Any, ...]  # a group's stored values, in group_by order
# Stored spellings of the dimensions Labels types as vocabulary members.
_TYPED = {Dimension.SDK_TYPE: SdkType, Dimension.SOURCE: SdkType, Dimension.EVENT_TYPE: EventType}
_BUCKET_READERS = {
    Measure.EVALUATIONS: bucket_rows.evaluation_sums,
    Measure.EVENTS: bucket_rows.event_sums,
    Measure.STREAM_CONNECTIONS: bucket_rows.stream_sums,
}
_LOOKBACK = {MauAggregation.ROLLING_30D: ROLLING_DAYS, MauAggregation.DAILY_INCREMENTAL: 1}


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """One aggregate: a measure over a range, filtered, grouped, ordered and cut."""

    measure: Measure
    span: TimeRange
    zone: ZoneInfo = UTC_ZONE
    granularity: Granularity | None = None
    # Allowed values per dimension (enum members or stored values); empty means any.
    filters: Mapping[Dimension, Sequence[Any]] = field(default_factory=dict)
    group_by: tuple[Dimension, ...] = ()
    order: SeriesOrder = SeriesOrder.TOTAL_DESC
    first: int | None = None
    aggregation: MauAggregation | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """One group's series: its labels, a value per bucket, and its total."""

    labels: Labels
    values: tuple[int | float, ...]
    total: int | float


@dataclass(frozen=True, slots=True)
class Usage:
    """The series of one aggregate on one grid (bucket starts in Unix s)."""

    measure: Measure
    granularity: Granularity
    span: TimeRange
    starts: tuple[int, ...]
    series: tuple[Line, ...]

    @property
    def amounts(self) -> bool:
        """Whether the values are amounts (meters) rather than counts."""
        return self.measure.meter is not None


def span_for(measure: Measure, lo: int | None, hi: int | None, *, now: datetime) -> TimeRange:
    """Return the range of an aggregate (Unix s), with its measure's REST default ``from``."""
    if measure.meter is not None:
        return ranges.meter_span(lo, hi, now=now)
    return ranges.usage_span(lo, hi, now=now, default=DEFAULT_SPANS[measure])


def _daily_only(query: UsageQuery) -> bool:
    return query.measure is Measure.MAU or query.measure.meter is not None


def check_query(query: UsageQuery) -> None:
    """Raise InvalidRequest naming the first argument the measure cannot take."""
    measure, allowed = query.measure, DIMENSIONS[query.measure]
    for dimension in query.group_by:
        if dimension not in allowed:
            raise InvalidRequest(f"groupBy: {measure.name} has no dimension {dimension.name}")
    for dimension, values in query.filters.items():
        if values and dimension not in allowed:
            raise InvalidRequest(f"filter: {measure.name} has no dimension {dimension.name}")
    if query.first is not None and query.first < 1:
        raise InvalidRequest("first: must be at least 1")
    if query.aggregation is not None and measure is not Measure.MAU:
        raise InvalidRequest(f"aggregation: only MAU takes one, not {measure.name}")
    if _daily_only(query):
        if query.granularity not in (None, Granularity.DAILY):
            raise InvalidRequest(f"granularity: {measure.name} is counted per UTC day (DAILY)")
        if query.zone.key != "UTC":
            raise InvalidRequest(f"tz: {measure.name} is counted per UTC day; leave tz out")
        check_buckets(query.span, Granularity.DAILY)


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _filters(query: UsageQuery) -> dict[str, tuple[Any, ...]]:
    return {d.value: tuple(_stored(v) for v in vs) for d, vs in query.filters.items() if vs}


def _names(query: UsageQuery) -> list[str]:
    return [d.value for d in query.group_by]


def _labels(query: UsageQuery, key: Group) -> Labels:
    fields: dict[str, Any] = {}
    for dimension, value in zip(query.group_by, key, strict=True):
        if dimension in _TYPED:
            value = _TYPED[dimension](value)
        elif dimension is Dimension.ANONYMOUS:
            value = bool(value)  # SQLite stores booleans as 0 and 1
        fields[dimension.value] = value  # Labels fields are named as the dimensions' values
    meter = query.measure.meter
    return Labels(**fields, meter=None if meter is None else meter.value)


def _line(
    query: UsageQuery, key: Group, found: Mapping[tuple[int, Group], Any], buckets: int
) -> tuple[int | float, ...]:
    zero = 0.0 if query.measure.meter is not None else 0
    return tuple(found.get((i, key), zero) for i in range(buckets))


def _ranked(query: UsageQuery, totals: Mapping[Group, int | float]) -> list[Group]:
    """Return the groups in the query's order, cut to ``first`` (Python's twin of storage's).

    Labels compare by code point, as storage ranks them.
    """
    if query.order is SeriesOrder.LABELS:
        keys = sorted(totals)
    elif query.order is SeriesOrder.TOTAL_ASC:
        keys = sorted(totals, key=lambda k: (totals[k], k))
    else:
        keys = sorted(totals, key=lambda k: (-totals[k], k))
    return keys[: query.first] if query.first is not None else keys


async def _buckets(db: Database, query: UsageQuery, *, now: datetime) -> Usage:
    cut = grid_of(query.span, now=now, zone=query.zone, granularity=query.granularity)
    top = bucket_rows.Top(
        query.first,
        by_total=query.order is not SeriesOrder.LABELS,
        ascending=query.order is SeriesOrder.TOTAL_ASC,
    )
    async with db.session() as session:
        read = bucket_rows.Cut(cut.source_width, cut.runs(), _filters(query), _names(query))
        rows = await _BUCKET_READERS[query.measure](session, read, top=top)
    found = {(i, tuple(groups)): n for i, *groups, n in rows}
    # Rows come in rank order; an ungrouped aggregate is one series even when empty.
    keys = list(dict.fromkeys(key for _, key in found)) if query.group_by else [()]
    gauge = query.measure is Measure.STREAM_CONNECTIONS
    lines = []
    for key in keys:
        values = _line(query, key, found, len(cut.starts))
        total = max(values, default=0) if gauge else sum(values)
        lines.append(Line(_labels(query, key), values, total))
    return Usage(query.measure, cut.granularity, query.span, cut.starts, tuple(lines))


def _by_day(days: Sequence[int], rows: Iterable[tuple[Any, ...]]) -> dict[tuple[int, Group], Any]:
    index = {day: i for i, day in enumerate(days)}
    return {(index[day], tuple(groups)): n for day, *groups, n in rows if None not in groups}


def _daily_usage(
    query: UsageQuery,
    days: Sequence[int],
    found: Mapping[tuple[int, Group], Any],
    totals: Mapping[Group, int | float],
) -> Usage:
    if not query.group_by:
        totals = {(): totals.get((), 0)}
    lines = [
        Line(_labels(query, key), _line(query, key, found, len(days)), totals[key])
        for key in _ranked(query, totals)
    ]
    return Usage(query.measure, Granularity.DAILY, query.span, tuple(days), tuple(lines))


async def _mau(db: Database, query: UsageQuery) -> Usage:
    days = utc_days(query.span.lo, query.span.hi)
    filters = {"context_kind": DEFAULT_CONTEXT_KINDS, **_filters(query)}
    aggregation = query.aggregation or MauAggregation.ROLLING_30D
    async with db.session() as session:
        points = await mau_rows.active_counts(
            session,
            first_day=days[0],
            last_day=days[-1],
            lookback_days=_LOOKBACK.get(aggregation),
            month_starts=month_starts(days),
            filters=filters,
            group_by=_names(query),
        )
        # A group's total: distinct contexts active on any day of the range.
        whole = await mau_rows.active_counts(
            session,
            first_day=days[-1],
            last_day=days[-1],
            lookback_days=len(days),
            filters=filters,
            group_by=_names(query),
        )
    totals = {tuple(groups): n for _, *groups, n in whole}
    return _daily_usage(query, days, _by_day(days, points), totals)


async def _meter(db: Database, query: UsageQuery) -> Usage:
    meter = query.measure.meter
    assert meter is not None
    days = utc_days(query.span.lo, query.span.hi)
    async with db.session() as session:
        points = await meter_rows.month_to_date_by(
            session,
            meter=meter.value,
            first_day=days[0],
            last_day=days[-1],
            month_starts=month_starts(days),
            filters=_filters(query),
            group_by=_names(query),
        )
        added = await meter_rows.added_amounts(
            session,
            meter=meter.value,
            first_day=days[0],
            last_day=days[-1],
            filters=_filters(query),
            group_by=_names(query),
        )
    found = _by_day(days, points)
    # A group with a month-to-date value but nothing added within the range totals 0.
    totals: dict[Group, int | float] = dict.fromkeys((key for _, key in found), 0.0)
    totals.update({tuple(groups): amount for *groups, amount in added})
    return _daily_usage(query, days, found, totals)


async def usage(db: Database, query: UsageQuery, *, now: datetime) -> Usage:
    """Return the aggregate's series, ordered and cut as the query asks.

    A series' total: for evaluations and events the sum of its points, for connections
    (a gauge) its highest point, for MAU the distinct contexts active on any day of the
    range, for meters the amount added within the range.
    """
    check_query(query)
    if query.measure is Measure.MAU:
        return await _mau(db, query)
    if query.measure.meter is not None:
        return await _meter(db, query)
    return await _buckets(db, query, now=now)
