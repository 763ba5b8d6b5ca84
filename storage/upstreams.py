"""What the statistics collector last saw from each upstream, one row per upstream."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from storage.engine import Session
from storage.tables import UpstreamStatus
from storage.upsert import Merge, upsert


@dataclass(frozen=True, slots=True)
class UpstreamRow:
    name: str
    url: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int


async def note_success(session: Session, *, name: str, url: str, at: datetime) -> None:
    """Record a successful pull; the last error stays on record, the failure run ends."""
    row = {
        "name": name,
        "url": url,
        "last_attempt_at": at,
        "last_success_at": at,
        "consecutive_failures": 0,
    }
    merge = {
        "url": Merge.FILL,
        "last_attempt_at": Merge.FILL,
        "last_success_at": Merge.FILL,
        "consecutive_failures": Merge.FILL,
    }
    await upsert(session, UpstreamStatus, [row], keys=("name",), merge=merge)


async def note_failure(session: Session, *, name: str, url: str, at: datetime, error: str) -> int:
    """Record a failed pull; return how many pulls in a row have now failed."""
    row = {
        "name": name,
        "url": url,
        "last_attempt_at": at,
        "last_error": error,
        "last_error_at": at,
        "consecutive_failures": 1,
    }
    merge = {
        "url": Merge.FILL,
        "last_attempt_at": Merge.FILL,
        "last_error": Merge.FILL,
        "last_error_at": Merge.FILL,
        "consecutive_failures": Merge.ADD,
    }
    await upsert(session, UpstreamStatus, [row], keys=("name",), merge=merge)
    stmt = select(UpstreamStatus.consecutive_failures).where(col(UpstreamStatus.name) == name)
    return int((await session.execute(stmt)).scalar_one())


async def upstream_rows(session: Session) -> list[UpstreamRow]:
    """Return every upstream's status, by name."""
    stmt = select(UpstreamStatus).order_by(col(UpstreamStatus.name))
    return [
        UpstreamRow(
            r.name,
            r.url,
            r.last_attempt_at,
            r.last_success_at,
            r.last_error,
            r.last_error_at,
            r.consecutive_failures,
        )
        for r in (await session.execute(stmt)).scalars().all()
    ]
