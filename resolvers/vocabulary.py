"""The vocabularies of usage data, each one Python enum, defined once for every door.

GraphQL wraps these enums (``strawberry.enum``) and the vendor dialects translate their
own spellings to them at the edge; nothing restates the members.
"""

from enum import Enum


class Granularity(Enum):
    """Width of the buckets of a series."""

    MINUTELY = "minutely"
    HOURLY = "hourly"
    DAILY = "daily"


class SdkType(Enum):
    """Client-side or server-side: an SDK's type, and the source of a streaming connection."""

    CLIENT = "client"
    SERVER = "server"


class Category(Enum):
    """Where a context was seen: the MAU category."""

    BROWSER = "browser"
    MOBILE = "mobile"
    BACKEND = "backend"


class EventType(Enum):
    """Analytics events received by, or published from, the gateway."""

    RECEIVED = "received"
    PUBLISHED = "published"


class Meter(Enum):
    """A billing meter, counted per UTC day."""

    DATA_EXPORT_EVENTS = "data-export-events"
    EXPERIMENTATION_KEYS = "experimentation-keys"
    EXPERIMENTATION_UNITS = "experimentation-units"
    SERVICE_CONNECTIONS = "service-connections"


class MauAggregation(Enum):
    """Which days a day's count of active contexts covers."""

    ROLLING_30D = "rolling_30d"
    MONTH_TO_DATE = "month_to_date"
    DAILY_INCREMENTAL = "daily_incremental"


class Measure(Enum):
    """What a usage series counts."""

    EVALUATIONS = "evaluations"
    EVENTS = "events"
    STREAM_CONNECTIONS = "stream_connections"
    MAU = "mau"
    DATA_EXPORT_EVENTS = Meter.DATA_EXPORT_EVENTS.value
    EXPERIMENTATION_KEYS = Meter.EXPERIMENTATION_KEYS.value
    EXPERIMENTATION_UNITS = Meter.EXPERIMENTATION_UNITS.value
    SERVICE_CONNECTIONS = Meter.SERVICE_CONNECTIONS.value

    @property
    def meter(self) -> Meter | None:
        """Return the meter this measure reads, or None for the other measures."""
        return next((m for m in Meter if m.value == self.value), None)


class Dimension(Enum):
    """A label usage can be filtered and grouped by."""

    PROJECT = "project"
    ENVIRONMENT = "environment"
    FLAG = "flag"
    VARIATION = "variation"
    SDK = "sdk"
    SDK_VERSION = "sdk_version"
    SDK_TYPE = "sdk_type"
    CATEGORY = "category"
    CONTEXT_KIND = "context_kind"
    ANONYMOUS = "anonymous"
    EVENT_TYPE = "event_type"
    SOURCE = "source"


_METER_DIMENSIONS = frozenset({Dimension.PROJECT, Dimension.ENVIRONMENT})

# Which labels each measure is stored with, so can be filtered and grouped by.
DIMENSIONS: dict[Measure, frozenset[Dimension]] = {
    Measure.EVALUATIONS: frozenset(
        {
            Dimension.PROJECT,
            Dimension.ENVIRONMENT,
            Dimension.FLAG,
            Dimension.VARIATION,
            Dimension.SDK,
            Dimension.SDK_VERSION,
        }
    ),
    Measure.EVENTS: frozenset({Dimension.EVENT_TYPE}),
    Measure.STREAM_CONNECTIONS: frozenset({Dimension.SOURCE, Dimension.SDK, Dimension.SDK_VERSION}),
    Measure.MAU: frozenset(
        {
            Dimension.PROJECT,
            Dimension.ENVIRONMENT,
            Dimension.SDK,
            Dimension.SDK_TYPE,
            Dimension.CATEGORY,
            Dimension.CONTEXT_KIND,
            Dimension.ANONYMOUS,
        }
    ),
    **{m: _METER_DIMENSIONS for m in Measure if m.meter is not None},
}


class SeriesOrder(Enum):
    """How grouped series are ordered (ties on the total go by labels)."""

    TOTAL_DESC = "total_desc"
    TOTAL_ASC = "total_asc"
    LABELS = "labels"


class FlagOrder(Enum):
    """How flags are listed (ties go by project, environment and key)."""

    EVALUATIONS_DESC = "evaluations_desc"
    LAST_EVALUATED_DESC = "last_evaluated_desc"
    KEY = "key"


class TokenKind(Enum):
    """What a token may do: everything, read, or only ingest."""

    ADMIN = "admin"
    READ = "read"
    INGEST = "ingest"


def values(vocabulary: type[Enum]) -> tuple[str, ...]:
    """Return the wire spellings of a vocabulary, in declaration order."""
    return tuple(str(member.value) for member in vocabulary)
