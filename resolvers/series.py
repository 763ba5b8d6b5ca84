"""Usage time series: evaluations, events and streaming connections on an output grid."""

import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from resolvers.buckets import UTC_ZONE, Grid, granularity_for, grid
from resolvers.clock import epoch_s
from resolvers.errors import NotFound
from resolvers.usage_params import TimeRange
from resolvers.vocabulary import EventType, Granularity, SdkType, values
from storage import series as rows
from storage.engine import Database
from storage.tables import MINUTE, QUARTER

UNKNOWN = "Unknown"
SDK_VERSIONS_WINDOW = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Point:
    """One bucket: its start (Unix s) and one value per series, in metadata order."""

    time: int
    values: tuple[int | float, ...]


@dataclass(frozen=True, slots=True)
class SeriesList:
    """Several series on one grid: ``metadata[i]`` describes ``values[i]`` of every point."""

    metadata: tuple[Mapping[str, Any], ...]
    points: tuple[Point, ...]


def zero_filled(
    starts: Sequence[int], keys: Sequence[Hashable], found: Mapping[tuple[int, Any], int]
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
    """Return the output grid of a range, its granularity (unless given) by the age of ``from``."""
    chosen = granularity or granularity_for(span.lo, epoch_s(now))
    return grid(chosen, span.lo, span.hi, zone)


def _variation_metadata(variation: int, value_json: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"variation": variation}
    if value_json is not None:
        item["value"] = json.loads(value_json)
    return item


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
    async with db.session() as session:
        variations = await rows.flag_variations(
            session, project=project, environment=environment, flag=flag
        )
        if not variations:
            raise NotFound(None)
        counts = await rows.evaluation_counts(
            session,
            project=project,
            environment=environment,
            flag=flag,
            width=cut.source_width,
            runs=cut.runs(),
        )
    found = {(i, v): n for i, v, n in counts}
    keys = [v for v, _ in variations]
    return SeriesList(
        tuple(_variation_metadata(v, j) for v, j in variations),
        zero_filled(cut.starts, keys, found),
    )


async def event_series(
    db: Database,
    *,
    event_type: str,
    span: TimeRange,
    now: datetime,
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of analytics events of a type; an unknown type is NotFound."""
    if event_type not in values(EventType):
        raise NotFound(None)
    cut = grid_of(span, now=now, granularity=granularity)
    async with db.session() as session:
        counts = await rows.event_counts(
            session, event_type=event_type, width=cut.source_width, runs=cut.runs()
        )
    found = {(i, None): n for i, n in counts}
    return SeriesList(({"type": event_type},), zero_filled(cut.starts, [None], found))


def check_source(source: str) -> None:
    """Raise NotFound unless ``source`` is a stream source (client or server)."""
    if source not in values(SdkType):
        raise NotFound(None)


async def stream_series(
    db: Database,
    *,
    source: str,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of peak streaming connections (summed over SDK versions)."""
    check_source(source)
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    async with db.session() as session:
        peaks = await rows.stream_peaks(
            session, source=source, width=cut.source_width, runs=cut.runs()
        )
    found = {(i, None): n for i, _, _, n in peaks}
    return SeriesList(({"source": source},), zero_filled(cut.starts, [None], found))


def _named(value: str) -> str:
    return value or UNKNOWN


async def stream_version_series(
    db: Database,
    *,
    source: str,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    sdks: Iterable[str] = (),
    versions: Iterable[str] = (),
    granularity: Granularity | None = None,
) -> SeriesList:
    """Return one series of peak connections per (SDK, version) seen in the range."""
    check_source(source)
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    async with db.session() as session:
        peaks = await rows.stream_peaks(
            session,
            source=source,
            width=cut.source_width,
            runs=cut.runs(),
            sdks=tuple(sdks),
            versions=tuple(versions),
            by_version=True,
        )
    keys = sorted({(s, v) for _, s, v, _ in peaks})
    found = {(i, (s, v)): n for i, s, v, n in peaks}
    metadata = tuple({"sdk": _named(s), "version": _named(v), "source": source} for s, v in keys)
    return SeriesList(metadata, zero_filled(cut.starts, keys, found))


async def stream_sdk_versions(db: Database, *, source: str, now: datetime) -> list[tuple[str, str]]:
    """Return the (SDK, version) pairs that streamed in the past 60 days."""
    check_source(source)
    async with db.session() as session:
        pairs = await rows.stream_versions(
            session, source=source, since=epoch_s(now - SDK_VERSIONS_WINDOW)
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
