"""Instance-statistics documents, one row per instance and time taken."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from storage.engine import Session
from storage.tables import InstanceStatistics
from storage.upsert import Merge, upsert


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    instance_id: str
    taken_at: datetime
    document: str
    source: str
    received_at: datetime


async def save_statistics(session: Session, *, rows: Sequence[StatisticsRow]) -> None:
    """Store documents; a document for an instance and time already stored replaces it."""
    merge = {"document": Merge.FILL, "source": Merge.FILL, "received_at": Merge.LATEST}
    await upsert(
        session,
        InstanceStatistics,
        [asdict(r) for r in rows],
        keys=("instance_id", "taken_at"),
        merge=merge,
    )
