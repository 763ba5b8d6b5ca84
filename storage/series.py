"""Time-series reads: pre-aggregated bucket rows summed into output buckets, in SQL.

An output grid is given as runs of equal-width buckets (a daily grid in a zone with
DST is three runs a year; a UTC grid is one run). Each row's output bucket index is
computed in SQL from its ``start`` with integer arithmetic per run, so grouping happens
in the database on both SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from storage.columns import columns
from storage.engine import Session
from storage.tables import EvaluationBucket, EventBucket, FlagVariation, StreamBucket


@dataclass(frozen=True, slots=True)
class Run:
    """``count`` consecutive output buckets of ``width`` seconds, the first starting at ``lo``."""

    lo: int
    width: int
    count: int


def _index(start: Any, runs: Sequence[Run]) -> ColumnElement[int]:
    firsts, first = [], 0
    for run in runs:
        firsts.append(first)
        first += run.count
    # Latest run first: the first WHEN whose lower bound the row passes is its run.
    whens = [
        (start >= run.lo, first + (start - run.lo) // run.width)
        for run, first in reversed(list(zip(runs, firsts, strict=True)))
    ]
    return case(*whens, else_=-1)


def _in_grid(start: Any, runs: Sequence[Run]) -> ColumnElement[bool]:
    end = runs[-1].lo + runs[-1].width * runs[-1].count
    return and_(start >= runs[0].lo, start < end)


def _indexed(model: Any, runs: Sequence[Run], width: int, *wanted: Any) -> Select[Any]:
    return select(_index(model.start, runs).label("idx"), *wanted).where(
        model.width == width, _in_grid(model.start, runs)
    )


async def evaluation_counts(
    session: Session,
    *,
    project: str,
    environment: str,
    flag: str,
    width: int,
    runs: Sequence[Run],
) -> list[tuple[int, int, int]]:
    """Return (bucket index, variation, evaluations) for buckets with any evaluations."""
    if not runs:
        return []
    m = columns(EvaluationBucket)
    inner = (
        _indexed(m, runs, width, m.variation, m.count)
        .where(m.project == project, m.environment == environment, m.flag == flag)
        .subquery()
    )
    stmt = select(inner.c.idx, inner.c.variation, func.sum(inner.c.count)).group_by(
        inner.c.idx, inner.c.variation
    )
    return [(int(i), int(v), int(n)) for i, v, n in await session.execute(stmt)]


async def flag_variations(
    session: Session, *, project: str, environment: str, flag: str
) -> list[tuple[int, str | None]]:
    """Return (variation, value JSON or None) of every variation seen for a flag, in order."""
    m = columns(FlagVariation)
    stmt = (
        select(m.variation, m.value_json)
        .where(m.project == project, m.environment == environment, m.flag == flag)
        .order_by(m.variation)
    )
    return [(int(v), j) for v, j in await session.execute(stmt)]


async def event_counts(
    session: Session, *, event_type: str, width: int, runs: Sequence[Run]
) -> list[tuple[int, int]]:
    """Return (bucket index, events) for buckets with any events of a type."""
    if not runs:
        return []
    m = columns(EventBucket)
    inner = _indexed(m, runs, width, m.count).where(m.event_type == event_type).subquery()
    stmt = select(inner.c.idx, func.sum(inner.c.count)).group_by(inner.c.idx)
    return [(int(i), int(n)) for i, n in await session.execute(stmt)]


async def stream_peaks(
    session: Session,
    *,
    source: str,
    width: int,
    runs: Sequence[Run],
    sdks: Sequence[str] = (),
    versions: Sequence[str] = (),
    by_version: bool = False,
) -> list[tuple[int, str, str, int]]:
    """Return (bucket index, sdk, version, connections) for buckets with connections.

    Each (SDK, version) contributes its peak within the output bucket; without
    ``by_version`` those peaks are added up and sdk/version are returned as ''.
    """
    if not runs:
        return []
    m = columns(StreamBucket)
    rows = _indexed(m, runs, width, m.sdk, m.sdk_version, m.connections).where(m.source == source)
    if sdks:
        rows = rows.where(m.sdk.in_(sdks))
    if versions:
        rows = rows.where(m.sdk_version.in_(versions))
    inner = rows.subquery()
    peaks = (
        select(
            inner.c.idx,
            inner.c.sdk,
            inner.c.sdk_version,
            func.max(inner.c.connections).label("peak"),
        )
        .group_by(inner.c.idx, inner.c.sdk, inner.c.sdk_version)
        .subquery()
    )
    if by_version:
        stmt = select(peaks.c.idx, peaks.c.sdk, peaks.c.sdk_version, func.sum(peaks.c.peak))
        stmt = stmt.group_by(peaks.c.idx, peaks.c.sdk, peaks.c.sdk_version)
        return [(int(i), s, v, int(n)) for i, s, v, n in await session.execute(stmt)]
    total = select(peaks.c.idx, func.sum(peaks.c.peak)).group_by(peaks.c.idx)
    return [(int(i), "", "", int(n)) for i, n in await session.execute(total)]


async def stream_versions(session: Session, *, source: str, since: int) -> list[tuple[str, str]]:
    """Return the distinct (sdk, version) pairs that streamed from ``since`` (Unix s) on."""
    m = columns(StreamBucket)
    stmt = (
        select(m.sdk, m.sdk_version)
        .where(m.source == source, m.start >= since)
        .distinct()
        .order_by(m.sdk, m.sdk_version)
    )
    return [(s, v) for s, v in await session.execute(stmt)]


async def evaluation_sdk_totals(
    session: Session,
    *,
    width: int,
    first: int,
    last: int,
    project: str | None = None,
    environment: str | None = None,
) -> list[tuple[str, str, int]]:
    """Return (sdk, version, evaluations) over buckets of ``width`` starting in [first, last]."""
    m = columns(EvaluationBucket)
    stmt = select(m.sdk, m.sdk_version, func.sum(m.count)).where(
        m.width == width, m.start >= first, m.start <= last
    )
    if project is not None:
        stmt = stmt.where(m.project == project)
    if environment is not None:
        stmt = stmt.where(m.environment == environment)
    stmt = stmt.group_by(m.sdk, m.sdk_version).order_by(m.sdk, m.sdk_version)
    return [(s, v, int(n)) for s, v, n in await session.execute(stmt)]
