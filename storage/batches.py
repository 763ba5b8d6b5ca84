"""Idempotency records of acknowledged ingestion batches."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert
from sqlmodel import col, select

from storage.engine import Session
from storage.tables import IngestBatch

# Bound parameters per lookup query (SQLite allows 32,766 in all).
_KEYS_PER_QUERY = 500


async def batch_by_key(session: Session, *, token_id: int, key: str) -> IngestBatch | None:
    """Return the batch a token already sent under this idempotency key, if any."""
    result = await session.execute(
        select(IngestBatch).where(
            IngestBatch.token_id == token_id, IngestBatch.idempotency_key == key
        )
    )
    return result.scalars().first()


async def insert_batch(
    session: Session, *, token_id: int, key: str, accepted: int, at: datetime
) -> None:
    """Remember a batch; a concurrent duplicate fails the transaction on the unique key."""
    session.add(
        IngestBatch(token_id=token_id, idempotency_key=key, accepted=accepted, created_at=at)
    )
    await session.flush()


class BatchRow(NamedTuple):
    token_id: int
    idempotency_key: str
    accepted: int
    created_at: datetime


async def accepted_by_keys(
    session: Session, *, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Return, for each (token id, idempotency key) already used, the count acknowledged."""
    found: dict[tuple[int, str], int] = {}
    by_token: dict[int, list[str]] = {}
    for token_id, key in keys:
        by_token.setdefault(token_id, []).append(key)
    for token_id, names in sorted(by_token.items()):
        for at in range(0, len(names), _KEYS_PER_QUERY):
            query = select(col(IngestBatch.idempotency_key), col(IngestBatch.accepted)).where(
                col(IngestBatch.token_id) == token_id,
                col(IngestBatch.idempotency_key).in_(names[at : at + _KEYS_PER_QUERY]),
            )
            for key, accepted in (await session.execute(query)).all():
                found[(token_id, key)] = accepted
    return found


async def insert_batches(session: Session, *, rows: Sequence[BatchRow]) -> None:
    """Remember batches (in key order); a key already taken fails the transaction (Conflict)."""
    if rows:
        values = [r._asdict() for r in sorted(rows)]
        await session.execute(insert(IngestBatch), values)
