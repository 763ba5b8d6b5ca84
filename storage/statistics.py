"""Instance-statistics documents, one row per instance and time taken."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col

from storage.engine import Session
from storage.generations import Topic, note_write
from storage.tables import InstanceStatistics
from storage.upsert import Merge, upsert


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    instance_id: str
    taken_at: datetime
    document: str
    source: str
    received_at: datetime


async def save_statistics(session: Session, *, rows: Sequence[StatisticsRow]) -> None:
    """Store documents; a document for an instance and time already stored replaces it."""
    note_write(session, Topic.STATISTICS)
    merge = {"document": Merge.FILL, "source": Merge.FILL, "received_at": Merge.LATEST}
    await upsert(
        session,
        InstanceStatistics,
        [asdict(r) for r in rows],
        keys=("instance_id", "taken_at"),
        merge=merge,
    )


class _epoch_seconds(FunctionElement[int]):
    """Whole Unix seconds of a UTC datetime column, on either backend."""

    type = BigInteger()
    inherit_cache = True


@compiles(_epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: _epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element: _epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def _row(record: InstanceStatistics) -> StatisticsRow:
    return StatisticsRow(
        record.instance_id, record.taken_at, record.document, record.source, record.received_at
    )


async def newest_statistics(
    session: Session, *, instance_id: str | None = None, at: datetime | None = None
) -> StatisticsRow | None:
    """Return the newest document (of one instance, or of any), taken at or before ``at``."""
    stmt = select(InstanceStatistics)
    if instance_id is not None:
        stmt = stmt.where(col(InstanceStatistics.instance_id) == instance_id)
    if at is not None:
        stmt = stmt.where(col(InstanceStatistics.taken_at) <= at)
    stmt = stmt.order_by(
        col(InstanceStatistics.taken_at).desc(), col(InstanceStatistics.instance_id)
    ).limit(1)
    record = (await session.execute(stmt)).scalars().first()
    return None if record is None else _row(record)


async def statistics_steps(
    session: Session,
    *,
    instance_id: str | None,
    start: datetime,
    end: datetime,
    step_s: int,
) -> list[tuple[int, StatisticsRow]]:
    """Return (step index, last document in that step) for each step of [start, end) with one.

    Step ``i`` covers ``[floor(start) + i*step_s, floor(start) + (i+1)*step_s)`` in seconds.
    Without ``instance_id``, each instance's last document of each step, by step.
    """
    table = InstanceStatistics
    origin = int(start.timestamp() // 1)
    index = ((_epoch_seconds(col(table.taken_at)) - origin) // step_s).label("step")
    rank = (
        func.row_number()
        .over(
            partition_by=(col(table.instance_id), index),
            order_by=(col(table.taken_at).desc(), col(table.id).desc()),
        )
        .label("rank")
    )
    ranked = select(table, index, rank).where(
        col(table.taken_at) >= start, col(table.taken_at) < end
    )
    if instance_id is not None:
        ranked = ranked.where(col(table.instance_id) == instance_id)
    sub = ranked.subquery()
    picked = aliased(table, sub)
    stmt = select(picked, sub.c.step).where(sub.c.rank == 1).order_by(sub.c.step, sub.c.instance_id)
    result = await session.execute(stmt)
    return [(int(step), _row(record)) for record, step in result.all()]


async def newest_per_instance(
    session: Session,
    *,
    at: datetime | None = None,
    since: datetime | None = None,
    instance_ids: Sequence[str] | None = None,
) -> list[StatisticsRow]:
    """Return each instance's newest document taken at or before ``at`` (and after ``since``).

    ``instance_ids`` limits the answer to those instances (one query for any number of them).
    """
    table = InstanceStatistics
    rank = (
        func.row_number()
        .over(
            partition_by=col(table.instance_id),
            order_by=(col(table.taken_at).desc(), col(table.id).desc()),
        )
        .label("rank")
    )
    ranked = select(table, rank)
    if at is not None:
        ranked = ranked.where(col(table.taken_at) <= at)
    if instance_ids is not None:
        ranked = ranked.where(col(table.instance_id).in_(instance_ids))
    if since is not None:
        ranked = ranked.where(col(table.taken_at) >= since)
    sub = ranked.subquery()
    picked = aliased(table, sub)
    stmt = select(picked).where(sub.c.rank == 1).order_by(picked.instance_id)
    return [_row(record) for record in (await session.execute(stmt)).scalars().all()]


@dataclass(frozen=True, slots=True)
class InstanceSummary:
    instance_id: str
    documents: int
    first_taken_at: datetime
    last_taken_at: datetime


async def instance_summaries(session: Session) -> list[InstanceSummary]:
    """Return, per instance, how many documents are stored and the first and last times."""
    table = InstanceStatistics
    stmt = (
        select(
            col(table.instance_id),
            func.count(),
            func.min(col(table.taken_at)),
            func.max(col(table.taken_at)),
        )
        .group_by(col(table.instance_id))
        .order_by(col(table.instance_id))
    )
    result = await session.execute(stmt)
    return [InstanceSummary(i, int(n), first, last) for i, n, first, last in result]
