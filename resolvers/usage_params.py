"""Vendor query parameters of the usage API: units, defaults, validation (docs/formats.md §2.3).

A query arrives as a mapping of each key to all its values, since repeated keys mean
several values. Every problem is an InvalidRequest whose message starts with the
parameter's name.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from resolvers.clock import epoch_s
from resolvers.errors import Forbidden, InvalidRequest

Query = Mapping[str, Sequence[str]]

MS = 1000
MAX_METER_RANGE_S = 31 * 86_400
# How far back ``from`` defaults, per route (docs/formats.md §2.3).
DEFAULT_SPANS = {
    "evaluations": timedelta(days=30),
    "events": timedelta(days=1),
    "streams": timedelta(days=30),
    "bysdkversion": timedelta(days=1),
    "mau": timedelta(days=30),
    "mau/bycategory": timedelta(days=30),
    "mau/sdks": timedelta(days=7),
}


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A requested range in Unix seconds, both ends included."""

    lo: int
    hi: int


def one(query: Query, name: str) -> str | None:
    """Return the single value of a parameter, None if absent; several values are a 400."""
    values = query.get(name, ())
    if len(values) > 1:
        raise InvalidRequest(f"{name}: expected one value, got {len(values)}")
    return values[0] if values else None


def choice(query: Query, name: str, allowed: Sequence[str]) -> str | None:
    """Return the single value of an enumerated parameter, or None if absent."""
    value = one(query, name)
    if value is not None and value not in allowed:
        raise InvalidRequest(f"{name}: must be one of {', '.join(allowed)}, not {value!r}")
    return value


def choices(query: Query, name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """Return every value of a repeatable enumerated parameter, in order, without repeats."""
    values = tuple(dict.fromkeys(query.get(name, ())))
    for value in values:
        if value not in allowed:
            raise InvalidRequest(f"{name}: must be one of {', '.join(allowed)}, not {value!r}")
    return values


def texts(query: Query, name: str) -> tuple[str, ...]:
    """Return every value of a repeatable free-text parameter, without repeats."""
    return tuple(dict.fromkeys(query.get(name, ())))


def _timestamp(query: Query, name: str) -> int | None:
    raw = one(query, name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise InvalidRequest(f"{name}: must be a non-negative integer timestamp, not {raw!r}")
    return int(raw)


def time_range(
    query: Query, *, now: datetime, default_from: int, milliseconds: bool = True
) -> TimeRange:
    """Return from/to in Unix seconds; ``to`` defaults to now and is clipped to it."""
    per_second = MS if milliseconds else 1
    now_s = epoch_s(now)
    lo, hi = _timestamp(query, "from"), _timestamp(query, "to")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidRequest("from: must not be after to")
    lo = default_from if lo is None else lo // per_second
    hi = now_s if hi is None else min(hi // per_second, now_s)
    if lo > hi:
        raise InvalidRequest("from: must not be in the future")
    return TimeRange(lo, hi)


def usage_range(query: Query, *, now: datetime, route: str) -> TimeRange:
    """Return from/to (milliseconds on the wire) with the route's default ``from``."""
    return time_range(query, now=now, default_from=epoch_s(now - DEFAULT_SPANS[route]))


def meter_range(query: Query, *, now: datetime, month_start: int) -> TimeRange:
    """Return a meter range (Unix seconds), at most 31 days long."""
    span = time_range(query, now=now, default_from=month_start, milliseconds=False)
    if span.hi - span.lo > MAX_METER_RANGE_S:
        raise InvalidRequest("from: the range from from to to may span at most 31 days")
    return span


def meter_scope(query: Query) -> tuple[str | None, str | None]:
    """Return (projectKey, environmentKey); one without the other is a 400."""
    project, environment = one(query, "projectKey"), one(query, "environmentKey")
    if project is not None and environment is None:
        raise InvalidRequest("environmentKey: required when projectKey is given")
    if environment is not None and project is None:
        raise InvalidRequest("projectKey: required when environmentKey is given")
    return project, environment


def zone(query: Query) -> ZoneInfo:
    """Return the ``tz`` zone (default UTC); an unknown name is a 400."""
    name = one(query, "tz")
    if name is None:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidRequest(f"tz: unknown time zone {name!r}") from None


BETA_MESSAGE = (
    "This API is in beta. To use it, your request must include the header `LD-API-Version: beta`."
)


def check_beta(header_values: Sequence[str]) -> None:
    """Raise Forbidden unless the first LD-API-Version value is ``beta``."""
    first = header_values[0].split(",")[0].strip() if header_values else None
    if first != "beta":
        raise Forbidden(BETA_MESSAGE)
