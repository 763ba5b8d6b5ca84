"""Writes over GraphQL: the bulk ingestion API's semantics, and statistics documents."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers import ingestion, records, tally
from resolvers.errors import InvalidRequest
from schema.access import WRITERS, require
from schema.context import Info
from schema.problems import InvalidInput, invalid_input
from schema.scalars import Long


@strawberry.type(description="The batch is stored; `accepted` records were acknowledged.")
class IngestAccepted:
    accepted: Long


@strawberry.type(description="The statistics document is stored.")
class StatisticsRecorded:
    instance_id: str
    taken_at: datetime


IngestResult = Annotated[IngestAccepted | InvalidInput, strawberry.union("IngestResult")]
RecordStatisticsResult = Annotated[
    StatisticsRecorded | InvalidInput, strawberry.union("RecordStatisticsResult")
]


async def ingest(
    info: Info,
    records_: Annotated[
        list[JSON],
        strawberry.argument(name="records", description="Records as in the bulk API."),
    ],
    idempotency_key: str | None = None,
) -> IngestResult:
    """Store a batch whole or not at all, exactly as POST /api/gateway/ingest does."""
    caller = require(info, *WRITERS)
    now = info.context.clock()
    try:
        ingestion.check_idempotency_key(idempotency_key)
        parsed = records.parse_records(list(records_), now=now)
        accepted = await ingestion.record_batch(
            info.context.db, parsed, principal=caller, now=now, idempotency_key=idempotency_key
        )
    except InvalidRequest as error:
        tally.note_rejected()
        return invalid_input(error)
    return IngestAccepted(accepted=Long(accepted))


async def record_instance_statistics(info: Info, document: JSON) -> RecordStatisticsResult:
    """Store one Unleash instance-statistics document (its `sum` must match)."""
    caller = require(info, *WRITERS)
    try:
        recorded = await ingestion.record_statistics(
            info.context.db, document, principal=caller, now=info.context.clock()
        )
    except InvalidRequest as error:
        tally.note_rejected()
        return invalid_input(error)
    return StatisticsRecorded(instance_id=recorded.instance_id, taken_at=recorded.taken_at)
