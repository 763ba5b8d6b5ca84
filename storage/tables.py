"""SQLModel tables: the whole persistent model of the gateway.

Usage facts are pre-aggregated at write time into buckets keyed by their start in
Unix seconds. Two widths are kept (see ``BUCKET_WIDTHS``): minute buckets for the
recent past, and quarter-hour buckets for all history. Every IANA zone in use today
has an offset that is a multiple of 15 minutes (Asia/Kathmandu is +05:45), so a
quarter-hour bucket never straddles a local midnight and daily series can be cut at
any zone's midnight exactly. Integer epochs keep bucket arithmetic portable between
SQLite and PostgreSQL.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

MINUTE = 60
QUARTER = 900
BUCKET_WIDTHS = (MINUTE, QUARTER)
DAY = 86_400


class EvaluationBucket(SQLModel, table=True):
    """Flag evaluations counted per bucket, flag, variation and SDK."""

    __tablename__ = "evaluation_buckets"
    __table_args__ = (
        UniqueConstraint(
            "project",
            "environment",
            "flag",
            "width",
            "start",
            "variation",
            "sdk",
            "sdk_version",
            name="uq_evaluation_buckets",
        ),
        # Totals of every flag over a window of starts (the flags page). Without `count`,
        # so adding to a bucket stays a heap-only update on PostgreSQL (see
        # benchmarks/flag_index.py for both sides of that trade).
        Index(
            "ix_evaluation_buckets_window",
            "width",
            "start",
            "project",
            "environment",
            "flag",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project: str
    environment: str
    flag: str
    width: int
    start: int = Field(sa_column=Column(BigInteger, nullable=False))
    variation: int
    sdk: str = ""
    sdk_version: str = ""
    count: int = Field(sa_column=Column(BigInteger, nullable=False))


class FlagVariation(SQLModel, table=True):
    """Every variation ever seen for a flag, with its latest known value as JSON text."""

    __tablename__ = "flag_variations"
    __table_args__ = (
        UniqueConstraint("project", "environment", "flag", "variation", name="uq_flag_variations"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project: str
    environment: str
    flag: str
    variation: int
    value_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class EventBucket(SQLModel, table=True):
    """Analytics events counted per bucket and event type (received / published)."""

    __tablename__ = "event_buckets"
    __table_args__ = (
        UniqueConstraint("event_type", "width", "start", name="uq_event_buckets"),
        # Retention deletes one width's old buckets (storage/retention.py).
        Index("ix_event_buckets_width_start", "width", "start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_type: str
    width: int
    start: int = Field(sa_column=Column(BigInteger, nullable=False))
    count: int = Field(sa_column=Column(BigInteger, nullable=False))


class StreamBucket(SQLModel, table=True):
    """Peak concurrent streaming connections per bucket, source, SDK and version (a gauge)."""

    __tablename__ = "stream_buckets"
    __table_args__ = (
        UniqueConstraint(
            "source", "width", "start", "sdk", "sdk_version", name="uq_stream_buckets"
        ),
        Index("ix_stream_buckets_width_start", "width", "start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    width: int
    start: int = Field(sa_column=Column(BigInteger, nullable=False))
    sdk: str
    sdk_version: str
    connections: int = Field(sa_column=Column(BigInteger, nullable=False))


class MeterDay(SQLModel, table=True):
    """Daily (UTC) increments of a billing meter; project and environment '' mean unscoped."""

    __tablename__ = "meter_days"
    __table_args__ = (
        UniqueConstraint("meter", "day", "project", "environment", name="uq_meter_days"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meter: str
    day: int = Field(sa_column=Column(BigInteger, nullable=False))
    project: str = ""
    environment: str = ""
    value: float


class ContextDay(SQLModel, table=True):
    """One row per context seen on a UTC day with a given set of MAU dimensions.

    Only a SHA-256 digest of the context kind and key is stored, never the key itself.
    Distinct counts over any window of days are then exact.
    """

    __tablename__ = "context_days"
    __table_args__ = (
        UniqueConstraint(
            "day",
            "context_hash",
            "project",
            "environment",
            "sdk",
            "sdk_type",
            "category",
            "context_kind",
            "anonymous",
            name="uq_context_days",
        ),
        Index("ix_context_days_day_hash", "day", "context_hash"),
        Index("ix_context_days_hash_day", "context_hash", "day"),
        Index(
            "ix_context_days_unlinked",
            "context_hash",
            sqlite_where=text("linked = 0"),
            postgresql_where=text("linked = false"),
        ),
        Index(
            "ix_context_days_uncounted",
            "day",
            sqlite_where=text("counted = 0"),
            postgresql_where=text("counted = false"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: int = Field(sa_column=Column(BigInteger, nullable=False))
    context_hash: str = Field(max_length=64)
    context_kind: str
    anonymous: bool
    project: str
    environment: str
    sdk: str
    sdk_type: str
    category: str
    # Written by the linker (storage.mau_links), never by ingestion: the days this context
    # was last and is next seen (any dimensions), whether they are up to date (``linked``),
    # and whether this row's runs are summed in mau_days (``counted``: its context was
    # only ever seen with one set of dimensions).
    prev_day: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    next_day: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    linked: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    counted: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # Which dimensions differ between the context's rows (a bit per storage.mau_links
    # DIMENSIONS entry): a query that neither filters nor groups by them can use the
    # neighbour days as they are.
    varies: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )


class MauDay(SQLModel, table=True):
    """Per UTC day and set of MAU dimensions: linked contexts seen, and runs starting or ending.

    Sums over the ``counted`` rows of context_days (contexts seen with one set of dimensions
    only), kept by the linker: ``contexts`` seen that day, ``rolling_starts`` (not seen in the
    29 days before), ``rolling_ends`` (not seen in the 29 days after), ``month_starts`` (first
    seen in the month).
    """

    __tablename__ = "mau_days"
    __table_args__ = (
        UniqueConstraint(
            "day",
            "project",
            "environment",
            "sdk",
            "sdk_type",
            "category",
            "context_kind",
            "anonymous",
            name="uq_mau_days",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: int = Field(sa_column=Column(BigInteger, nullable=False))
    project: str
    environment: str
    sdk: str
    sdk_type: str
    category: str
    context_kind: str
    anonymous: bool
    contexts: int = Field(sa_column=Column(BigInteger, nullable=False))
    rolling_starts: int = Field(sa_column=Column(BigInteger, nullable=False))
    rolling_ends: int = Field(sa_column=Column(BigInteger, nullable=False))
    month_starts: int = Field(sa_column=Column(BigInteger, nullable=False))


class InstanceStatistics(SQLModel, table=True):
    """One Unleash instance-statistics document per instance and collection time."""

    __tablename__ = "instance_statistics"
    __table_args__ = (UniqueConstraint("instance_id", "taken_at", name="uq_instance_statistics"),)

    id: int | None = Field(default=None, primary_key=True)
    instance_id: str = Field(index=True)
    taken_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    document: str = Field(sa_column=Column(Text, nullable=False))
    source: str
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class UpstreamStatus(SQLModel, table=True):
    """What the statistics collector last saw from each upstream Unleash server."""

    __tablename__ = "upstream_status"

    name: str = Field(primary_key=True)
    url: str
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_success_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_error_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    consecutive_failures: int = 0


class ApiToken(SQLModel, table=True):
    """An API token; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str
    secret_hash: str = Field(max_length=64, unique=True)
    project: str | None = None
    environment: str | None = None
    # Public client-side ID of a scoped ingest token (browser SDKs put it in the URL).
    client_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class IngestBatch(SQLModel, table=True):
    """An acknowledged batch, remembered by its idempotency key so a retry counts once."""

    __tablename__ = "ingest_batches"
    __table_args__ = (UniqueConstraint("token_id", "idempotency_key", name="uq_ingest_batches"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_tokens.id")
    idempotency_key: str = Field(max_length=200)
    accepted: int
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ClientApplication(SQLModel, table=True):
    """An SDK instance that registered itself (Unleash client API or LaunchDarkly diagnostics)."""

    __tablename__ = "client_applications"
    __table_args__ = (
        UniqueConstraint("app_name", "instance_id", "environment", name="uq_client_applications"),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_name: str
    instance_id: str
    environment: str
    sdk: str
    sdk_version: str
    interval_ms: int | None = None
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Lease(SQLModel, table=True):
    """A duty that one process of the deployment performs, held until ``expires_ms``."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True)
    holder: str
    expires_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
