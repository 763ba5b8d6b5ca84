"""Ingestion: validated records become pre-aggregated facts, stored all or nothing."""

import hashlib
import json
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from resolvers import tally
from resolvers.checksum import verify_statistics_document
from resolvers.clock import epoch_s
from resolvers.commit_groups import CommitGroups
from resolvers.database import Database, Session
from resolvers.errors import InvalidRequest
from resolvers.records import Context, Evaluation, Event, Meter, Record, Statistics, Stream
from resolvers.statistics import statistics_row
from resolvers.statistics_time import taken_at
from resolvers.tokens import Principal, sdk_scope
from storage import batches, statistics, usage
from storage.errors import Conflict
from storage.tables import BUCKET_WIDTHS, DAY


def context_hash(kind: str, key: str) -> str:
    """Return the digest stored in place of a context key (keys never reach storage)."""
    return hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()


def bucket_start(seconds: int, width: int) -> int:
    """Return the start (Unix s) of the bucket of ``width`` seconds holding ``seconds``."""
    return seconds - seconds % width


@dataclass
class Facts:
    """A batch combined by bucket and dimensions, ready to be written in one transaction."""

    evaluations: dict[tuple[str, str, str, int, int, int, str, str], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    variations: dict[tuple[str, str, str, int], tuple[str | None, datetime, datetime]] = field(
        default_factory=dict
    )
    events: dict[tuple[str, int, int], int] = field(default_factory=lambda: defaultdict(int))
    streams: dict[tuple[str, int, int, str, str], int] = field(default_factory=dict)
    meters: dict[tuple[str, int, str, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    contexts: set[usage.ContextSeen] = field(default_factory=set)
    documents: dict[tuple[str, datetime], statistics.StatisticsRow] = field(default_factory=dict)

    def add(self, record: Record, now: datetime) -> None:
        match record:
            case Evaluation():
                self._evaluation(record)
            case Context():
                self.contexts.add(_context_seen(record))
            case Stream():
                self._stream(record)
            case Event():
                for width in BUCKET_WIDTHS:
                    start = bucket_start(epoch_s(record.time), width)
                    self.events[(record.event_type.value, width, start)] += record.count
            case Meter():
                day = bucket_start(epoch_s(record.time), DAY)
                key = (record.meter.value, day, record.project, record.environment)
                self.meters[key] += record.value
            case Statistics():
                row = statistics_row(record.document, now=now, source="ingest")
                self.documents[(row.instance_id, row.taken_at)] = row

    def rows(self) -> int:
        """How many rows writing these facts touches (a group's size bound)."""
        return (
            len(self.evaluations) + len(self.variations) + len(self.events) + len(self.streams)
            + len(self.meters) + len(self.contexts) + len(self.documents)
        )  # fmt: skip

    def absorb(self, other: "Facts") -> None:
        """Add another batch's facts, as if both were written one after the other."""
        for ekey, n in other.evaluations.items():
            self.evaluations[ekey] += n
        for vkey, (value, first, last) in other.variations.items():
            old = self.variations.get(vkey)
            if old is not None:
                # What storage's Merge.NEWEST does with the later write.
                newer = value is not None and (old[0] is None or last >= old[2])
                value = value if newer else old[0]
                first, last = min(old[1], first), max(old[2], last)
            self.variations[vkey] = (value, first, last)
        for key, n in other.events.items():
            self.events[key] += n
        for skey, peak in other.streams.items():
            self.streams[skey] = max(self.streams.get(skey, 0), peak)
        for mkey, value_added in other.meters.items():
            self.meters[mkey] += value_added
        self.contexts |= other.contexts
        for dkey, row in other.documents.items():
            old_row = self.documents.get(dkey)
            if old_row is not None:
                row = replace(row, received_at=max(row.received_at, old_row.received_at))
            self.documents[dkey] = row

    def _evaluation(self, r: Evaluation) -> None:
        seconds = epoch_s(r.time)
        for width in BUCKET_WIDTHS:
            key = (
                r.project,
                r.environment,
                r.flag,
                width,
                bucket_start(seconds, width),
                r.variation,
                r.sdk,
                r.sdk_version,
            )
            self.evaluations[key] += r.count
        vkey = (r.project, r.environment, r.flag, r.variation)
        value = _value_json(r.value) if r.has_value else None
        old = self.variations.get(vkey)
        if old is None:
            self.variations[vkey] = (value, r.time, r.time)
        else:
            newer = r.time >= old[2]
            kept = value if value is not None and (newer or old[0] is None) else old[0]
            self.variations[vkey] = (kept, min(old[1], r.time), max(old[2], r.time))

    def _stream(self, r: Stream) -> None:
        seconds = epoch_s(r.time)
        for width in BUCKET_WIDTHS:
            key = (r.source.value, width, bucket_start(seconds, width), r.sdk, r.sdk_version)
            self.streams[key] = max(self.streams.get(key, 0), r.connections)

    async def write(self, session: Session) -> None:
        await usage.add_evaluation_counts(
            session, rows=[usage.EvaluationCount(*k, count=n) for k, n in self.evaluations.items()]
        )
        await usage.note_variations(
            session,
            rows=[
                usage.VariationSeen(*k, value_json=v, first_seen=first, last_seen=last)
                for k, (v, first, last) in self.variations.items()
            ],
        )
        await usage.add_event_counts(
            session, rows=[usage.EventCount(*k, count=n) for k, n in self.events.items()]
        )
        await usage.observe_stream_peaks(
            session, rows=[usage.StreamPeak(*k, connections=n) for k, n in self.streams.items()]
        )
        await usage.add_meter_increments(
            session, rows=[usage.MeterIncrement(*k, value=v) for k, v in self.meters.items()]
        )
        await usage.note_contexts(session, rows=list(self.contexts))
        await statistics.save_statistics(session, rows=list(self.documents.values()))


# The JSON of the values most flags have, spared an encoder call per record.
_SCALAR_JSON = {(bool, True): "true", (bool, False): "false", (type(None), None): "null"}


def _value_json(value: Any) -> str:
    known = _SCALAR_JSON.get((type(value), value)) if _hashable(value) else None
    return known if known is not None else json.dumps(value, separators=(",", ":"))


def _hashable(value: Any) -> bool:
    return value is None or type(value) in (bool, int, str, float)


def _context_seen(r: Context) -> usage.ContextSeen:
    return usage.ContextSeen(
        day=bucket_start(epoch_s(r.time), DAY),
        context_hash=context_hash(r.context_kind, r.context_key),
        context_kind=r.context_kind,
        anonymous=r.anonymous,
        project=r.project,
        environment=r.environment,
        sdk=r.sdk,
        sdk_type=r.sdk_type.value,
        category=r.category.value,
    )


def combine(records: Iterable[Record], *, now: datetime) -> Facts:
    """Return the records combined by bucket and dimensions."""
    facts = Facts()
    for record in records:
        facts.add(record, now)
    return facts


@dataclass(frozen=True, slots=True)
class _Batch:
    """A validated batch waiting for its group: its facts and how it is acknowledged."""

    facts: Facts
    accepted: int
    token_id: int
    idempotency_key: str | None
    at: datetime


async def _store_group(session: Session, group: Sequence[_Batch]) -> list[tuple[int, bool]]:
    """Store a group's batches in one transaction; per batch, the acknowledged count and
    whether it was stored just now (False: its idempotency key was used before)."""
    keys = [(b.token_id, b.idempotency_key) for b in group if b.idempotency_key is not None]
    seen = await batches.accepted_by_keys(session, keys=keys)
    results: list[tuple[int, bool]] = []
    new: list[batches.BatchRow] = []
    merged = Facts()
    for batch in group:
        key = batch.idempotency_key
        if key is not None and (batch.token_id, key) in seen:
            results.append((seen[(batch.token_id, key)], False))
            continue
        if key is not None:
            # A later batch of the group with the same key is its retry: acknowledged alike.
            seen[(batch.token_id, key)] = batch.accepted
            new.append(batches.BatchRow(batch.token_id, key, batch.accepted, batch.at))
        merged.absorb(batch.facts)
        results.append((batch.accepted, True))
    await batches.insert_batches(session, rows=new)
    await merged.write(session)
    return results


def commit_groups(db: Database) -> CommitGroups[_Batch, tuple[int, bool]]:
    """Return the database's line of ingestion groups (its counts show how batches grouped)."""
    groups = _GROUPS.get(db)
    if groups is None:
        groups = _GROUPS[db] = CommitGroups(db, _store_group)
    return groups


# One line of groups per database (a database lives in one event loop).
_GROUPS: "weakref.WeakKeyDictionary[Database, CommitGroups[_Batch, tuple[int, bool]]]" = (
    weakref.WeakKeyDictionary()
)


async def record_batch(
    db: Database,
    records: Sequence[Record],
    *,
    principal: Principal,
    now: datetime,
    idempotency_key: str | None = None,
) -> int:
    """Store a whole batch atomically and return how many records it acknowledged.

    The batch shares its transaction with batches other requests store at the same time
    (group commit): it is acknowledged once that transaction committed, and fails whole
    if it did not. A batch whose idempotency key this token already used is not stored
    again; the first acknowledgement's count is returned.
    """
    facts = combine(records, now=now)
    batch = _Batch(facts, len(records), principal.token_id, idempotency_key, now)
    try:
        accepted, stored = await commit_groups(db).submit(batch, weight=facts.rows())
    except Conflict:
        if idempotency_key is None:
            raise
        # A concurrent request with the same key won the race and committed first.
        async with db.session() as session:
            seen = await batches.batch_by_key(
                session, token_id=principal.token_id, key=idempotency_key
            )
        if seen is None:
            raise
        return seen.accepted
    if stored:
        tally.note_records(records)
    return accepted


@dataclass(frozen=True, slots=True)
class SdkReport:
    """What an SDK sent, decoded at its door into records of its key's project and environment.

    ``payload_key`` is the door's id of the payload, namespaced by the door: a payload
    retried with the same key counts once.
    """

    records: Sequence[Record]
    payload_key: str | None = None


async def record_sdk_report(
    db: Database, report: SdkReport, *, principal: Principal, now: datetime
) -> int:
    """Store what an SDK reported, atomically; return how many records were acknowledged."""
    sdk_scope(principal)  # only a key scoped to one project and environment reports as an SDK
    return await record_batch(
        db, report.records, principal=principal, now=now, idempotency_key=report.payload_key
    )


@dataclass(frozen=True, slots=True)
class RecordedStatistics:
    """Which document a statistics write stored: its instance and the time it was taken."""

    instance_id: str
    taken_at: datetime


async def record_statistics(
    db: Database, document: Any, *, principal: Principal, now: datetime
) -> RecordedStatistics:
    """Store one statistics document (its ``sum`` checked once); raise InvalidRequest if bad."""
    verified = verify_statistics_document(document)
    await record_batch(db, [Statistics(document=verified)], principal=principal, now=now)
    return RecordedStatistics(verified["instanceId"], taken_at(verified, now))


MAX_IDEMPOTENCY_KEY = 200


def check_idempotency_key(key: str | None) -> None:
    """Raise InvalidRequest unless an idempotency key is absent or 1 to 200 characters."""
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
