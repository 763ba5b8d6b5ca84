"""INSERT ... ON CONFLICT for both backends: how pre-aggregated buckets absorb new facts."""

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel

from storage.engine import Session


class Merge(Enum):
    """How a conflicting row's column combines with the incoming value."""

    ADD = "add"  # counters
    PEAK = "peak"  # gauges: keep the larger
    EARLIEST = "earliest"
    LATEST = "latest"
    FILL = "fill"  # take the incoming value unless it is NULL
    NEWEST = "newest"  # FILL, but only from a row at least as new (see ``newest_by``)


def _merged(
    merge: Merge, old: Any, new: Any, *, old_time: Any = None, new_time: Any = None
) -> ColumnElement[Any]:
    if merge is Merge.NEWEST:
        # Right-hand sides of SET see the row before this update, so old_time is the
        # stored time even when the same statement also advances it.
        return case(
            (and_(new.is_not(None), or_(old.is_(None), new_time >= old_time)), new), else_=old
        )
    if merge is Merge.ADD:
        return old + new  # type: ignore[no-any-return]
    if merge in (Merge.PEAK, Merge.LATEST):
        return case((new > old, new), else_=old)
    if merge is Merge.EARLIEST:
        return case((new < old, new), else_=old)
    return func.coalesce(new, old)


def _sort_key(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[tuple[bool, Any], ...]:
    # NULLs first; values of one key column are all of one type, so they compare.
    return tuple((row[k] is not None, row[k]) for k in keys)


async def upsert(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    merge: Mapping[str, Merge],
    newest_by: str | None = None,
) -> None:
    """Insert rows; where one with the same keys exists, combine columns as ``merge`` says.

    ``Merge.NEWEST`` columns compare the ``newest_by`` column of both rows, so a late
    arrival of an old fact never overwrites what a newer one said.
    Rows must be unique by ``keys`` within one call (PostgreSQL refuses to touch one
    row twice in a statement), which callers ensure by combining first. They are written
    in the order of their keys, so concurrent writers lock rows in one order: two
    transactions never wait for each other in a circle (a deadlock).
    """
    if not rows:
        return
    rows = sorted(rows, key=lambda row: _sort_key(row, keys))
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    excluded = stmt.excluded
    times = (table.c[newest_by], excluded[newest_by]) if newest_by else (None, None)
    updates = {
        col: _merged(how, table.c[col], excluded[col], old_time=times[0], new_time=times[1])
        for col, how in merge.items()
    }
    if updates:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(stmt, list(rows))
