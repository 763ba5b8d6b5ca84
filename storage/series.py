"""Time-series reads: pre-aggregated bucket rows summed into output buckets, in SQL.

An output grid is given as runs of equal-width buckets (a daily grid in a zone with
DST is three runs a year; a UTC grid is one run). Each row's output bucket index is
computed in SQL from its ``start`` with integer arithmetic per run, so grouping happens
in the database on both SQLite and PostgreSQL.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    select,
    tuple_,
)

from storage.columns import code_point_order, columns
from storage.engine import Session
from storage.tables import EvaluationBucket, EventBucket, StreamBucket


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


@dataclass(frozen=True, slots=True)
class Top:
    """Which groups to keep: the first ``limit`` (None: all) by total, or by their labels.

    Ties on the total go by labels; labels sort by code point on both backends.
    """

    limit: int | None
    by_total: bool = True
    ascending: bool = False


def _filtered(stmt: Select[Any], m: Any, filters: Mapping[str, Sequence[Any]]) -> Select[Any]:
    for name, allowed in filters.items():
        if allowed:
            stmt = stmt.where(m[name].in_(list(allowed)))
    return stmt


def _ranked(
    grouped: Subquery, group_by: Sequence[str], top: Top | None, total: Callable[..., Any]
) -> Select[Any]:
    """Return (idx, *groups, n) of the kept groups, in rank order, then by bucket."""
    groups = [grouped.c[name] for name in group_by]
    if top is None or not groups:
        return select(grouped.c.idx, *groups, grouped.c.n).order_by(grouped.c.idx)
    series_total = total(grouped.c.n).over(partition_by=groups).label("total")
    with_total = select(grouped, series_total).subquery()
    labels = [code_point_order(with_total.c[name]) for name in group_by]
    order: list[Any] = list(labels)
    if top.by_total:
        by = with_total.c.total.asc() if top.ascending else with_total.c.total.desc()
        order = [by, *labels]
    rank = func.dense_rank().over(order_by=order).label("rank")
    ranked = select(with_total, rank).subquery()
    stmt = select(ranked.c.idx, *[ranked.c[name] for name in group_by], ranked.c.n)
    if top.limit is not None:
        stmt = stmt.where(ranked.c.rank <= top.limit)
    return stmt.order_by(ranked.c.rank, ranked.c.idx)


def _rows(result: Any) -> list[tuple[Any, ...]]:
    return [(int(i), *groups, int(n)) for i, *groups, n in result]


@dataclass(frozen=True, slots=True)
class Cut:
    """What a read sums: stored buckets of ``width`` on the output ``runs``, filtered by
    allowed values per column (empty: any) and grouped by columns."""

    width: int
    runs: Sequence[Run]
    filters: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    group_by: Sequence[str] = ()


def _counted(model: Any, cut: Cut, *conditions: Any) -> Subquery:
    """Return (idx, *groups, n): a counter's sum per output bucket and group."""
    m = columns(model)
    wanted = [m[g] for g in cut.group_by]
    rows = _filtered(_indexed(m, cut.runs, cut.width, *wanted, m.count), m, cut.filters)
    inner = rows.where(*conditions).subquery()
    keys = [inner.c.idx, *[inner.c[g] for g in cut.group_by]]
    return select(*keys, func.sum(inner.c.count).label("n")).group_by(*keys).subquery()


def evaluation_sums_query(cut: Cut, *, flags: Sequence[tuple[str, str, str]] = ()) -> Subquery:
    """Return a subquery of (idx, *groups, n): evaluations per output bucket and group.

    ``flags`` keeps only those (project, environment, flag).
    """
    m = columns(EvaluationBucket)
    only = []
    if flags:
        # The per-column lists let SQLite seek the (project, environment, flag, ...) index,
        # which it does not for a row-value list alone; the tuple keeps the answer exact.
        keys = (m.project, m.environment, m.flag)
        only = [column.in_(sorted({f[i] for f in flags})) for i, column in enumerate(keys)]
        only.append(tuple_(*keys).in_(list(flags)))
    return _counted(EvaluationBucket, cut, *only)


async def evaluation_sums(
    session: Session,
    cut: Cut,
    *,
    flags: Sequence[tuple[str, str, str]] = (),
    top: Top | None = None,
) -> list[tuple[Any, ...]]:
    """Return (bucket index, *group values, evaluations) for buckets with any evaluations."""
    if not cut.runs:
        return []
    grouped = evaluation_sums_query(cut, flags=flags)
    return _rows(await session.execute(_ranked(grouped, cut.group_by, top, func.sum)))


async def event_sums(
    session: Session, cut: Cut, *, top: Top | None = None
) -> list[tuple[Any, ...]]:
    """Return (bucket index, *group values, events) for buckets with any events."""
    if not cut.runs:
        return []
    grouped = _counted(EventBucket, cut)
    return _rows(await session.execute(_ranked(grouped, cut.group_by, top, func.sum)))


async def stream_sums(
    session: Session, cut: Cut, *, top: Top | None = None
) -> list[tuple[Any, ...]]:
    """Return (bucket index, *group values, connections) for buckets with connections.

    A gauge: each stored series (source, SDK, version) contributes its peak within the
    output bucket, and the peaks of a group's series are added up. A group's total (for
    ``top``) is its highest point.
    """
    if not cut.runs:
        return []
    m = columns(StreamBucket)
    wanted = (m.source, m.sdk, m.sdk_version, m.connections)
    inner = _filtered(_indexed(m, cut.runs, cut.width, *wanted), m, cut.filters).subquery()
    identity = [inner.c.idx, inner.c.source, inner.c.sdk, inner.c.sdk_version]
    peaks = (
        select(*identity, func.max(inner.c.connections).label("peak"))
        .group_by(*identity)
        .subquery()
    )
    keys = [peaks.c.idx, *[peaks.c[g] for g in cut.group_by]]
    grouped = select(*keys, func.sum(peaks.c.peak).label("n")).group_by(*keys).subquery()
    return _rows(await session.execute(_ranked(grouped, cut.group_by, top, func.max)))


async def event_counts(
    session: Session, *, event_type: str, width: int, runs: Sequence[Run]
) -> list[tuple[int, int]]:
    """Return (bucket index, events) for buckets with any events of a type."""
    found = await event_sums(session, Cut(width, runs, {"event_type": [event_type]}))
    return [(i, n) for i, n in found]


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
    filters = {"source": [source], "sdk": sdks, "sdk_version": versions}
    if by_version:
        found = await stream_sums(session, Cut(width, runs, filters, ("sdk", "sdk_version")))
        return [(i, s, v, n) for i, s, v, n in found]
    found = await stream_sums(session, Cut(width, runs, filters))
    return [(i, "", "", n) for i, n in found]


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
    filters = {
        "project": () if project is None else (project,),
        "environment": () if environment is None else (environment,),
    }
    whole = [Run(first, last - first + 1, 1)]
    found = await evaluation_sums(
        session, Cut(width, whole, filters, ("sdk", "sdk_version")), top=Top(None, by_total=False)
    )
    return [(s, v, n) for _, s, v, n in found]
