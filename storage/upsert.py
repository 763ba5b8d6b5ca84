"""INSERT ... ON CONFLICT for both backends: how pre-aggregated buckets absorb new facts."""

from collections.abc import Mapping, Sequence
from enum import Enum
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
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


def _assignment(merge: Merge, column: str, table: str, quote: Any, newest_by: str | None) -> str:
    """Return ``column = <merged>`` of an ON CONFLICT DO UPDATE, as SQL text."""
    old, new = f"{table}.{quote(column)}", f"excluded.{quote(column)}"
    if merge is Merge.NEWEST:
        assert newest_by is not None
        old_t, new_t = f"{table}.{quote(newest_by)}", f"excluded.{quote(newest_by)}"
        value = (
            f"CASE WHEN {new} IS NOT NULL AND ({old} IS NULL OR {new_t} >= {old_t}) "
            f"THEN {new} ELSE {old} END"
        )
    elif merge is Merge.ADD:
        value = f"{old} + {new}"
    elif merge in (Merge.PEAK, Merge.LATEST):
        value = f"CASE WHEN {new} > {old} THEN {new} ELSE {old} END"
    elif merge is Merge.EARLIEST:
        value = f"CASE WHEN {new} < {old} THEN {new} ELSE {old} END"
    else:
        value = f"COALESCE({new}, {old})"
    return f"{quote(column)} = {value}"


@lru_cache(maxsize=64)
def _bulk_statement(
    dialect_name: str,
    model: type[SQLModel],
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    merge: tuple[tuple[str, Merge], ...],
    newest_by: str | None,
) -> str:
    dialect: Dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()  # type: ignore[no-untyped-call]
    quote = dialect.identifier_preparer.quote
    table = model.__table__  # type: ignore[attr-defined]
    name = quote(table.name)
    if dialect_name == "postgresql":
        # One statement for the whole batch: each column travels as one array.
        arrays = ", ".join(
            f"${i}::{table.c[c].type.compile(dialect=dialect)}[]"
            for i, c in enumerate(columns, start=1)
        )
        source = f"SELECT * FROM unnest({arrays})"
    else:
        source = "VALUES (" + ", ".join("?" for _ in columns) + ")"
    target = ", ".join(quote(k) for k in keys)
    if merge:
        sets = ", ".join(_assignment(how, c, name, quote, newest_by) for c, how in merge)
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    listed = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {name} ({listed}) {source} ON CONFLICT ({target}) {action}"


async def upsert_rows(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[tuple[Any, ...]],
    *,
    columns: Sequence[str],
    keys: Sequence[str],
    merge: Mapping[str, Merge],
    newest_by: str | None = None,
) -> None:
    """``upsert`` for many rows given as tuples of ``columns``, in one round trip.

    Key columns must not be NULL.
    The same merge rules, uniqueness and key order as ``upsert``, without building a
    statement per call: PostgreSQL gets one ``INSERT ... SELECT FROM unnest(arrays) ON
    CONFLICT`` (rows are inserted in array order, so locks are still taken in key order);
    SQLite one prepared statement run over all rows (``executemany``).
    """
    if not rows:
        return
    # Key columns of these tables are never NULL, so their plain tuples sort (in C).
    rows = sorted(rows, key=itemgetter(*(columns.index(k) for k in keys)))
    connection = await session.connection()
    dialect = connection.dialect
    table = model.__table__  # type: ignore[attr-defined]
    processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    statement = _bulk_statement(
        dialect.name, model, tuple(columns), tuple(keys), tuple(merge.items()), newest_by
    )
    if dialect.name == "postgresql":
        arrays = tuple(
            [row[i] for row in rows] if p is None else [p(row[i]) for row in rows]
            for i, p in enumerate(processors)
        )
        await connection.exec_driver_sql(statement, arrays)
        return
    converted = [(i, p) for i, p in enumerate(processors) if p is not None]
    params = list(rows)
    if converted:
        params = []
        for row in rows:
            values = list(row)
            for i, p in converted:
                values[i] = p(values[i])
            params.append(tuple(values))
    await connection.exec_driver_sql(statement, params)
