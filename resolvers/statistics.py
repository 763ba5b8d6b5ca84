"""Instance-statistics documents: the current one, one at a time, and history by step."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from resolvers.database import Database
from resolvers.errors import InvalidRequest, NotFound
from resolvers.statistics_keys import KEY_ORDER
from resolvers.statistics_time import taken_at
from storage import statistics

_KNOWN = frozenset(KEY_ORDER)
# Backfills and dashboards ask for days or hours; a step under a second means nothing here.
MIN_STEP_S = 1


@dataclass(frozen=True)
class StatisticsDocument:
    """One stored document: its fields as received, in Unleash's key order."""

    instance_id: str
    taken_at: datetime
    fields: Mapping[str, Any] = field(hash=False)
    source: str  # "ingest", "import", "demo" or "collector:<upstream>"
    received_at: datetime


@dataclass(frozen=True)
class StatisticsStep:
    """The last document taken within one step of a history."""

    start: datetime
    document: StatisticsDocument


def ordered(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the document with its keys in Unleash's order, every value untouched.

    A key Unleash 8 does not emit stays right after the known key it followed, so a
    document from a newer Unleash (with keys we do not know yet) keeps its own order.
    An unknown key that followed no known key, or followed ``sum``, goes just before
    ``sum``: ``sum`` stays the last column, as in every Unleash version.
    """
    followers: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in document:
        if key in _KNOWN:
            anchor = key
        else:
            followers.setdefault(None if anchor == "sum" else anchor, []).append(key)
    result: dict[str, Any] = {}
    for key in KEY_ORDER:
        if key == "sum":
            for orphan in followers.get(None, []):
                result[orphan] = document[orphan]
        if key in document:
            result[key] = document[key]
            for follower in followers.get(key, []):
                result[follower] = document[follower]
    return result


def document_of(row: statistics.StatisticsRow) -> StatisticsDocument:
    """Return the domain document of a stored row."""
    fields = ordered(json.loads(row.document))
    return StatisticsDocument(
        instance_id=row.instance_id,
        taken_at=row.taken_at,
        fields=MappingProxyType(fields),
        source=row.source,
        received_at=row.received_at,
    )


def statistics_row(
    document: Mapping[str, Any], *, now: datetime, source: str
) -> statistics.StatisticsRow:
    """Return the row that stores a verified document as received."""
    return statistics.StatisticsRow(
        instance_id=document["instanceId"],
        taken_at=taken_at(document, now),
        document=json.dumps(document, separators=(",", ":")),
        source=source,
        received_at=now,
    )


async def primary_instance(db: Database, *, configured: str | None = None) -> str | None:
    """Return the configured primary instance, else the one with the newest document."""
    if configured:
        return configured
    async with db.session() as session:
        row = await statistics.newest_statistics(session)
    return None if row is None else row.instance_id


async def statistics_at(
    db: Database,
    *,
    at: datetime | None = None,
    instance_id: str | None = None,
    now: datetime | None = None,
) -> StatisticsDocument | None:
    """Return the primary (or given) instance's newest document taken at or before ``at``.

    Given ``now``, the newest of all (``at`` None) comes from ``db``'s cache while no
    document was stored through this process since and the cache lifetime is not over.
    """
    if at is not None or now is None:
        return await _statistics_at(db, at=at, instance_id=instance_id)
    key = instance_id or ""
    known = db.recent_statistics.get(key, now=now)
    if known is not None:
        return known
    generation = db.recent_statistics.generation()
    document = await _statistics_at(db, at=None, instance_id=instance_id)
    if document is not None:
        db.recent_statistics.keep(key, document, now=now, generation=generation)
    return document


async def _statistics_at(
    db: Database, *, at: datetime | None, instance_id: str | None
) -> StatisticsDocument | None:
    instance = await primary_instance(db, configured=instance_id)
    if instance is None:
        return None
    async with db.session() as session:
        row = await statistics.newest_statistics(session, instance_id=instance, at=at)
    return None if row is None else document_of(row)


async def newest_statistics_of(
    db: Database, *, instance_ids: Sequence[str]
) -> dict[str, StatisticsDocument]:
    """Return the newest document of each of ``instance_ids`` that has one, in one query."""
    async with db.session() as session:
        rows = await statistics.newest_per_instance(session, instance_ids=instance_ids)
    return {row.instance_id: document_of(row) for row in rows}


async def current_statistics(
    db: Database, *, instance_id: str | None = None, now: datetime | None = None
) -> StatisticsDocument:
    """Return the newest document of the primary (or given) instance, or raise NotFound.

    Given ``now``, it may come from ``db``'s cache (see ``statistics_at``).
    """
    document = await statistics_at(db, instance_id=instance_id, now=now)
    if document is not None:
        return document
    if instance_id:
        raise NotFound(f"No instance statistics received yet for instance {instance_id!r}.")
    raise NotFound(
        "No instance statistics received yet: ingest a statistics document, "
        "import one (gateway import statistics) or configure GATEWAY_UNLEASH_UPSTREAMS."
    )


async def statistics_history(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    step: timedelta,
    instance_id: str | None = None,
) -> list[StatisticsStep]:
    """Return the last document of each step of ``[start, end)`` that has one, oldest first.

    Steps are whole seconds, counted from ``start`` (floored to the second); steps
    without a document are left out rather than filled.
    """
    step_s = int(step.total_seconds())
    if step_s < MIN_STEP_S or step.total_seconds() != step_s:
        raise InvalidRequest("step must be a whole number of seconds, at least 1")
    if end <= start:
        raise InvalidRequest("the end of a history must be after its start")
    instance = await primary_instance(db, configured=instance_id)
    if instance is None:
        return []
    async with db.session() as session:
        picked = await statistics.statistics_steps(
            session, instance_id=instance, start=start, end=end, step_s=step_s
        )
    origin = start.replace(microsecond=0)
    return [StatisticsStep(origin + index * step, document_of(row)) for index, row in picked]


@dataclass(frozen=True)
class InstanceInfo:
    """What the gateway holds for one instance."""

    instance_id: str
    documents: int
    first_taken_at: datetime
    last_taken_at: datetime


async def known_instances(db: Database) -> list[InstanceInfo]:
    """Return every instance with stored documents, by id."""
    async with db.session() as session:
        rows = await statistics.instance_summaries(session)
    return [
        InstanceInfo(r.instance_id, r.documents, r.first_taken_at, r.last_taken_at) for r in rows
    ]
