"""Billing meters read back as month-to-date cumulative daily values."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, select

from storage.columns import columns, table
from storage.days import days_cte, month_start_of
from storage.engine import Session
from storage.tables import MeterDay


async def month_to_date(
    session: Session,
    *,
    meter: str,
    first_day: int,
    last_day: int,
    month_starts: Sequence[int],
    project: str | None = None,
    environment: str | None = None,
) -> list[tuple[int, float]]:
    """Return (day, total from the 1st of its month through that day) for every day.

    Without a project and environment every row counts, scoped or not.
    """
    filters = {}
    if project is not None and environment is not None:
        filters = {"project": [project], "environment": [environment]}
    found = await month_to_date_by(
        session,
        meter=meter,
        first_day=first_day,
        last_day=last_day,
        month_starts=month_starts,
        filters=filters,
    )
    return [(d, v) for d, v in found]


async def month_to_date_by(
    session: Session,
    *,
    meter: str,
    first_day: int,
    last_day: int,
    month_starts: Sequence[int],
    filters: Mapping[str, Sequence[str]],
    group_by: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Return (day, *group values, month-to-date total) per day, by day.

    ``filters`` and ``group_by`` name columns (project, environment; '' is unscoped).
    Ungrouped, every day comes back (0 without rows); grouped, a day without rows comes
    back once with None for each group value.
    """
    days = days_cte(first=first_day, last=last_day)
    m = columns(MeterDay)
    on = [
        m.meter == meter,
        m.day <= days.c.day,
        m.day >= month_start_of(days.c.day, month_starts),
    ]
    on += [m[name].in_(list(allowed)) for name, allowed in filters.items() if allowed]
    groups = [m[name] for name in group_by]
    stmt = (
        select(days.c.day, *groups, func.coalesce(func.sum(m.value), 0))
        .select_from(days.outerjoin(table(MeterDay), and_(*on)))
        .group_by(days.c.day, *groups)
        .order_by(days.c.day)
    )
    return [(int(d), *g, float(v)) for d, *g, v in await session.execute(stmt)]


async def added_amounts(
    session: Session,
    *,
    meter: str,
    first_day: int,
    last_day: int,
    filters: Mapping[str, Sequence[str]],
    group_by: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Return (*group values, amount added on the days from first_day to last_day)."""
    m = columns(MeterDay)
    groups = [m[name] for name in group_by]
    stmt = select(*groups, func.coalesce(func.sum(m.value), 0)).where(
        m.meter == meter, m.day >= first_day, m.day <= last_day
    )
    for name, allowed in filters.items():
        if allowed:
            stmt = stmt.where(m[name].in_(list(allowed)))
    stmt = stmt.group_by(*groups)
    return [(*g, float(v)) for *g, v in await session.execute(stmt)]
