"""UTC day grids in SQL: a recursive CTE of days and the month each day belongs to."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CTE, BigInteger, ColumnElement, case, literal, select

from storage.tables import DAY


def days_cte(*, first: int, last: int, name: str = "days") -> CTE:
    """Return a CTE with one ``day`` row (Unix s of a UTC midnight) from first to last."""
    base = select(literal(first, BigInteger).label("day")).cte(name, recursive=True)
    step = select((base.c.day + DAY).label("day")).where(base.c.day + DAY <= last)
    return base.union_all(step)


def month_start_of(day: Any, month_starts: Sequence[int]) -> ColumnElement[int]:
    """Return the start of the month holding ``day``, given every month start of the range."""
    ordered = sorted(month_starts, reverse=True)
    return case(*[(day >= m, literal(m, BigInteger)) for m in ordered], else_=ordered[-1])


def month_starts_between(first: int, last: int) -> list[int]:
    """Return the UTC month starts (Unix s) of every month from first's to last's."""
    out = []
    moment = datetime.fromtimestamp(first, UTC).replace(day=1, hour=0, minute=0, second=0)
    while int(moment.timestamp()) <= last:
        out.append(int(moment.timestamp()))
        moment = moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)
    return out
