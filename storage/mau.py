"""Monthly active contexts: exact distinct counts over windows of UTC days, in SQL."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select

from storage.columns import code_point_order, columns
from storage.days import days_cte, month_start_of
from storage.engine import Session
from storage.tables import DAY, ContextDay

_C = columns(ContextDay)

# Dimension name (the values of resolvers' Dimension vocabulary) -> column.
DIMENSIONS: Mapping[str, Any] = {
    "project": _C.project,
    "environment": _C.environment,
    "sdk_type": _C.sdk_type,
    "sdk": _C.sdk,
    "anonymous": _C.anonymous,
    "context_kind": _C.context_kind,
    "category": _C.category,
}


def _filtered(stmt: Any, filters: Mapping[str, Sequence[Any]]) -> Any:
    for name, values in filters.items():
        if values:
            stmt = stmt.where(DIMENSIONS[name].in_(values))
    return stmt


async def active_counts(
    session: Session,
    *,
    first_day: int,
    last_day: int,
    lookback_days: int | None,
    month_starts: Sequence[int] = (),
    filters: Mapping[str, Sequence[Any]],
    group_by: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Return (day, *group values, distinct contexts) for every day with any.

    A day's window is the ``lookback_days`` days ending on it, or (when
    ``lookback_days`` is None) its month up to it, given every month start of the range.
    """
    groups = [DIMENSIONS[name] for name in group_by]
    if lookback_days == 1:
        return await _daily_counts(session, first_day, last_day, filters, groups)
    # Each context's sightings in day order (per group): a day starts a run when the
    # previous sighting left the window, and a run ends when the next one is beyond it.
    # Counting runs covering each day needs one sort of the sightings, where a join of
    # every day to its whole window needed a sort of every (day, sighting) pair.
    c = _C
    w: dict[str, Any] = {
        "partition_by": [*groups, code_point_order(c.context_hash)],
        "order_by": c.day,
    }
    prev, next_ = func.lag(c.day).over(**w), func.lead(c.day).over(**w)
    if lookback_days is None:
        lo = min(month_starts)
        starts = or_(prev.is_(None), prev < month_start_of(c.day, month_starts))
        ends: ColumnElement[int] = literal(
            0
        )  # a run ends with its month: the join below keeps it in there
    else:
        span = lookback_days * DAY
        lo = first_day - span + DAY
        starts = or_(prev.is_(None), prev <= c.day - span)
        ends = case((or_(next_.is_(None), next_ >= c.day + span), 1), else_=0)
    sightings = select(
        c.day,
        *[g.label(f"g{i}") for i, g in enumerate(groups)],
        case((starts, 1), else_=0).label("starts"),
        ends.label("ends"),
    ).where(c.day >= lo, c.day <= last_day)
    sightings = _filtered(sightings, filters).subquery("sightings")
    keys = [sightings.c[f"g{i}"] for i in range(len(groups))]
    runs = (
        select(
            sightings.c.day,
            *keys,
            func.sum(sightings.c.starts).label("starts"),
            func.sum(sightings.c.ends).label("ends"),
        )
        .group_by(sightings.c.day, *keys)
        .cte("runs")
    )
    run_keys = [runs.c[f"g{i}"] for i in range(len(groups))]
    # +1 on the day a run starts, -1 on the first day past its end.
    events: Any = select(runs.c.day.label("at"), *run_keys, runs.c.starts.label("delta"))
    if lookback_days is not None:
        ended = select((runs.c.day + span).label("at"), *run_keys, -runs.c.ends)
        events = events.union_all(ended)
    events = events.cte("events")
    event_keys = [events.c[f"g{i}"] for i in range(len(groups))]
    days = days_cte(first=first_day, last=last_day)
    window = events.c.at <= days.c.day
    if lookback_days is None:
        window = and_(window, events.c.at >= month_start_of(days.c.day, month_starts))
    total = func.sum(events.c.delta)
    stmt = (
        select(days.c.day, *event_keys, total)
        .select_from(days.join(events, window))
        .group_by(days.c.day, *event_keys)
        .having(total > 0)
    )
    return [tuple(row) for row in await session.execute(stmt)]


async def _daily_counts(
    session: Session,
    first_day: int,
    last_day: int,
    filters: Mapping[str, Sequence[Any]],
    groups: list[Any],
) -> list[tuple[Any, ...]]:
    c = _C
    stmt = select(c.day, *groups, func.count(func.distinct(c.context_hash))).where(
        c.day >= first_day, c.day <= last_day
    )
    stmt = _filtered(stmt, filters).group_by(c.day, *groups)
    return [tuple(row) for row in await session.execute(stmt)]


async def sdk_names(
    session: Session, *, first_day: int, last_day: int, sdk_types: Sequence[str] = ()
) -> list[str]:
    """Return the distinct SDK names of contexts seen between two UTC days, sorted."""
    c = _C
    stmt = select(c.sdk).where(c.day >= first_day, c.day <= last_day).distinct().order_by(c.sdk)
    stmt = _filtered(stmt, {"sdk_type": sdk_types})
    return [name for (name,) in await session.execute(stmt)]
