"""Usage time series: evaluations, events and streaming connections on an output grid."""

import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from resolvers.buckets import UTC_ZONE, Grid, granularity_for, grid
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import NotFound
from resolvers.ranges import TimeRange, check_buckets
from resolvers.vocabulary import EventType, Granularity, SdkType
from storage import flag_series as flag_rows
from storage import series as rows
from storage.tables import MINUTE, QUARTER

UNKNOWN = "Unknown"
SDK_VERSIONS_WINDOW = timedelta(days=60)


class _NoValue:
    """The value of a variation nobody reported (JSON null is a value)."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(frozen=True, slots=True)
class Labels:
    """What one series counts: a value per dimension, None where it does not apply."""

    project: str | None = None
    environment: str | None = None
    flag: str | None = None
    variation: int | None = None
    value: Any = NO_VALUE
    sdk: str | None = None
    sdk_version: str | None = None
    sdk_type: SdkType | None = None
    category: str | None = None
    context_kind: str | None = None
    anonymous: bool | None = None
    event_type: EventType | None = None
    source: SdkType | None = None
    meter: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    """One bucket: its start (Unix s) and one value per series, in ``labels`` order."""

    time: int
    values: tuple[int | float, ...]


@dataclass(frozen=True, slots=True)
class SeriesList:
    """Several series on one grid: ``labels[i]`` describes ``values[i]`` of every point."""

    granularity: Granularity
    labels: tuple[Labels, ...]
    points: tuple[Point, ...]


def zero_filled(
    starts: Sequence[int], keys: Sequence[Hashable], found: Mapping[tuple[int, Any], int | float]
) -> tuple[Point, ...]:
    """Return a point per bucket start with a value per key, 0 where nothing was found."""
    return tuple(
        Point(start, tuple(found.get((i, key), 0) for key in keys))
        for i, start in enumerate(starts)
    )


def grid_of(
    span: TimeRange,
    *,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    granularity: Granularity | None = None,
) -> Grid:
    """Return the output grid of a range, its granularity (unless given) by the age of ``from``.

    A grid of more than MAX_BUCKETS buckets is refused before it is built.
    """
    chosen = granularity or granularity_for(span.lo, epoch_s(now))
    check_buckets(span, chosen)
    return grid(chosen, span.lo, span.hi, zone)


def _variation_labels(flag: str, variation: int, value_json: str | None) -> Labels:
    value = NO_VALUE if value_json is None else json.loads(value_json)
    return Labels(flag=flag, variation=variation, value=value)


async def evaluation_series(
    db: Database,
    *,
    project: str,
    environment: str,
    flag: str,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of evaluation counts per variation ever seen for a flag.

    Raises NotFound for a project, environment or flag the gateway has never seen.
    """
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    async with db.reading() as reader:
        flag_series = await flag_rows.flag_series(
            reader,
            project=project,
            environment=environment,
            flag=flag,
            width=cut.source_width,
            runs=cut.runs(),
        )
    variations, counts = flag_series.variations, flag_series.counts
    if not variations:
        raise NotFound(None)
    found = {(i, v): n for i, v, n in counts}
    keys = [v for v, _ in variations]
    return SeriesList(
        cut.granularity,
        tuple(_variation_labels(flag, v, j) for v, j in variations),
        zero_filled(cut.starts, keys, found),
    )


async def event_series(
    db: Database,
    *,
    event_type: EventType,
    span: TimeRange,
    now: datetime,
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of analytics events of a type."""
    cut = grid_of(span, now=now, granularity=granularity)
    async with db.session() as session:
        counts = await rows.event_counts(
            session, event_type=event_type.value, width=cut.source_width, runs=cut.runs()
        )
    found = {(i, None): n for i, n in counts}
    return SeriesList(
        cut.granularity, (Labels(event_type=event_type),), zero_filled(cut.starts, [None], found)
    )


async def stream_series(
    db: Database,
    *,
    source: SdkType,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of peak streaming connections (summed over SDK versions)."""
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    async with db.session() as session:
        peaks = await rows.stream_peaks(
            session, source=source.value, width=cut.source_width, runs=cut.runs()
        )
    found = {(i, None): n for i, _, _, n in peaks}
    return SeriesList(
        cut.granularity, (Labels(source=source),), zero_filled(cut.starts, [None], found)
    )


def _named(value: str) -> str:
    return value or UNKNOWN


async def stream_version_series(
    db: Database,
    *,
    source: SdkType,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    sdks: Iterable[str] = (),
    versions: Iterable[str] = (),
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of peak connections per (SDK, version) seen in the range."""
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    async with db.session() as session:
        peaks = await rows.stream_peaks(
            session,
            source=source.value,
            width=cut.source_width,
            runs=cut.runs(),
            sdks=tuple(sdks),
            versions=tuple(versions),
            by_version=True,
        )
    keys = sorted({(s, v) for _, s, v, _ in peaks})
    found = {(i, (s, v)): n for i, s, v, n in peaks}
    labels = tuple(Labels(sdk=_named(s), sdk_version=_named(v), source=source) for s, v in keys)
    return SeriesList(cut.granularity, labels, zero_filled(cut.starts, keys, found))


async def stream_sdk_versions(
    db: Database, *, source: SdkType, now: datetime
) -> list[tuple[str, str]]:
    """Return the (SDK, version) pairs that streamed in the past 60 days."""
    async with db.session() as session:
        pairs = await rows.stream_versions(
            session, source=source.value, since=epoch_s(now - SDK_VERSIONS_WINDOW)
        )
    return sorted({(_named(s), _named(v)) for s, v in pairs})


@dataclass(frozen=True, slots=True)
class SdkEvaluations:
    """Evaluations an SDK version reported ("" where the SDK did not say)."""

    sdk: str
    version: str
    evaluations: int


async def evaluation_sdks(
    db: Database,
    *,
    span: TimeRange,
    now: datetime,
    project: str | None = None,
    environment: str | None = None,
) -> list[SdkEvaluations]:
    """Return evaluations per SDK name and version in a range, by SDK and version.

    Counted by the bucket the evaluations range would use: minutes while ``from`` is
    recent, quarter hours after; a bucket counts when it starts within the range.
    """
    recent = granularity_for(span.lo, epoch_s(now)) is Granularity.MINUTELY
    width = MINUTE if recent else QUARTER
    async with db.session() as session:
        totals = await rows.evaluation_sdk_totals(
            session,
            width=width,
            first=span.lo - span.lo % width,
            last=span.hi,
            project=project,
            environment=environment,
        )
    return [SdkEvaluations(sdk, version, n) for sdk, version, n in totals]
