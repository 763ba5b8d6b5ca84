"""Idempotency records of acknowledged ingestion batches."""

from datetime import datetime

from sqlmodel import select

from storage.engine import Session
from storage.tables import IngestBatch


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
