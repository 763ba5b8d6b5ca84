"""Requested time ranges: the defaults, clipping and bounds that every door applies.

A door turns its own spelling of a range (Unix milliseconds on LaunchDarkly's routes,
Unix seconds on its meters, date-times in GraphQL) into whole Unix seconds and asks here;
every problem is an InvalidRequest whose message starts with the parameter's name.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resolvers.buckets import month_start
from resolvers.clock import epoch_s
from resolvers.errors import InvalidRequest
from resolvers.vocabulary import Granularity, Measure

DAY_S = 86_400
# How far back ``from`` defaults, as on LaunchDarkly's usage routes.
DEFAULT_SPANS = {
    Measure.EVALUATIONS: timedelta(days=30),
    Measure.EVENTS: timedelta(days=1),
    Measure.STREAM_CONNECTIONS: timedelta(days=30),
    Measure.MAU: timedelta(days=30),
}
STREAM_VERSIONS_SPAN = timedelta(days=1)  # per-version connections: the last 24 hours
MAU_SDKS_SPAN = timedelta(days=7)
MAX_METER_SPAN_S = 31 * DAY_S
# One series holds at most this many buckets: 27 years of days, 13 months of hours. A
# longer one is refused before any work, so no request can pin the database or the
# process by asking for decades at a fine grain.
MAX_BUCKETS = 10_000
APPROXIMATE_WIDTH_S = {Granularity.MINUTELY: 60, Granularity.HOURLY: 3600, Granularity.DAILY: DAY_S}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A requested range in Unix seconds, both ends included."""

    lo: int
    hi: int


def seconds(moment: datetime | None) -> int | None:
    """Return whole Unix seconds of a date-time (one without a zone is UTC), or None."""
    if moment is None:
        return None
    return epoch_s(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def requested(
    lo: int | None, hi: int | None, *, now: datetime, default_from: int, per_second: int = 1
) -> TimeRange:
    """Return the range from/to ask for: ``to`` defaults to now and is clipped to it.

    ``lo`` and ``hi`` count ``per_second`` units a second (1000 for Unix ms); the range
    returned is in whole Unix seconds.
    """
    now_s = epoch_s(now)
    if lo is not None and hi is not None and lo > hi:
        raise InvalidRequest("from: must not be after to")
    lo = default_from if lo is None else lo // per_second
    hi = now_s if hi is None else min(hi // per_second, now_s)
    if lo > hi:
        raise InvalidRequest("from: must not be in the future")
    return TimeRange(lo, hi)


def usage_span(
    lo: int | None, hi: int | None, *, now: datetime, default: timedelta, per_second: int = 1
) -> TimeRange:
    """Return a usage range whose ``from`` defaults to ``default`` before now."""
    return requested(lo, hi, now=now, default_from=epoch_s(now - default), per_second=per_second)


def meter_span(lo: int | None, hi: int | None, *, now: datetime) -> TimeRange:
    """Return a meter range: from the 1st of the month by default, at most 31 days long."""
    span = requested(lo, hi, now=now, default_from=month_start(epoch_s(now)))
    if span.hi - span.lo > MAX_METER_SPAN_S:
        raise InvalidRequest("from: the range from from to to may span at most 31 days")
    return span


def check_buckets(span: TimeRange, granularity: Granularity) -> None:
    """Raise InvalidRequest, naming the limit, when a series would pass MAX_BUCKETS."""
    buckets = (span.hi - span.lo) // APPROXIMATE_WIDTH_S[granularity] + 1
    if buckets > MAX_BUCKETS:
        raise InvalidRequest(
            f"from: the range holds about {buckets} {granularity.value} buckets; a series "
            f"holds at most {MAX_BUCKETS}: narrow the range or choose a coarser granularity"
        )
