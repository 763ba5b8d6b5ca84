"""Monthly active contexts: exact distinct counts over windows of UTC days, in SQL."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, select

from storage.columns import columns, table
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
    days = days_cte(first=first_day, last=last_day)
    c = _C
    if lookback_days is None:
        window_lo = month_start_of(days.c.day, month_starts)
    else:
        window_lo = days.c.day - (lookback_days - 1) * DAY
    groups = [DIMENSIONS[name] for name in group_by]
    stmt = select(days.c.day, *groups, func.count(func.distinct(c.context_hash))).select_from(
        days.join(table(ContextDay), and_(c.day <= days.c.day, c.day >= window_lo))
    )
    stmt = _filtered(stmt, filters).group_by(days.c.day, *groups)
    return [tuple(row) for row in await session.execute(stmt)]


async def sdk_names(
    session: Session, *, first_day: int, last_day: int, sdk_types: Sequence[str] = ()
) -> list[str]:
    """Return the distinct SDK names of contexts seen between two UTC days, sorted."""
    c = _C
    stmt = select(c.sdk).where(c.day >= first_day, c.day <= last_day).distinct().order_by(c.sdk)
    stmt = _filtered(stmt, {"sdk_type": sdk_types})
    return [name for (name,) in await session.execute(stmt)]
