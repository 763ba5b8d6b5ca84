"""The four billing meters: month-to-date cumulative values per UTC day."""

from dataclasses import dataclass

from resolvers.buckets import month_starts, utc_days
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.vocabulary import Meter
from storage import meters as rows


@dataclass(frozen=True, slots=True)
class Interval:
    """One day (Unix s of its UTC midnight) and the meter's month-to-date value then."""

    time: int
    value: int | float


@dataclass(frozen=True, slots=True)
class MeterQuery:
    """A meter request: the meter, its range (Unix s) and an optional project/environment."""

    meter: Meter
    span: TimeRange
    project: str | None = None
    environment: str | None = None


def meter_scope(
    project: str | None,
    environment: str | None,
    *,
    names: tuple[str, str] = ("project", "environment"),
) -> tuple[str | None, str | None]:
    """Return the scope; a project without an environment (or the reverse) is a 400.

    ``names`` are the door's names of the two parameters, for the message.
    """
    if project is not None and environment is None:
        raise InvalidRequest(f"{names[1]}: required when {names[0]} is given")
    if environment is not None and project is None:
        raise InvalidRequest(f"{names[0]}: required when {names[1]} is given")
    return project, environment


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


async def meter_intervals(db: Database, query: MeterQuery) -> list[Interval]:
    """Return a month-to-date cumulative value for every UTC day of the range.

    Without a project and environment every row counts, scoped or not.
    """
    days = utc_days(query.span.lo, query.span.hi)
    async with db.session() as session:
        found = await rows.month_to_date(
            session,
            meter=query.meter.value,
            first_day=days[0],
            last_day=days[-1],
            month_starts=month_starts(days),
            project=query.project,
            environment=query.environment,
        )
    return [Interval(day, _number(value)) for day, value in found]
