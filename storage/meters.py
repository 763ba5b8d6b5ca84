"""Billing meters read back as month-to-date cumulative daily values."""

from collections.abc import Sequence

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
    days = days_cte(first=first_day, last=last_day)
    m = columns(MeterDay)
    on = [
        m.meter == meter,
        m.day <= days.c.day,
        m.day >= month_start_of(days.c.day, month_starts),
    ]
    if project is not None and environment is not None:
        on += [m.project == project, m.environment == environment]
    stmt = (
        select(days.c.day, func.coalesce(func.sum(m.value), 0))
        .select_from(days.outerjoin(table(MeterDay), and_(*on)))
        .group_by(days.c.day)
        .order_by(days.c.day)
    )
    return [(int(d), float(v)) for d, v in await session.execute(stmt)]
