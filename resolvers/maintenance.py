"""Housekeeping: retention of short-lived minute buckets."""

from datetime import datetime, timedelta

from resolvers.clock import epoch_s
from resolvers.database import Database
from storage import usage


async def prune(db: Database, *, now: datetime, retention_hours: int) -> int:
    """Delete minute buckets older than the retention; return how many rows went."""
    before = epoch_s(now - timedelta(hours=retention_hours))
    async with db.session() as session:
        return await usage.prune_minute_buckets(session, before=before)
