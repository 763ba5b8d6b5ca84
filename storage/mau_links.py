"""The MAU linker: each sighting's neighbours, and per-day sums of runs in mau_days.

A context counts on a day when it was seen in that day's window. Over a context's sightings
in day order, a run starts where the previous sighting is out of the window and ends where
the next one is; the linker records both neighbours per row and, for contexts only ever
seen with one set of dimensions (so any filter or grouping keeps or drops them whole), adds
each row's start and end marks to mau_days. Queries (storage.mau) then sum mau_days and
recount exactly only contexts with unlinked rows or several sets of dimensions.

Ingestion only inserts rows (unlinked); the linker runs apart, in batches of contexts, one
at a time (PostgreSQL: a transaction-level advisory lock; SQLite: one writer anyway).
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)

from storage.columns import columns, table
from storage.days import month_start_of, month_starts_between
from storage.engine import Session
from storage.tables import DAY, ContextDay, MauDay
from storage.upsert import Merge, upsert

ROLLING_DAYS = 30  # the rolling window whose run marks mau_days sums
DIMENSIONS = ("project", "environment", "sdk", "sdk_type", "category", "context_kind", "anonymous")
SUMS = ("contexts", "rolling_starts", "rolling_ends", "month_starts")
_LOCK = 1_010_001  # pg_advisory_xact_lock key of the linker (and MAU retention)
_C = columns(ContextDay)


def varying(dimensions: Sequence[str]) -> int:
    """Return the ``varies`` bits of the named dimensions."""
    return sum(1 << DIMENSIONS.index(d) for d in set(dimensions))


async def lock(session: Session) -> None:
    """Wait for any other linker (or MAU pruning) to finish: they rewrite the same rows."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def rolling_start(source: Any) -> Any:
    """Whether a row (with day, prev_day) starts a run of the rolling window."""
    span = ROLLING_DAYS * DAY
    return or_(source.prev_day.is_(None), source.prev_day <= source.day - span)


def rolling_end(source: Any) -> Any:
    """Whether a row (with day, next_day) ends a run of the rolling window."""
    span = ROLLING_DAYS * DAY
    return or_(source.next_day.is_(None), source.next_day >= source.day + span)


def month_start(source: Any, month_starts: Sequence[int]) -> Any:
    """Whether a row (with day, prev_day) is its context's first of its month."""
    return or_(
        source.prev_day.is_(None), source.prev_day < month_start_of(source.day, month_starts)
    )


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def _add_counted(
    session: Session, hashes: Sequence[str] | None, month_starts: Sequence[int], sign: int
) -> None:
    c = _C
    dims = [c[d] for d in DIMENSIONS]
    stmt = (
        select(
            c.day,
            *dims,
            func.count(),
            _flag(rolling_start(c)),
            _flag(rolling_end(c)),
            _flag(month_start(c, month_starts)),
        )
        .where(c.counted == true(), *_among(hashes))
        .group_by(c.day, *dims)
    )
    rows = []
    for day, *values in await session.execute(stmt):
        sums = dict(zip(SUMS, (sign * int(v) for v in values[len(dims) :]), strict=True))
        rows.append({"day": day, **dict(zip(DIMENSIONS, values, strict=False)), **sums})
    await upsert(
        session, MauDay, rows, keys=("day", *DIMENSIONS), merge=dict.fromkeys(SUMS, Merge.ADD)
    )


def _among(hashes: Sequence[str] | None) -> list[Any]:
    return [] if hashes is None else [_C.context_hash.in_(hashes)]


async def _months(session: Session) -> list[int]:
    # Every month of the table (two index probes): the marks of any row can be computed.
    # (Two subqueries: SQLite reads min() alone, or max() alone, off the index, not both.)
    bounds = select(
        select(func.min(_C.day)).scalar_subquery(), select(func.max(_C.day)).scalar_subquery()
    )
    lo, hi = (await session.execute(bounds)).one()
    return month_starts_between(lo, hi) if lo is not None else []


async def _relink(session: Session, hashes: Sequence[str] | None) -> None:
    """Relink every row of ``hashes`` (None: of the whole table), keeping mau_days' sums."""
    c = _C
    months = await _months(session)
    if not months:
        return
    if hashes is None:
        await session.execute(delete(table(MauDay)))
    else:
        await _add_counted(session, hashes, months, -1)
    by_day = {"partition_by": c.context_hash, "order_by": (c.day, c.id)}
    whole = {"partition_by": c.context_hash}
    same = [
        func.min(cast(c[d], Integer) if d == "anonymous" else c[d]).over(**whole)
        == func.max(cast(c[d], Integer) if d == "anonymous" else c[d]).over(**whole)
        for d in DIMENSIONS
    ]
    varies = sum((case((s, 0), else_=1 << i) for i, s in enumerate(same)), literal(0))
    links = (
        select(
            c.id,
            func.lag(c.day).over(**by_day).label("prev_day"),
            func.lead(c.day).over(**by_day).label("next_day"),
            case((and_(*same), True), else_=False).label("counted"),
            varies.label("varies"),
        )
        .where(*_among(hashes))
        .subquery("links")
    )
    await session.execute(
        update(table(ContextDay))
        .where(c.id == links.c.id)
        .values(
            prev_day=links.c.prev_day,
            next_day=links.c.next_day,
            linked=True,
            counted=links.c.counted,
            varies=links.c.varies,
        )
    )
    await _add_counted(session, hashes, months, +1)


async def link_contexts(session: Session, *, limit: int = 500) -> int:
    """Link every row of up to ``limit`` contexts that have unlinked rows; return how many.

    Rows committed while it runs stay unlinked for the next call, and queries recount their
    contexts exactly until then.
    """
    await lock(session)
    c = _C
    found = select(c.context_hash).where(c.linked == false()).distinct().limit(limit)
    hashes = [h for (h,) in await session.execute(found)]
    if hashes:
        await _relink(session, hashes)
    return len(hashes)


async def link_everything(session: Session) -> None:
    """Relink the whole table in one pass: after loading many rows at once."""
    await lock(session)
    await _relink(session, None)
