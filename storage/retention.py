"""Retention: count or delete rows older than a cut-off, table by table."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, false, func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage import mau_links
from storage.engine import Session
from storage.tables import (
    MINUTE,
    QUARTER,
    ContextDay,
    EvaluationBucket,
    EventBucket,
    InstanceStatistics,
    MauDay,
    StreamBucket,
)

_BUCKETS = (EvaluationBucket, EventBucket, StreamBucket)


async def _count_or_delete(session: Session, model: Any, where: list[Any], *, dry_run: bool) -> int:
    if dry_run:
        query: Select[Any] = select(func.count()).select_from(model).where(*where)
        count: int = (await session.execute(query)).scalar_one()
        return count
    result = await session.execute(delete(model).where(*where))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def old_buckets(session: Session, *, width: int, before: int, dry_run: bool) -> int:
    """Count (dry run) or delete buckets of ``width`` starting before ``before`` (Unix s)."""
    assert width in (MINUTE, QUARTER)
    total = 0
    for model in _BUCKETS:
        where = [model.width == width, model.start < before]
        total += await _count_or_delete(session, model, where, dry_run=dry_run)
    return total


async def old_contexts(session: Session, *, before_day: int, dry_run: bool) -> int:
    """Count or delete MAU rows of UTC days starting before ``before_day`` (Unix s)."""
    where = [col(ContextDay.day) < before_day]
    if not dry_run:
        await mau_links.lock(session)
        # Rows whose previous sighting goes start runs now: the linker redoes their contexts.
        # They are the next sightings of the rows that go (found from those, not by a scan).
        going = select(col(ContextDay.context_hash)).where(
            col(ContextDay.day) < before_day, col(ContextDay.next_day) >= before_day
        )
        earliest = [
            col(ContextDay.day) >= before_day,
            col(ContextDay.prev_day) < before_day,
            col(ContextDay.context_hash).in_(going),
        ]
        await session.execute(update(ContextDay).where(*earliest).values(linked=false()))
        await session.execute(delete(MauDay).where(col(MauDay.day) < before_day))
    return await _count_or_delete(session, ContextDay, where, dry_run=dry_run)


async def old_statistics(session: Session, *, before: datetime, dry_run: bool) -> int:
    """Count or delete documents taken before ``before``, except each instance's newest."""
    later = aliased(InstanceStatistics)
    newest = (
        select(func.max(col(later.taken_at)))
        .where(col(later.instance_id) == col(InstanceStatistics.instance_id))
        .scalar_subquery()
    )
    where = [
        col(InstanceStatistics.taken_at) < before,
        col(InstanceStatistics.taken_at) < newest,
    ]
    return await _count_or_delete(session, InstanceStatistics, where, dry_run=dry_run)
