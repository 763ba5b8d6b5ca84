"""The MAU query before the per-day run sums, kept only so workload 5 can time it beside today's.

Every day of the range joined to the whole window of ``context_days`` before it, counted
distinct: one sort of every (day, sighting) pair. The gateway no longer runs it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, select

from storage.columns import columns, table
from storage.days import days_cte, month_start_of
from storage.engine import Session
from storage.mau import DIMENSIONS
from storage.tables import DAY, ContextDay

_C = columns(ContextDay)


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
    """Return (day, *group values, distinct contexts) for every day with any."""
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
    for name, values in filters.items():
        if values:
            stmt = stmt.where(DIMENSIONS[name].in_(values))
    stmt = stmt.group_by(days.c.day, *groups)
    return [tuple(row) for row in await session.execute(stmt)]
