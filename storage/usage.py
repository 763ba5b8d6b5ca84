"""Writes of pre-aggregated usage facts."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from storage.engine import Session
from storage.tables import (
    ContextDay,
    EvaluationBucket,
    EventBucket,
    FlagVariation,
    InstanceStatistics,
    MeterDay,
    StreamBucket,
)
from storage.upsert import Merge, upsert_rows

# Rows are named tuples: written as they are, column by column, without a dict per row.


class EvaluationCount(NamedTuple):
    project: str
    environment: str
    flag: str
    width: int
    start: int
    variation: int
    sdk: str
    sdk_version: str
    count: int  # type: ignore[assignment]  # the column's name; shadows tuple.count


class VariationSeen(NamedTuple):
    project: str
    environment: str
    flag: str
    variation: int
    value_json: str | None
    first_seen: datetime
    last_seen: datetime


class EventCount(NamedTuple):
    event_type: str
    width: int
    start: int
    count: int  # type: ignore[assignment]  # the column's name; shadows tuple.count


class StreamPeak(NamedTuple):
    source: str
    width: int
    start: int
    sdk: str
    sdk_version: str
    connections: int


class MeterIncrement(NamedTuple):
    meter: str
    day: int
    project: str
    environment: str
    value: float


class ContextSeen(NamedTuple):
    day: int
    context_hash: str
    context_kind: str
    anonymous: bool
    project: str
    environment: str
    sdk: str
    sdk_type: str
    category: str


_EVALUATION_KEYS = (
    "project",
    "environment",
    "flag",
    "width",
    "start",
    "variation",
    "sdk",
    "sdk_version",
)
_VARIATION_KEYS = ("project", "environment", "flag", "variation")
_STREAM_KEYS = ("source", "width", "start", "sdk", "sdk_version")
_CONTEXT_KEYS = (
    "day",
    "context_hash",
    "project",
    "environment",
    "sdk",
    "sdk_type",
    "category",
    "context_kind",
    "anonymous",
)


async def add_evaluation_counts(session: Session, *, rows: Sequence[EvaluationCount]) -> None:
    """Add evaluation counts into their buckets."""
    await upsert_rows(
        session,
        EvaluationBucket,
        rows,
        columns=EvaluationCount._fields,
        keys=_EVALUATION_KEYS,
        merge={"count": Merge.ADD},
    )


async def note_variations(session: Session, *, rows: Sequence[VariationSeen]) -> None:
    """Remember variations seen, keeping the newest known value of each."""
    merge = {"value_json": Merge.NEWEST, "first_seen": Merge.EARLIEST, "last_seen": Merge.LATEST}
    await upsert_rows(
        session,
        FlagVariation,
        rows,
        columns=VariationSeen._fields,
        keys=_VARIATION_KEYS,
        merge=merge,
        newest_by="last_seen",
    )


async def add_event_counts(session: Session, *, rows: Sequence[EventCount]) -> None:
    """Add event counts into their buckets."""
    await upsert_rows(
        session,
        EventBucket,
        rows,
        columns=EventCount._fields,
        keys=("event_type", "width", "start"),
        merge={"count": Merge.ADD},
    )


async def observe_stream_peaks(session: Session, *, rows: Sequence[StreamPeak]) -> None:
    """Raise each bucket's connection peak to the observed value where it is higher."""
    await upsert_rows(
        session,
        StreamBucket,
        rows,
        columns=StreamPeak._fields,
        keys=_STREAM_KEYS,
        merge={"connections": Merge.PEAK},
    )


async def add_meter_increments(session: Session, *, rows: Sequence[MeterIncrement]) -> None:
    """Add meter increments into their UTC days."""
    await upsert_rows(
        session,
        MeterDay,
        rows,
        columns=MeterIncrement._fields,
        keys=("meter", "day", "project", "environment"),
        merge={"value": Merge.ADD},
    )


async def note_contexts(session: Session, *, rows: Sequence[ContextSeen]) -> None:
    """Record that contexts were active on days; seeing one again changes nothing."""
    await upsert_rows(
        session, ContextDay, rows, columns=ContextSeen._fields, keys=_CONTEXT_KEYS, merge={}
    )


async def is_empty(session: Session) -> bool:
    """Return whether no usage facts and no statistics documents are stored."""
    for model in (EvaluationBucket, ContextDay, StreamBucket, InstanceStatistics):
        result = await session.execute(select(model.id).limit(1))  # type: ignore[call-overload]
        if result.first() is not None:
            return False
    return True
