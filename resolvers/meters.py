"""The four billing meters: month-to-date cumulative values per UTC day."""

from dataclasses import dataclass
from datetime import datetime

from resolvers.buckets import month_start, month_starts, utc_days
from resolvers.clock import epoch_s
from resolvers.errors import NotFound
from resolvers.usage_params import Query, TimeRange, meter_range, meter_scope
from resolvers.vocabulary import Meter, values
from storage import meters as rows
from storage.engine import Database


@dataclass(frozen=True, slots=True)
class Interval:
    """One day (Unix s of its UTC midnight) and the meter's month-to-date value then."""

    time: int
    value: int | float


def current_month_start(now: datetime) -> int:
    """Return the start of the current UTC month, the meters' default ``from``."""
    return month_start(epoch_s(now))


@dataclass(frozen=True, slots=True)
class MeterQuery:
    """A meter request: its range (Unix s) and optional project/environment scope."""

    span: TimeRange
    project: str | None
    environment: str | None


def parse_meter_query(query: Query, *, now: datetime) -> MeterQuery:
    """Return the meter request a query string describes, or raise InvalidRequest.

    ``from`` defaults to the start of the current UTC month; the range spans at most 31
    days; ``projectKey`` and ``environmentKey`` come together or not at all.
    """
    span = meter_range(query, now=now, month_start=current_month_start(now))
    project, environment = meter_scope(query)
    return MeterQuery(span, project, environment)


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


async def meter_intervals(
    db: Database,
    *,
    meter: str,
    span: TimeRange,
    project: str | None = None,
    environment: str | None = None,
) -> list[Interval]:
    """Return a month-to-date cumulative value for every UTC day of the range."""
    if meter not in values(Meter):
        raise NotFound(None)
    days = utc_days(span.lo, span.hi)
    async with db.session() as session:
        found = await rows.month_to_date(
            session,
            meter=meter,
            first_day=days[0],
            last_day=days[-1],
            month_starts=month_starts(days),
            project=project,
            environment=environment,
        )
    return [Interval(day, _number(value)) for day, value in found]
