"""Housekeeping: retention of buckets, MAU rows and statistics documents."""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from resolvers.clock import epoch_s
from resolvers.database import Database, Session
from storage import retention as retention_rows
from storage.tables import DAY, MINUTE, QUARTER


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of row is kept; None keeps it for ever."""

    minute_hours: int = 24
    quarter_days: int | None = None
    mau_days: int | None = None
    statistics_days: int | None = None


@dataclass(frozen=True, slots=True)
class PruneReport:
    """Rows removed (or, in a dry run, that would be) per kind."""

    minute_buckets: int = 0
    quarter_buckets: int = 0
    mau_rows: int = 0
    statistics_documents: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


async def _buckets(session: Session, width: int, now: datetime, keep_s: int, dry_run: bool) -> int:
    before = epoch_s(now) - keep_s
    return await retention_rows.old_buckets(session, width=width, before=before, dry_run=dry_run)


async def prune(
    db: Database, *, now: datetime, retention: Retention, dry_run: bool = False
) -> PruneReport:
    """Remove rows older than their retention in one transaction; return what went.

    A dry run counts the same rows and removes nothing. Each instance's newest statistics
    document stays, however old, so the statistics routes keep answering.
    """
    found: dict[str, int] = {}
    async with db.session() as session:
        found["minute_buckets"] = await _buckets(
            session, MINUTE, now, retention.minute_hours * 3600, dry_run
        )
        if retention.quarter_days:
            found["quarter_buckets"] = await _buckets(
                session, QUARTER, now, retention.quarter_days * DAY, dry_run
            )
        if retention.mau_days:
            # Whole UTC days: the day that is mau_days old is the oldest kept.
            today = epoch_s(now) // DAY * DAY
            found["mau_rows"] = await retention_rows.old_contexts(
                session, before_day=today - (retention.mau_days - 1) * DAY, dry_run=dry_run
            )
        if retention.statistics_days:
            found["statistics_documents"] = await retention_rows.old_statistics(
                session, before=now - timedelta(days=retention.statistics_days), dry_run=dry_run
            )
    return PruneReport(**found)
