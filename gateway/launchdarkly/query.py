"""LaunchDarkly's query strings: repeated keys, Unix-ms times, enum spellings, the beta header.

A query arrives as a mapping of each key to all its values, since repeated keys mean
several values (``?sdk=Go&sdk=Node.js``). Parsing turns it into the typed queries of
resolvers; every problem is an InvalidRequest whose message starts with the parameter.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar

from resolvers import ranges
from resolvers.errors import Forbidden, InvalidRequest
from resolvers.mau import MauQuery
from resolvers.meters import MeterQuery, meter_scope
from resolvers.ranges import TimeRange
from resolvers.vocabulary import Dimension, MauAggregation, Measure, Meter, SdkType

Query = Mapping[str, Sequence[str]]
E = TypeVar("E", bound=Enum)
T = TypeVar("T")

MS = 1000
# LaunchDarkly's spelling of each MAU dimension, in its documented order.
MAU_GROUPS = {
    "project": Dimension.PROJECT,
    "environment": Dimension.ENVIRONMENT,
    "sdktype": Dimension.SDK_TYPE,
    "sdk": Dimension.SDK,
    "anonymous": Dimension.ANONYMOUS,
    "contextKind": Dimension.CONTEXT_KIND,
}
# LaunchDarkly's client also offers these; we keep no such dimension, so they are a 400.
UNSUPPORTED_GROUPS = ("sdkAppId",)
BETA_MESSAGE = (
    "This API is in beta. To use it, your request must include the header `LD-API-Version: beta`."
)


def one(query: Query, name: str) -> str | None:
    """Return the single value of a parameter, None if absent; several values are a 400."""
    values = query.get(name, ())
    if len(values) > 1:
        raise InvalidRequest(f"{name}: expected one value, got {len(values)}")
    return values[0] if values else None


def _member(name: str, value: str, spellings: Mapping[str, T]) -> T:
    try:
        return spellings[value]
    except KeyError:
        allowed = ", ".join(spellings)
        raise InvalidRequest(f"{name}: must be one of {allowed}, not {value!r}") from None


def spellings(vocabulary: type[E]) -> dict[str, E]:
    """Return a vocabulary's members by their wire value (LaunchDarkly spells them so)."""
    return {str(member.value): member for member in vocabulary}


def choice(query: Query, name: str, allowed: Mapping[str, T]) -> T | None:
    """Return the member a single enumerated parameter names, or None if absent."""
    value = one(query, name)
    return None if value is None else _member(name, value, allowed)


def choices(query: Query, name: str, allowed: Mapping[str, T]) -> tuple[T, ...]:
    """Return the members a repeatable enumerated parameter names, in order, without repeats."""
    return tuple(dict.fromkeys(_member(name, v, allowed) for v in query.get(name, ())))


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


def usage_range(query: Query, *, now: datetime, default: timedelta) -> TimeRange:
    """Return from/to, given in Unix milliseconds, with the route's default ``from``."""
    lo, hi = _timestamp(query, "from"), _timestamp(query, "to")
    return ranges.usage_span(lo, hi, now=now, default=default, per_second=MS)


def zone_name(query: Query) -> str | None:
    """Return the ``tz`` parameter (an IANA zone name), if given."""
    return one(query, "tz")


def check_beta(header_values: Sequence[str]) -> None:
    """Raise Forbidden unless the first LD-API-Version value is ``beta``."""
    first = header_values[0].split(",")[0].strip() if header_values else None
    if first != "beta":
        raise Forbidden(BETA_MESSAGE)


def mau_query(query: Query, *, now: datetime) -> MauQuery:
    """Return the /mau request a query string describes, or raise InvalidRequest."""
    span = usage_range(query, now=now, default=ranges.DEFAULT_SPANS[Measure.MAU])
    for group in query.get("groupby", ()):
        if group in UNSUPPORTED_GROUPS:
            raise InvalidRequest(f"groupby: {group} is not supported by this gateway")
    anonymous = choice(query, "anonymous", {"true": True, "false": False})
    return MauQuery(
        span=span,
        projects=texts(query, "project"),
        environments=texts(query, "environment"),
        sdk_types=choices(query, "sdktype", spellings(SdkType)),
        sdks=texts(query, "sdk"),
        anonymous=anonymous,
        context_kinds=texts(query, "contextKind"),
        group_by=choices(query, "groupby", MAU_GROUPS),
        aggregation=choice(query, "aggregationType", spellings(MauAggregation))
        or MauAggregation.ROLLING_30D,
    )


def meter_query(query: Query, meter: Meter, *, now: datetime) -> MeterQuery:
    """Return a meter request: Unix-second from/to, at most 31 days; projectKey+environmentKey."""
    span = ranges.meter_span(_timestamp(query, "from"), _timestamp(query, "to"), now=now)
    project, environment = meter_scope(
        one(query, "projectKey"),
        one(query, "environmentKey"),
        names=("projectKey", "environmentKey"),
    )
    return MeterQuery(meter, span, project, environment)
