"""Storing statistics documents in tests through the real ingestion path."""

from datetime import datetime
from typing import Any

from resolvers import ingestion, records
from resolvers.checksum import statistics_sum
from resolvers.database import Database
from resolvers.tokens import Principal

INGESTER = Principal(token_id=0, name="test", kind="ingest")


def document(instance_id: str, timestamp: str, **fields: Any) -> dict[str, Any]:
    """Return a valid document (sum computed) with the given fields."""
    doc: dict[str, Any] = {"timestamp": timestamp, "instanceId": instance_id, **fields}
    doc["sum"] = statistics_sum(doc)
    return doc


async def store(db: Database, *documents: dict[str, Any], now: datetime) -> None:
    """Store documents as the bulk API would."""
    raw = [{"type": "statistics", "document": d} for d in documents]
    await ingestion.record_batch(
        db, records.parse_records(raw, now=now), principal=INGESTER, now=now
    )
