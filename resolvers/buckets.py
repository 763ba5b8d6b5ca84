"""Output time grids: granularity by the age of ``from``, and bucket boundaries in a zone.

A grid is the list of [lo, hi) UTC boundaries covering every instant of a requested
range: the first bucket holds ``from`` and the last holds ``to``. Daily and hourly
buckets break at local midnights and hours of an IANA zone; every modern offset is a
multiple of 15 minutes, so each boundary falls on a stored quarter-hour.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resolvers.errors import InvalidRequest
from resolvers.vocabulary import Granularity
from storage.series import Run
from storage.tables import DAY, MINUTE, QUARTER

HOUR = 3600
UTC_ZONE = ZoneInfo("UTC")
MINUTELY_WITHIN = 2 * HOUR
HOURLY_WITHIN = 2 * DAY


@dataclass(frozen=True, slots=True)
class Grid:
    """Consecutive buckets: ``starts[i]`` to ``starts[i+1]`` (the last one ends at ``end``)."""

    granularity: Granularity
    starts: tuple[int, ...]
    end: int

    @property
    def source_width(self) -> int:
        """The stored bucket width this grid is cut from."""
        return MINUTE if self.granularity is Granularity.MINUTELY else QUARTER

    def runs(self) -> list[Run]:
        """Return the grid as runs of equal-width buckets, for SQL grouping."""
        bounds = (*self.starts, self.end)
        runs: list[Run] = []
        for lo, hi in itertools.pairwise(bounds):
            last = runs[-1] if runs else None
            if last is not None and last.width == hi - lo:
                runs[-1] = Run(last.lo, last.width, last.count + 1)
            else:
                runs.append(Run(lo, hi - lo, 1))
        return runs


def zone_named(name: str | None) -> ZoneInfo:
    """Return the IANA zone of a ``tz`` parameter (UTC when absent); an unknown name is a 400."""
    if name is None:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidRequest(f"tz: unknown time zone {name!r}") from None


def granularity_for(from_s: int, now_s: int) -> Granularity:
    """Return minutely within the last 2 hours, hourly within 2 days, else daily."""
    age = now_s - from_s
    if age <= MINUTELY_WITHIN:
        return Granularity.MINUTELY
    if age <= HOURLY_WITHIN:
        return Granularity.HOURLY
    return Granularity.DAILY


def _midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), tzinfo=zone).timestamp())


def _daily(lo: int, hi: int, zone: ZoneInfo) -> tuple[list[int], int]:
    day = datetime.fromtimestamp(lo, zone).date()
    starts: list[int] = []
    while (start := _midnight(day, zone)) <= hi:
        starts.append(start)
        day += timedelta(days=1)
    return starts, start


def _is_local_hour(moment: int, zone: ZoneInfo) -> bool:
    local = datetime.fromtimestamp(moment, zone)
    return local.minute == 0 and local.second == 0


def _next_hour(moment: int, zone: ZoneInfo, step: int) -> int:
    # A local hour starts within 4 quarters; a (historical) offset that is not a
    # multiple of 15 minutes has none on a quarter, so fall back to UTC hours.
    for i in range(4):
        if _is_local_hour(moment + i * step, zone):
            return moment + i * step
    floor = moment - moment % HOUR
    return floor if step < 0 or floor == moment else floor + HOUR


def _hourly(lo: int, hi: int, zone: ZoneInfo) -> tuple[list[int], int]:
    moment = _next_hour(lo - lo % QUARTER, zone, -QUARTER)
    starts = []
    while moment <= hi:
        starts.append(moment)
        moment = _next_hour(moment + QUARTER, zone, QUARTER)
    return starts, moment


def _minutely(lo: int, hi: int) -> tuple[list[int], int]:
    first, last = lo - lo % MINUTE, hi - hi % MINUTE
    return list(range(first, last + MINUTE, MINUTE)), last + MINUTE


def grid(granularity: Granularity, lo: int, hi: int, zone: ZoneInfo = UTC_ZONE) -> Grid:
    """Return the buckets of a granularity covering Unix seconds ``lo`` through ``hi``."""
    if granularity is Granularity.DAILY:
        starts, end = _daily(lo, hi, zone)
    elif granularity is Granularity.HOURLY:
        starts, end = _hourly(lo, hi, zone)
    else:
        starts, end = _minutely(lo, hi)
    return Grid(granularity, tuple(starts), end)


def utc_days(lo: int, hi: int) -> list[int]:
    """Return the UTC midnights (Unix s) of every day from the one holding lo to hi's."""
    return list(range(lo - lo % DAY, hi - hi % DAY + DAY, DAY))


def month_start(day: int) -> int:
    """Return the UTC start (Unix s) of the month holding ``day``."""
    moment = datetime.fromtimestamp(day, UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())


def month_starts(days: list[int]) -> list[int]:
    """Return the distinct month starts of a list of days."""
    return sorted({month_start(d) for d in days})
