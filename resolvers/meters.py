"""The four billing meters: month-to-date cumulative values per UTC day."""

from dataclasses import dataclass
from datetime import datetime

from resolvers.buckets import month_start, month_starts, utc_days
from resolvers.clock import epoch_s
from resolvers.errors import NotFound
from resolvers.usage_params import TimeRange
from storage import meters as rows
from storage.engine import Database

METERS = (
    "data-export-events",
    "experimentation-keys",
    "experimentation-units",
    "service-connections",
)


@dataclass(frozen=True, slots=True)
class Interval:
    """One day (Unix s of its UTC midnight) and the meter's month-to-date value then."""

    time: int
    value: int | float


def current_month_start(now: datetime) -> int:
    """Return the start of the current UTC month, the meters' default ``from``."""
    return month_start(epoch_s(now))


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
    if meter not in METERS:
        raise NotFound(None)
    days = utc_days(span.lo, span.hi)
    async with db.session() as session:
        values = await rows.month_to_date(
            session,
            meter=meter,
            first_day=days[0],
            last_day=days[-1],
            month_starts=month_starts(days),
            project=project,
            environment=environment,
        )
    return [Interval(day, _number(value)) for day, value in values]
