"""Typed time ranges: the usage API's range rules for callers that hold datetimes."""

from datetime import datetime, timedelta

from resolvers.clock import epoch_s
from resolvers.errors import InvalidRequest
from resolvers.usage_params import MAX_METER_RANGE_S, TimeRange


def span_of(
    start: datetime | None, end: datetime | None, *, now: datetime, default_from: int
) -> TimeRange:
    """Return [start, end] in Unix seconds; ``end`` defaults to now and is clipped to it."""
    if start is not None and end is not None and start > end:
        raise InvalidRequest("from: must not be after to")
    now_s = epoch_s(now)
    lo = default_from if start is None else epoch_s(start)
    hi = now_s if end is None else min(epoch_s(end), now_s)
    if lo > hi:
        raise InvalidRequest("from: must not be in the future")
    return TimeRange(lo, hi)


def recent_span(
    start: datetime | None, end: datetime | None, *, now: datetime, default: timedelta
) -> TimeRange:
    """Return the range, ``start`` defaulting to ``default`` before now."""
    return span_of(start, end, now=now, default_from=epoch_s(now - default))


def check_meter_span(span: TimeRange) -> TimeRange:
    """Return a meter range unchanged, or raise InvalidRequest past 31 days."""
    if span.hi - span.lo > MAX_METER_RANGE_S:
        raise InvalidRequest("from: the range from from to to may span at most 31 days")
    return span
